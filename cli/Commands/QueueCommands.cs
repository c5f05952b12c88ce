using System.CommandLine;
using System.Globalization;
using MailCloud.Cli.Local;
using MailCloud.Core.Configuration;
using MailCloud.Core.Queueing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MailCloud.Cli.Commands;

/// <summary><c>mailcloud queue</c>: look into the pipeline queues and their dead letters, replay and purge them.</summary>
public static class QueueCommands
{
    private const int Success = 0;
    private const int Failure = 1;
    private const int UsageError = 2;

    public static Command Create()
    {
        var command = new Command("queue", "Inspect the pipeline queues (inbound, deliver, relay) and their dead letters.");
        command.Subcommands.Add(CreateList());
        command.Subcommands.Add(CreateShow());
        command.Subcommands.Add(CreateReplay());
        command.Subcommands.Add(CreatePurge());
        return command;
    }

    private static Command CreateList()
    {
        var command = new Command("list", "Show each pipeline queue with its active and dead-lettered message counts.");
        command.SetAction((_, cancellationToken) => RunAsync(async (transport, queues, output) =>
        {
            await output.WriteLineAsync($"{"QUEUE",-20} {"ACTIVE",10} {"DEAD-LETTERED",14}").ConfigureAwait(false);
            foreach (var queue in queues)
            {
                var depth = await transport.GetDepthAsync(queue, cancellationToken).ConfigureAwait(false);
                await output.WriteLineAsync($"{queue,-20} {depth.Active,10} {depth.DeadLettered,14}").ConfigureAwait(false);
            }

            return Success;
        }, cancellationToken));
        return command;
    }

