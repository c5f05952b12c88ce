using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using MailCloud.Cli.Local;
using MailCloud.Core.Certificates;
using MailCloud.Core.Certificates.Acme;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MailCloud.Cli.Commands;

/// <summary>
/// <c>mailcloud certificate</c>: the gateway's stored certificate (the one ACME renews) and a renewal
/// on demand, with the same settings the renewal function reads (Acme__*, Certificates__*).
/// </summary>
public static class CertificateCommands
{
    private const int Success = 0;
    private const int Failure = 1;

    public static Command Create()
    {
        var command = new Command("certificate", "Show or renew the gateway's certificate (ACME, kept in the certificate store).");
        command.Subcommands.Add(CreateShow());
        command.Subcommands.Add(CreateRenew());
        return command;
    }

    private static Command CreateShow()
    {
        var command = new Command("show", "Show the stored certificate: names, validity, when it is due for renewal.");
        command.SetAction((_, cancellationToken) => RunAsync(async (services, output) =>
        {
            var name = services.GetRequiredService<IOptions<AcmeOptions>>().Value.CertificateName;
            using var stored = await services.GetRequiredService<ICertificateStore>().GetCertificateAsync(name, cancellationToken).ConfigureAwait(false);
            if (stored is null)
            {
                await Console.Error.WriteLineAsync($"error: no certificate '{name}' is stored.").ConfigureAwait(false);
                return Failure;
            }

            var leaf = stored.Leaf;
            await output.WriteLineAsync($"name\t{name}").ConfigureAwait(false);
            await output.WriteLineAsync($"subject\t{leaf.Subject}").ConfigureAwait(false);
            await output.WriteLineAsync($"dns names\t{string.Join(", ", DnsNames(leaf))}").ConfigureAwait(false);
            await output.WriteLineAsync($"issuer\t{leaf.Issuer}").ConfigureAwait(false);
            await output.WriteLineAsync($"valid\t{Utc(leaf.NotBefore)} to {Utc(leaf.NotAfter)}").ConfigureAwait(false);
            await output.WriteLineAsync($"renewal due\t{RenewalPolicy.RenewalTime(leaf).ToString("u", CultureInfo.InvariantCulture)}").ConfigureAwait(false);
            await output.WriteLineAsync($"thumbprint\t{leaf.Thumbprint}").ConfigureAwait(false);
            await output.WriteLineAsync($"version\t{stored.Version}").ConfigureAwait(false);
            return Success;
        }, cancellationToken));
        return command;
    }

    private static Command CreateRenew()
    {
        var force = new Option<bool>("--force") { Description = "Renew even when the stored certificate is not due." };
        var command = new Command("renew", "Renew by ACME now if due (less than a third of the lifetime left, or a name missing), or always with --force.") { force };
        command.SetAction((parse, cancellationToken) => RunAsync(async (services, output) =>
        {
            var result = await services.GetRequiredService<CertificateRenewer>().RenewIfDueAsync(parse.GetValue(force), cancellationToken).ConfigureAwait(false);
            await output.WriteLineAsync(
                $"{(result.Renewed ? "renewed" : "not due")}\t{result.Thumbprint}\tvalid until {result.NotAfter.ToString("u", CultureInfo.InvariantCulture)}").ConfigureAwait(false);
            return Success;
        }, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(Func<IServiceProvider, TextWriter, Task<int>> action, CancellationToken cancellationToken)
    {
        try
        {
            await using var session = await StorageSession.OpenAsync(cancellationToken, (services, configuration) => services.AddAcmeRenewal(configuration)).ConfigureAwait(false);
            return await action(session.Services, Console.Out).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Failure;
        }
        catch (Exception ex) when (ex is AcmeProblemException or AcmeOrderFailedException or AcmeProtocolException or CertificateStoreUnavailableException
            or HttpRequestException or OptionsValidationException or InvalidOperationException)
        {
            await Console.Error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
            return Failure;
        }
    }

    private static IEnumerable<string> DnsNames(X509Certificate2 certificate) =>
        certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().SelectMany(e => e.EnumerateDnsNames());

    private static string Utc(DateTime time) => time.ToUniversalTime().ToString("u", CultureInfo.InvariantCulture);
}
