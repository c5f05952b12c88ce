using System.Diagnostics;
using System.Text.Json;

namespace MailCloud.Cli.Local;

/// <summary>What a running <c>mailcloud dev</c> tells other commands run from the same clone.</summary>
public sealed record DevState(int ProcessId, string StorageConnectionString, DateTimeOffset StartedAt)
{
    public static DevState? ReadIfRunning(LocalPaths paths)
    {
        if (!File.Exists(paths.DevStateFile))
        {
            return null;
        }

        DevState? state;
        try
        {
            state = JsonSerializer.Deserialize<DevState>(File.ReadAllText(paths.DevStateFile));
        }
        catch (JsonException)
        {
            return null;
        }

        return state is not null && IsAlive(state.ProcessId) ? state : null;
    }

    public void Write(LocalPaths paths)
    {
        System.IO.Directory.CreateDirectory(paths.StateDirectory);
        File.WriteAllText(paths.DevStateFile, JsonSerializer.Serialize(this));
    }

    public static void Remove(LocalPaths paths) => File.Delete(paths.DevStateFile);

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
