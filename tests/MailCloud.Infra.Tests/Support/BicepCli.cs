using System.Diagnostics;
using System.Reflection;

namespace MailCloud.Infra.Tests.Support;

/// <summary>The bicep binary restored by the project's PackageDownload, run as a subprocess.</summary>
public static class BicepCli
{
    public sealed record Result(int ExitCode, string StandardOutput, string StandardError)
    {
        /// <summary>Lines reporting a diagnostic. Bicep exits 0 on warnings (e.g. BCP037, an unknown property), so the text is what counts.</summary>
        public IReadOnlyList<string> Diagnostics =>
            (StandardError + "\n" + StandardOutput)
                .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(line => line.Contains("Warning", StringComparison.Ordinal) || line.Contains("Error", StringComparison.Ordinal))
                .ToList();
    }

    public static string ExecutablePath { get; } = Locate();

    public static async Task<Result> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(ExecutablePath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = InfraPaths.RepositoryRoot,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Offline: no telemetry, no version check against the network.
        start.Environment["BICEP_TELEMETRY_ENABLED"] = "false";

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Cannot start {ExecutablePath}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return new Result(process.ExitCode, await output, await error);
    }

    private static string Locate()
    {
        var assembly = typeof(BicepCli).Assembly;
        string Metadata(string key) =>
            assembly.GetCustomAttributes<AssemblyMetadataAttribute>().SingleOrDefault(a => a.Key == key)?.Value
            ?? throw new InvalidOperationException($"The test assembly has no {key} metadata (see the csproj).");

        var packageRoot = Metadata("NuGetPackageRoot");
        var path = Path.Combine(packageRoot, "azure.bicep.commandline.linux-x64", Metadata("BicepVersion"), "tools", "bicep");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"bicep is not at {path}; restore tests/MailCloud.Infra.Tests (PackageDownload).", path);
        }

        return path;
    }
}
