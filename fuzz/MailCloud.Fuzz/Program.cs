using MailCloud.Fuzz;
using SharpFuzz;

if (args.Length != 1 || !FuzzTargets.All.TryGetValue(args[0], out var target))
{
    Console.Error.WriteLine($"usage: MailCloud.Fuzz <target>; targets: {string.Join(", ", FuzzTargets.All.Keys)}");
    return 2;
}

Fuzzer.OutOfProcess.Run(stream => FuzzRunner.Run(target, FuzzInput.ReadAll(stream)));
return 0;
