using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MailCloud.Core.Local;

/// <summary>
/// Starts the Azurite storage emulator pinned in the repository's package.json (installing it
/// with <c>npm ci</c> the first time) on free loopback ports, and stops it again.
/// Used by <c>mailcloud dev</c> (persistent, under a data folder) and by the tests (in memory).
/// </summary>
public sealed class AzuriteLauncher : IAsyncDisposable
{
    /// <summary>Azurite's well-known development account (public, documented by Microsoft).</summary>
    public const string AccountName = "devstoreaccount1";
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly Process _process;

    private AzuriteLauncher(Process process, int blobPort, int queuePort, int tablePort)
    {
        _process = process;
        BlobPort = blobPort;
        QueuePort = queuePort;
        TablePort = tablePort;
    }

    public int BlobPort { get; }
    public int QueuePort { get; }
    public int TablePort { get; }
    public int ProcessId => _process.Id;

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{BlobPort}/{AccountName};" +
        $"QueueEndpoint=http://127.0.0.1:{QueuePort}/{AccountName};" +
        $"TableEndpoint=http://127.0.0.1:{TablePort}/{AccountName}";

    /// <summary>
    /// Starts Azurite. With <paramref name="dataDirectory"/> it persists there; without, it keeps
    /// everything in memory. Ports are the preferred ones when free, else any free port.
    /// </summary>
    public static async Task<AzuriteLauncher> StartAsync(
        string repositoryRoot,
        string? dataDirectory,
        (int Blob, int Queue, int Table)? preferredPorts,
        ILogger? logger,
        CancellationToken cancellationToken)
    {
        logger ??= NullLogger.Instance;
        var entryPoint = await EnsureInstalledAsync(repositoryRoot, logger, cancellationToken).ConfigureAwait(false);

        var blobPort = PickPort(preferredPorts?.Blob);
        var queuePort = PickPort(preferredPorts?.Queue, blobPort);
        var tablePort = PickPort(preferredPorts?.Table, blobPort, queuePort);

        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = repositoryRoot,
        };
        foreach (var arg in new[]
                 {
                     entryPoint,
                     "--blobHost", "127.0.0.1", "--blobPort", blobPort.ToString(),
                     "--queueHost", "127.0.0.1", "--queuePort", queuePort.ToString(),
                     "--tableHost", "127.0.0.1", "--tablePort", tablePort.ToString(),
                     "--skipApiVersionCheck", "--loose", "--disableProductStyleUrl", "--silent",
                 })
        {
            start.ArgumentList.Add(arg);
        }

        if (dataDirectory is null)
        {
            start.ArgumentList.Add("--inMemoryPersistence");
        }
        else
        {
            System.IO.Directory.CreateDirectory(dataDirectory);
            start.ArgumentList.Add("--location");
            start.ArgumentList.Add(dataDirectory);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start node for Azurite");
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var launcher = new AzuriteLauncher(process, blobPort, queuePort, tablePort);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await IsListeningAsync(blobPort).ConfigureAwait(false) || !await IsListeningAsync(queuePort).ConfigureAwait(false) || !await IsListeningAsync(tablePort).ConfigureAwait(false))
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                await launcher.DisposeAsync().ConfigureAwait(false);
                string text;
                lock (output)
                {
                    text = output.ToString();
                }

                throw new InvalidOperationException($"Azurite did not start: {text}");
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }

        logger.LogInformation("Azurite started (pid {Pid}) on blob {BlobPort}, queue {QueuePort}, table {TablePort}", process.Id, blobPort, queuePort, tablePort);
        return launcher;
    }

    /// <summary>Finds the directory holding MailCloud.sln, walking up from <paramref name="start"/>.</summary>
    public static string FindRepositoryRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MailCloud.sln")) && File.Exists(Path.Combine(dir.FullName, "package.json")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException($"No MailCloud checkout (MailCloud.sln with package.json) above '{start}'.");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().ConfigureAwait(false);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
    }

    private static async Task<string> EnsureInstalledAsync(string repositoryRoot, ILogger logger, CancellationToken cancellationToken)
    {
        var entryPoint = Path.Combine(repositoryRoot, "node_modules", "azurite", "dist", "src", "azurite.js");
        if (File.Exists(entryPoint))
        {
            return entryPoint;
        }

        // Several test assemblies may start at once: one installs, the others wait on the lock file.
        var lockPath = Path.Combine(repositoryRoot, ".azurite-install.lock");
        while (true)
        {
            try
            {
                await using var installLock = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
                if (!File.Exists(entryPoint))
                {
                    logger.LogInformation("Installing Azurite from package.json (npm ci)");
                    var npm = Process.Start(new ProcessStartInfo("npm", "ci --no-audit --no-fund --loglevel=error")
                    {
                        WorkingDirectory = repositoryRoot,
                        RedirectStandardOutput = true,
                        RedirectStandardError = true,
                        UseShellExecute = false,
                    }) ?? throw new InvalidOperationException("could not start npm");
                    var stderr = npm.StandardError.ReadToEndAsync(cancellationToken);
                    await npm.StandardOutput.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
                    await npm.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
                    if (npm.ExitCode != 0 || !File.Exists(entryPoint))
                    {
                        throw new InvalidOperationException($"npm ci failed ({npm.ExitCode}): {await stderr.ConfigureAwait(false)}");
                    }
                }

                return entryPoint;
            }
            catch (IOException) when (!File.Exists(entryPoint))
            {
                await Task.Delay(500, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException)
            {
                return entryPoint;
            }
        }
    }

    private static int PickPort(int? preferred, params int[] taken)
    {
        if (preferred is { } port && !taken.Contains(port) && IsFree(port))
        {
            return port;
        }

        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var free = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            if (!taken.Contains(free))
            {
                return free;
            }
        }
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static async Task<bool> IsListeningAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port).ConfigureAwait(false);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
