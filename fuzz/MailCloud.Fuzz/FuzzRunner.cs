using System.Runtime.ExceptionServices;

namespace MailCloud.Fuzz;

/// <summary>Runs a target the way the gateway runs its parsers: on a thread with a thread-pool thread's stack.</summary>
public static class FuzzRunner
{
    /// <summary>
    /// .NET gives secondary threads (the thread pool, where sessions run) 1.5 MiB of stack on Linux, far
    /// less than the 8 MiB main thread: deep recursion must be found with the stack the server has.
    /// </summary>
    public const int ServerStackSize = 1536 * 1024;

    /// <summary>Runs <paramref name="target"/> on <paramref name="input"/>; rethrows what escaped it; false if it did not return within <paramref name="limit"/>.</summary>
    public static bool TryRun(FuzzTarget target, byte[] input, TimeSpan limit)
    {
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(
            () =>
            {
                try
                {
                    target(input);
                }
                catch (Exception e)
                {
                    failure = ExceptionDispatchInfo.Capture(e);
                }
            },
            ServerStackSize)
        { IsBackground = true };
        thread.Start();
        if (!thread.Join(limit))
        {
            return false;
        }

        failure?.Throw();
        return true;
    }

    /// <summary>Runs to completion (AFL's own timeout catches hangs).</summary>
    public static void Run(FuzzTarget target, byte[] input)
    {
        TryRun(target, input, Timeout.InfiniteTimeSpan);
    }
}
