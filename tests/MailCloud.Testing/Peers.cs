using System.Reflection;

namespace MailCloud.Testing;

/// <summary>
/// The real programs tests talk to (swaks, dnsmasq, openssl, python3, Postfix's smtp-source), got the
/// way Azurite is: found on PATH (or in the sbin directories, where Debian puts daemons), and when
/// missing, installed from Debian's packages on first use if the tests run as root on Debian, or
/// else the test fails with a message naming the package to install. The package table is
/// <c>peers.txt</c>, which <c>.ci/install-peers.sh</c> reads too.
/// </summary>
public static class Peers
{
    /// <summary>Serialises installs across test processes (each test assembly runs in its own).</summary>
    public static readonly string LockFile = Path.Combine(Path.GetTempPath(), "mailcloud-test-peers.lock");

    private static readonly string[] SbinDirectories = ["/usr/local/sbin", "/usr/sbin", "/sbin"];

    // Postfix asks questions on install; the same answers as .ci/install-peers.sh gives.
    private static readonly string PostfixPreseed =
        "postfix postfix/main_mailer_type select Local only\npostfix postfix/mailname string mailcloud-test.invalid\n";

    private static readonly Dictionary<string, string> NonInteractive = new() { ["DEBIAN_FRONTEND"] = "noninteractive" };

    /// <summary>executable → Debian package, from the embedded peers.txt.</summary>
    public static IReadOnlyDictionary<string, string> Packages { get; } = LoadTable();

    /// <summary>Runs a peer (installing it first if need be) to completion.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string executable, IEnumerable<string> arguments, TimeSpan? timeout = null) =>
        await Processes.RunAsync(await RequireAsync(executable), arguments, timeout);

    /// <summary>The peer's full path; installs its package when missing and allowed.</summary>
    /// <exception cref="PeerUnavailableException">Missing, and it cannot be installed here.</exception>
    public static async Task<string> RequireAsync(string executable)
    {
        var plan = Plan(executable, Find(executable), Environment.IsPrivilegedProcess, IsDebian());
        if (plan.Path is { } path)
        {
            return path;
        }

        if (plan.Failure is { } failure)
        {
            throw new PeerUnavailableException(failure);
        }

        return await InstallAsync(executable, plan.PackageToInstall!);
    }

    /// <summary>What to do about a peer: use the path found, install the package, or fail with the message.</summary>
    public static PeerPlan Plan(string executable, string? found, bool isRoot, bool isDebian)
    {
        if (!Packages.TryGetValue(executable, out var package))
        {
            throw new ArgumentException($"'{executable}' is not in MailCloud.Testing/peers.txt; add it with its Debian package.", nameof(executable));
        }

        return found is not null ? new PeerPlan(found, null, null)
            : isRoot && isDebian ? new PeerPlan(null, package, null)
            : new PeerPlan(null, null,
                $"This test needs '{executable}', which is not installed. Install the Debian package '{package}' " +
                $"(sudo apt-get install {package}), or run .ci/install-peers.sh as root; run as root on Debian, the tests install it themselves.");
    }

    /// <summary>The executable's full path on <paramref name="searchPath"/> (default: PATH) or in the sbin directories; null when absent.</summary>
    public static string? Find(string executable, string? searchPath = null) =>
        (searchPath ?? Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(SbinDirectories)
            .Select(directory => Path.Combine(directory, executable))
            .FirstOrDefault(IsExecutable);

    /// <summary>True when apt-get's output says it lacks package lists (a fresh image): run apt-get update, then try again.</summary>
    public static bool NeedsPackageLists(string aptOutput) =>
        aptOutput.Contains("Unable to locate package", StringComparison.Ordinal)
        || aptOutput.Contains("has no installation candidate", StringComparison.Ordinal);

    /// <summary>Reads peers.txt: "executable package" per line; blank lines and # comments skipped.</summary>
    public static IReadOnlyDictionary<string, string> ParseTable(TextReader table)
    {
        var packages = new Dictionary<string, string>(StringComparer.Ordinal);
        while (table.ReadLine() is { } line)
        {
            var fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0 || fields[0].StartsWith('#'))
            {
                continue;
            }

            if (fields.Length != 2)
            {
                throw new FormatException($"peers.txt: '{line}' is not 'executable package'.");
            }

            packages.Add(fields[0], fields[1]);
        }

        return packages;
    }

    private static async Task<string> InstallAsync(string executable, string package)
    {
        await using var installing = await LockAsync();

        // Another test process may have installed it while this one waited.
        if (Find(executable) is { } installed)
        {
            return installed;
        }

        if (package == "postfix")
        {
            await Processes.RunAsync("debconf-set-selections", [], standardInput: PostfixPreseed);
        }

        // --no-upgrade: a test installs what is missing and never upgrades what the machine has.
        string[] install = ["install", "-y", "-qq", "--no-install-recommends", "--no-upgrade", package];
        var (exitCode, output) = await AptGetAsync(install);
        if (exitCode != 0 && NeedsPackageLists(output))
        {
            await AptGetAsync("update", "-qq");
            (exitCode, output) = await AptGetAsync(install);
        }

        return Find(executable)
            ?? throw new PeerUnavailableException($"This test needs '{executable}'; installing the Debian package '{package}' failed (apt-get exit {exitCode}):\n{output}");
    }

    private static Task<(int ExitCode, string Output)> AptGetAsync(params string[] arguments) =>
        Processes.RunAsync("apt-get", ["-o", "DPkg::Lock::Timeout=300", .. arguments], TimeSpan.FromMinutes(10), environment: NonInteractive);

    /// <summary>An exclusive lock on <see cref="LockFile"/> (an flock on Linux), waited for.</summary>
    private static async Task<FileStream> LockAsync()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(15));
        while (true)
        {
            try
            {
                return new FileStream(LockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                await Task.Delay(200, deadline.Token);
            }
        }
    }

    private static bool IsExecutable(string path) =>
        File.Exists(path) && (OperatingSystem.IsWindows() || (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0);

    private static bool IsDebian() => File.Exists("/etc/debian_version") && Find("apt-get") is not null;

    private static IReadOnlyDictionary<string, string> LoadTable()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("MailCloud.Testing.peers.txt")
            ?? throw new InvalidOperationException("peers.txt is not embedded in MailCloud.Testing.");
        using var reader = new StreamReader(stream);
        return ParseTable(reader);
    }
}

/// <summary>What <see cref="Peers.Plan"/> decided: exactly one of the three is set.</summary>
public sealed record PeerPlan(string? Path, string? PackageToInstall, string? Failure);

/// <summary>A peer a test needs is missing and cannot be installed here; the message says what to install.</summary>
public sealed class PeerUnavailableException(string message) : Exception(message);
