using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using MailCloud.Core.Certificates;
using Microsoft.Extensions.Options;

namespace MailCloud.Testing;

/// <summary>
/// Pebble, Let's Encrypt's ACME test server (from <see cref="Peers"/>), on free loopback ports: its
/// directory over HTTPS with a certificate from a root made here (<see cref="TrustedRootPath"/>), its
/// HTTP-01 validation sent to <c>httpPort</c> on whatever address <c>dnsServer</c> gives the name.
/// No validation sleeps (PEBBLE_VA_NOSLEEP); a share of valid nonces refused on purpose when asked
/// (PEBBLE_WFE_NONCEREJECT), which a correct client survives. Stopped by PID.
/// </summary>
public sealed class PebbleServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;
    private readonly StringBuilder _output;

    private PebbleServer(Process process, string directory, StringBuilder output, int port)
    {
        _process = process;
        _directory = directory;
        _output = output;
        DirectoryUrl = new Uri($"https://127.0.0.1:{port}/dir");
    }

    public Uri DirectoryUrl { get; }

    /// <summary>PEM of the root Pebble's own HTTPS certificate chains to.</summary>
    public string TrustedRootPath => Path.Combine(_directory, "root.pem");

    /// <summary>What Pebble logged so far (for assertion messages).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static async Task<PebbleServer> StartAsync(int httpPort, string dnsServer, int nonceRejectPercent = 0)
    {
        var directory = Directory.CreateTempSubdirectory("mailcloud-pebble-").FullName;
        WriteTlsFiles(directory);
        var port = FreePorts.Next();
        var config = new
        {
            pebble = new
            {
                listenAddress = $"127.0.0.1:{port}",
                managementListenAddress = $"127.0.0.1:{FreePorts.Next()}",
                certificate = Path.Combine(directory, "cert.pem"),
                privateKey = Path.Combine(directory, "key.pem"),
                httpPort,
                tlsPort = FreePorts.Next(),
                ocspResponderURL = "",
                externalAccountBindingRequired = false,
            },
        };
        var configPath = Path.Combine(directory, "pebble.json");
        await File.WriteAllTextAsync(configPath, JsonSerializer.Serialize(config));

        var start = new ProcessStartInfo(await Peers.RequireAsync("pebble"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-config", configPath, "-dnsserver", dnsServer, "-strict" })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["PEBBLE_VA_NOSLEEP"] = "1";
        start.Environment["PEBBLE_WFE_NONCEREJECT"] = nonceRejectPercent.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var output = new StringBuilder();
        var process = Process.Start(start) ?? throw new InvalidOperationException("pebble did not start.");
        DataReceivedEventHandler collect = (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }
        };
        process.OutputDataReceived += collect;
        process.ErrorDataReceived += collect;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var server = new PebbleServer(process, directory, output, port);
        using var http = server.CreateHttpClient();
        for (var attempt = 0; attempt < 100; attempt++)
        {
            if (process.HasExited)
            {
                var log = server.Output;
                await server.DisposeAsync();
                throw new InvalidOperationException($"pebble exited: {log}");
            }

            try
            {
                using var response = await http.Http.GetAsync(server.DirectoryUrl);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return server;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        await server.DisposeAsync();
        throw new TimeoutException("pebble's directory did not answer.");
    }

    /// <summary>The ACME client's own HTTP client, trusting only <see cref="TrustedRootPath"/>.</summary>
    public AcmeHttpClient CreateHttpClient() =>
        new(Options.Create(new AcmeOptions { DirectoryTrustedRootPath = TrustedRootPath }));

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>A root and, signed by it, Pebble's HTTPS certificate for 127.0.0.1 and localhost.</summary>
    private static void WriteTlsFiles(string directory)
    {
        var now = DateTimeOffset.UtcNow;
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var rootRequest = new CertificateRequest("CN=MailCloud test ACME directory root", rootKey, HashAlgorithmName.SHA256);
        rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        rootRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var root = rootRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(2));

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var leaf = request.Create(root, now.AddMinutes(-5), now.AddDays(1), RandomNumberGenerator.GetBytes(16));

        File.WriteAllText(Path.Combine(directory, "root.pem"), root.ExportCertificatePem());
        File.WriteAllText(Path.Combine(directory, "cert.pem"), leaf.ExportCertificatePem());
        File.WriteAllText(Path.Combine(directory, "key.pem"), key.ExportPkcs8PrivateKeyPem());
    }
}
