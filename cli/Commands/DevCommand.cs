using System.CommandLine;
using System.Security.Cryptography;
using MailCloud.Cli.Local;
using MailCloud.Core.Certificates;
using MailCloud.Core.ClientSetup;
using MailCloud.Core.Configuration;
using MailCloud.Core.Directory;
using MailCloud.Core.Lists;
using MailCloud.Core.Local;
using MailCloud.Core.Pipeline;
using MailCloud.Gateway;
using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Smtp;
using MailCloud.Gateway.Imap;
using MailCloud.Gateway.ManageSieve;
using MailCloud.Gateway.Pop3;
using MailCloud.Gateway.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace MailCloud.Cli.Commands;

/// <summary>
/// <c>mailcloud dev</c>: Azurite (persistent, in the clone's .mailcloud/), the gateway on the dev
/// ports, and the pipeline stages pumped from Azurite queues, in one process, with zero configuration.
/// </summary>
public static class DevCommand
{
    public const string DevDomain = "example.test";
    public static IReadOnlyList<string> DevAccounts { get; } = ["alice@example.test", "bob@example.test"];

    /// <summary>The HTTP port (/healthz, client setup, one-click unsubscribe).</summary>
    private const int DevHttpPort = 2080;

    public static Command Create()
    {
        var password = new Option<string?>("--password") { Description = "Password for the seeded accounts (default: generated once and kept in .mailcloud/dev-password)." };
        var reset = new Option<bool>("--reset") { Description = "Delete this clone's local storage (.mailcloud/azurite: mail, accounts, queues) and start empty." };
        var command = new Command("dev", "Start everything locally: Azurite, the gateway listeners and the pipeline stages.") { password, reset };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(password), parse.GetValue(reset), ct));
        return command;
    }

    private static async Task<int> RunAsync(string? password, bool reset, CancellationToken cancellationToken)
    {
        var paths = LocalPaths.Discover();
        if (DevState.ReadIfRunning(paths) is { } running)
        {
            await Console.Error.WriteLineAsync($"mailcloud dev is already running from this clone (pid {running.ProcessId}).");
            return 1;
        }

        if (reset && System.IO.Directory.Exists(paths.AzuriteData))
        {
            System.IO.Directory.Delete(paths.AzuriteData, recursive: true);
            Console.WriteLine($"Deleted the local storage in {paths.AzuriteData}.");
        }

        Console.WriteLine("Starting Azurite (first run installs it from package.json)...");
        await using var azurite = await AzuriteLauncher.StartAsync(paths.RepositoryRoot, paths.AzuriteData, (10000, 10001, 10002), null, cancellationToken);
        new DevState(Environment.ProcessId, azurite.ConnectionString, DateTimeOffset.UtcNow).Write(paths);
        try
        {
            var configuration = BuildConfiguration(paths, azurite);
            await using var app = BuildApp(configuration, DefaultListeners.Dev);

            if (await PreviousMailboxLayout.IsPresentAsync(app.Services.GetRequiredService<StorageClients>(), cancellationToken))
            {
                await Console.Error.WriteLineAsync(
                    $"The local storage in {paths.AzuriteData} holds mailboxes in the previous layout (state.json blobs), which this " +
                    "version no longer reads: mailboxes now live in Table Storage. Run `mailcloud dev --reset` to delete the local " +
                    "storage (mail, accounts and queues) and start empty.");
                return 1;
            }

            await StoragePreparation.EnsureAsync(app.Services, cancellationToken);
            var seeded = await SeedAsync(app.Services, paths, password, cancellationToken);

            await app.StartAsync(cancellationToken);
            PrintSummary(app.Services, azurite, paths, seeded);
            await app.WaitForShutdownAsync(cancellationToken);
            return 0;
        }
        finally
        {
            DevState.Remove(paths);
            Console.WriteLine("Stopped.");
        }
    }

    /// <summary>
    /// Everything local mode runs in one host: the gateway with IMAP and POP3, the pipeline stages
    /// pumped from the queues, and the client-setup documents on the HTTP port beside /healthz.
    /// </summary>
    public static WebApplication BuildApp(IConfiguration configuration, IReadOnlyList<ListenerOptions> listeners)
    {
        var app = GatewayApplication.Build(configuration, listeners, services =>
        {
            services.AddImap();
            services.AddPop3();
            services.AddManageSieve();
            services.AddMailPipeline(configuration);
            services.AddLocalPipelineRunner();
            services.AddClientSetup(configuration);
            // Off unless Acme:Enabled (environment: Acme__Enabled=true, Acme__DirectoryUrl, …).
            services.AddAcmeRenewal(configuration);
            services.AddHostedService<CertificateRenewalService>();
        });
        app.MapClientSetup();
        return app;
    }

    private static IConfiguration BuildConfiguration(LocalPaths paths, AzuriteLauncher azurite)
    {
        if (!File.Exists(paths.DevCertificate))
        {
            using var certificate = SelfSignedCertificate.Create("localhost", TimeSpan.FromDays(3650));
            SelfSignedCertificate.SavePfx(certificate, paths.DevCertificate);
        }

        // Environment variables still win, so a developer can change any setting of local mode.
        return new ConfigurationBuilder()
            .AddInMemoryCollection(LocalPipelineSettings.For(paths))
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                [$"{StorageOptions.SectionName}:ConnectionString"] = azurite.ConnectionString,
                [$"{GatewayOptions.SectionName}:HostName"] = "localhost",
                [$"{GatewayOptions.SectionName}:Tls:CertificatePath"] = paths.DevCertificate,
                [$"{GatewayOptions.SectionName}:HealthAddress"] = "127.0.0.1",
                [$"{GatewayOptions.SectionName}:HealthPort"] = DevHttpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                // Local clients are our own tools (and benchmarks), and no spambot can reach loopback:
                // greet at once, and no per-client rates.
                [$"{SmtpOptions.SectionName}:GreetingDelay"] = "00:00:00",
                [$"{SmtpOptions.SectionName}:ClientConnectionsPerMinute"] = "0",
                [$"{SmtpOptions.SectionName}:ClientMessagesPerMinute"] = "0",
                [$"{SmtpOptions.SectionName}:ClientRecipientsPerMinute"] = "0",
                [$"{ClientSetupOptions.SectionName}:MailHost"] = "localhost",
                // List-Unsubscribe's https link must reach this process's HTTP port (beside /healthz).
                [$"{ListOptions.SectionName}:WebBaseUrl"] = $"http://127.0.0.1:{DevHttpPort}",
                [$"{ClientSetupOptions.SectionName}:ImapsPort"] = DevPort(ListenerNames.Imaps),
                [$"{ClientSetupOptions.SectionName}:ImapPort"] = DevPort(ListenerNames.Imap),
                [$"{ClientSetupOptions.SectionName}:Pop3sPort"] = DevPort(ListenerNames.Pop3s),
                [$"{ClientSetupOptions.SectionName}:Pop3Port"] = DevPort(ListenerNames.Pop3),
                [$"{ClientSetupOptions.SectionName}:SubmissionsPort"] = DevPort(ListenerNames.Submissions),
                [$"{ClientSetupOptions.SectionName}:SubmissionPort"] = DevPort(ListenerNames.Submission),
                // Kestrel's "Now listening on: http://..." lines would mislabel the mail ports; the summary lists them.
                ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Warning",
            })
            .AddConfiguration(CliConfiguration.Build())
            .Build();
    }

    private static string DevPort(string listener) =>
        DefaultListeners.Dev.Single(l => l.Name == listener).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Creates example.test with alice and bob on first start; returns the password to print.</summary>
    private static async Task<string> SeedAsync(IServiceProvider services, LocalPaths paths, string? requested, CancellationToken cancellationToken)
    {
        var directory = services.GetRequiredService<IMailDirectory>();
        var passwordFile = Path.Combine(paths.StateDirectory, "dev-password");
        var password = requested
            ?? (File.Exists(passwordFile) ? (await File.ReadAllTextAsync(passwordFile, cancellationToken)).Trim() : null)
            ?? RandomNumberGenerator.GetString("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", 16);

        var snapshot = await directory.GetSnapshotAsync(cancellationToken);
        if (!snapshot.IsHostedDomain(DevDomain))
        {
            await directory.AddDomainAsync(DevDomain, cancellationToken);
        }

        foreach (var address in DevAccounts)
        {
            if (snapshot.FindAccount(address) is null)
            {
                await directory.AddAccountAsync(address, password, displayName: null, quotaBytes: null, cancellationToken);
            }
            else if (requested is not null)
            {
                await directory.SetPasswordAsync(address, password, cancellationToken);
            }
        }

        await File.WriteAllTextAsync(passwordFile, password, cancellationToken);
        return password;
    }

    private static void PrintSummary(IServiceProvider services, AzuriteLauncher azurite, LocalPaths paths, string password)
    {
        var bound = services.GetRequiredService<BoundListeners>();
        Console.WriteLine();
        Console.WriteLine("MailCloud is running locally.");
        Console.WriteLine($"  Azurite      blob 127.0.0.1:{azurite.BlobPort}, queue 127.0.0.1:{azurite.QueuePort}, table 127.0.0.1:{azurite.TablePort} (pid {azurite.ProcessId}), data in {paths.AzuriteData}");
        foreach (var name in bound.Names.Order())
        {
            Console.WriteLine($"  {name,-12} {bound.EndPoint(name)}");
        }

        Console.WriteLine($"  pipeline     route, deliver and relay stages from the Azurite queues");
        Console.WriteLine($"  accounts     {string.Join(", ", DevAccounts)} (password: {password})");
        Console.WriteLine($"  TLS          self-signed certificate {paths.DevCertificate}");
        Console.WriteLine("Press Ctrl-C to stop.");
    }
}
