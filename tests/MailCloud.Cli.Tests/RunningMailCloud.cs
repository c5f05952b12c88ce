using System.Diagnostics;
using System.Text;
using MailCloud.Testing;

namespace MailCloud.Cli.Tests;

/// <summary>
/// A long-running <c>mailcloud</c> command (<c>gateway</c>, <c>pipeline</c>) as a real subprocess:
/// its output is collected while it runs; <see cref="TerminateAsync"/> stops it with SIGTERM as an
/// operator or a container runtime would, and disposing kills whatever is still running.
/// </summary>
public sealed class RunningMailCloud : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    public RunningMailCloud(ProcessStartInfo start)
    {
        _process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        _process.StandardInput.Close();
    }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Standard output and error so far, interleaved as they arrived.</summary>
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

    /// <summary>Sends SIGTERM and waits for the process to end; returns its exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        var (code, output) = await Processes.RunAsync("kill", ["-TERM", ProcessId.ToString()]);
        if (code != 0)
        {
            throw new InvalidOperationException($"kill -TERM {ProcessId} failed: {output}");
        }

        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
