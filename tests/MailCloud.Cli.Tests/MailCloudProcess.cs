using System.Diagnostics;
using MailCloud.Core.Configuration;

namespace MailCloud.Cli.Tests;

/// <summary>The outcome of one <c>mailcloud</c> run.</summary>
public sealed record CliResult(int ExitCode, string Output, string Error);

/// <summary>
/// Runs the built mailcloud.dll (copied beside the tests by the project reference) as a real
/// subprocess, pointed at test storage through the same environment variables an operator uses.
/// </summary>
public sealed class MailCloudProcess(StorageOptions storage, IReadOnlyDictionary<string, string>? environment = null)
{
    /// <summary>Tests store many passwords; the iteration count is read from each hash, so a cheap one changes nothing else.</summary>
    private const string CheapHashIterations = "1000";

    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    public Task<CliResult> RunAsync(params string[] arguments) => RunAsync(arguments, standardInput: null);

    /// <summary>Runs with <paramref name="line"/> as the first line of standard input (e.g. for --password-stdin).</summary>
    public Task<CliResult> RunWithInputAsync(string line, params string[] arguments) => RunAsync(arguments, line);

    /// <summary>Starts a long-running command (<c>gateway</c>, <c>pipeline</c>) and returns at once.</summary>
    public RunningMailCloud Start(params string[] arguments) => new(CreateStartInfo(arguments));

    private ProcessStartInfo CreateStartInfo(string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "mailcloud.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["Storage__ConnectionString"] = storage.ConnectionString;
        start.Environment["Storage__DirectoryContainer"] = storage.DirectoryContainer;
        start.Environment["Storage__SpoolContainer"] = storage.SpoolContainer;
        start.Environment["Storage__MailboxContainer"] = storage.MailboxContainer;
        start.Environment["Storage__MailboxTable"] = storage.MailboxTable;
        start.Environment["Storage__SieveContainer"] = storage.SieveContainer;
        start.Environment["Storage__ListsContainer"] = storage.ListsContainer;
        start.Environment["Directory__PasswordHashIterations"] = CheapHashIterations;
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        return start;
    }

    private async Task<CliResult> RunAsync(string[] arguments, string? standardInput)
    {
        var start = CreateStartInfo(arguments);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var error = process.StandardError.ReadToEndAsync(timeout.Token);
            if (standardInput is not null)
            {
                await process.StandardInput.WriteLineAsync(standardInput);
            }

            process.StandardInput.Close();
            await process.WaitForExitAsync(timeout.Token);
            return new CliResult(process.ExitCode, await output, await error);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
    }
}