    private static Command CreateShow()
    {
        var queueArgument = QueueArgument();
        var deadLetter = new Option<bool>("--dead-letter") { Description = "Show the queue's dead letters instead of its waiting messages." };
        var max = new Option<int>("--max") { Description = "Show at most this many messages.", DefaultValueFactory = _ => 20 };
        max.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 1)
            {
                result.AddError("--max must be at least 1.");
            }
        });

        var command = new Command("show", "List a queue's messages (or dead letters): ids, times, reasons and envelope summaries.")
        {
            queueArgument,
            deadLetter,
            max,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(async (transport, queues, output) =>
        {
            var queue = parse.GetRequiredValue(queueArgument);
            if (!IsPipelineQueue(queue, queues))
            {
                return UnknownQueue(queue, queues);
            }

            var limit = parse.GetValue(max);
            if (parse.GetValue(deadLetter))
            {
                var dead = await transport.PeekDeadLettersAsync(queue, limit, cancellationToken).ConfigureAwait(false);
                await output.WriteLineAsync($"{queue}: {dead.Count} dead-lettered message(s) shown").ConfigureAwait(false);
                foreach (var message in dead)
                {
                    await output.WriteLineAsync($"{message.MessageId}  dead-lettered {Time(message.DeadLetteredAt)}").ConfigureAwait(false);
                    await output.WriteLineAsync($"  reason: {message.Reason}").ConfigureAwait(false);
                    await output.WriteLineAsync($"  {Summary(message.Body)}").ConfigureAwait(false);
                }
            }
            else
            {
                var waiting = await transport.PeekAsync(queue, limit, cancellationToken).ConfigureAwait(false);
                await output.WriteLineAsync($"{queue}: {waiting.Count} waiting message(s) shown").ConfigureAwait(false);
                foreach (var message in waiting)
                {
                    await output.WriteLineAsync($"{message.MessageId}  enqueued {Time(message.EnqueuedAt)}  deliveries {message.DeliveryCount}").ConfigureAwait(false);
                    await output.WriteLineAsync($"  {Summary(message.Body)}").ConfigureAwait(false);
                }
            }

            return Success;
        }, cancellationToken));
        return command;
    }

    private static Command CreateReplay()
    {
        var queueArgument = QueueArgument();
        var id = new Option<string>("--id") { Description = "Replay only the dead letter with this message id." };
        var command = new Command("replay", "Move dead-lettered messages back into their queue, to be processed again.")
        {
            queueArgument,
            id,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(async (transport, queues, output) =>
        {
            var queue = parse.GetRequiredValue(queueArgument);
            if (!IsPipelineQueue(queue, queues))
            {
                return UnknownQueue(queue, queues);
            }

            var messageId = parse.GetValue(id);
            var replayed = await transport.ReplayDeadLettersAsync(queue, messageId, cancellationToken).ConfigureAwait(false);
            if (messageId is not null && replayed == 0)
            {
                await Console.Error.WriteLineAsync($"error: no dead letter with id '{messageId}' in queue '{queue}'.").ConfigureAwait(false);
                return Failure;
            }

            await output.WriteLineAsync($"Replayed {replayed} message(s) into {queue}.").ConfigureAwait(false);
            return Success;
        }, cancellationToken));
        return command;
    }

    private static Command CreatePurge()
    {
        var queueArgument = QueueArgument();
        var deadLetter = new Option<bool>("--dead-letter") { Description = "Purge the queue's dead letters rather than its waiting messages." };
        var yes = new Option<bool>("--yes") { Description = "Confirm: purged messages are gone for good." };
        var command = new Command("purge", "Delete every message of a queue, or of its dead letters. Requires --yes.")
        {
            queueArgument,
            deadLetter,
            yes,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(async (transport, queues, output) =>
        {
            var queue = parse.GetRequiredValue(queueArgument);
            if (!IsPipelineQueue(queue, queues))
            {
                return UnknownQueue(queue, queues);
            }

            var deadLetters = parse.GetValue(deadLetter);
            if (!parse.GetValue(yes))
            {
                await Console.Error.WriteLineAsync($"error: purging {Describe(queue, deadLetters)} deletes messages for good; add --yes to confirm.").ConfigureAwait(false);
                return UsageError;
            }

            var purged = await transport.PurgeAsync(queue, deadLetters, cancellationToken).ConfigureAwait(false);
            await output.WriteLineAsync($"Purged {purged} message(s) from {Describe(queue, deadLetters)}.").ConfigureAwait(false);
            return Success;
        }, cancellationToken));
        return command;
    }

    private static Argument<string> QueueArgument() =>
        new("queue") { Description = "A pipeline queue: inbound, deliver or relay (as configured)." };

    /// <summary>Opens the configured storage, runs <paramref name="action"/>, and turns failures into a message and exit code 1.</summary>
    private static async Task<int> RunAsync(
        Func<IQueueTransport, IReadOnlyList<string>, TextWriter, Task<int>> action,
        CancellationToken cancellationToken)
    {
        try
        {
            await using var session = await StorageSession.OpenAsync(cancellationToken).ConfigureAwait(false);
            var transport = session.Services.GetRequiredService<IQueueTransport>();
            var options = session.Services.GetRequiredService<IOptions<QueueingOptions>>().Value;
            IReadOnlyList<string> queues = [options.InboundQueue, options.DeliverQueue, options.RelayQueue];
            return await action(transport, queues, Console.Out).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Failure;
        }
        catch (Exception ex) when (ex is Azure.RequestFailedException or OptionsValidationException or InvalidOperationException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
            return Failure;
        }
    }

    private static bool IsPipelineQueue(string queue, IReadOnlyList<string> queues) => queues.Contains(queue, StringComparer.Ordinal);

    private static int UnknownQueue(string queue, IReadOnlyList<string> queues)
    {
        Console.Error.WriteLine($"error: unknown queue '{queue}'; the pipeline queues are {string.Join(", ", queues)}.");
        return UsageError;
    }

    private static string Describe(string queue, bool deadLetters) => deadLetters ? $"the dead letters of {queue}" : queue;

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>One line about the envelope a queue message carries, or why it cannot be read.</summary>
    private static string Summary(BinaryData body)
    {
        try
        {
            var envelope = EnvelopeSerializer.Deserialize(body);
            var from = envelope.MailFrom.Length == 0 ? "<>" : envelope.MailFrom;
            var recipients = string.Join(", ", envelope.Recipients.Select(r => r.Address));
            return $"from {from} to {recipients}; attempt {envelope.Attempt}; {envelope.Size} bytes in {envelope.SpoolBlob}";
        }
        catch (InvalidEnvelopeException ex)
        {
            return $"not an envelope ({ex.Message})";
        }
    }
}
