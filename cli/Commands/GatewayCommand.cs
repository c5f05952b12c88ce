using System.CommandLine;
using MailCloud.Cli.Local;
using MailCloud.Gateway;
using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Imap;
using MailCloud.Gateway.ManageSieve;
using MailCloud.Gateway.Pop3;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;

namespace MailCloud.Cli.Commands;

/// <summary>
/// <c>mailcloud gateway</c>: the gateway alone, as the container runs it. Configuration comes from
/// appsettings.json and the environment (Storage__ConnectionString, Gateway__Tls__CertificatePath, ...);
/// without Gateway:Listeners the cloud ports are used. Ctrl-C or SIGTERM stops it gracefully:
/// sessions finish the transfer in progress and say goodbye.
/// </summary>
public static class GatewayCommand
{
    public static Command Create()
    {
        var ensureStorage = StoragePreparation.CreateOption();
        var command = new Command("gateway", "Run the SMTP, IMAP and POP3 gateway (what the container runs).") { ensureStorage };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var app = GatewayApplication.Build(CliConfiguration.Build(), DefaultListeners.Cloud, services =>
            {
                services.AddImap();
                services.AddPop3();
                services.AddManageSieve();
            });
            if (parse.GetValue(ensureStorage))
            {
                await StoragePreparation.EnsureAsync(app.Services, cancellationToken).ConfigureAwait(false);
            }

            // IHost.RunAsync: stops gracefully on Ctrl-C / SIGTERM (the console lifetime) or when the command is cancelled.
            IHost host = app;
            await host.RunAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        });
        return command;
    }
}
