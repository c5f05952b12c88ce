using MailCloud.Core.Mailboxes;
using MailCloud.Core.Sieve;
using MailCloud.Functions.Tests.Support;
using MailCloud.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace MailCloud.Functions.Tests.Pipeline;

/// <summary>
/// Delivery running an account's active script through the pipeline on Azurite, with stand-ins for the script
/// source and the interpreter so that what is checked is delivery's side: which account's script runs, and that
/// its result (or its failure) is carried out.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class SieveDeliveryTests(AzuriteFixture azurite)
{
    private const string Sender = "sender@remote.test";

    [Fact]
    public async Task The_active_scripts_result_is_carried_out_and_an_account_without_one_gets_its_inbox()
    {
        var scripts = new ScriptStandIn();
        var interpreter = new InterpreterStandIn(_ => new SieveResult([new FileAction("Filtered", new HashSet<string> { "\\Seen" }, Create: true)]));
        await using var host = await CreateAsync(scripts, interpreter);
        await host.Directory.AddDomainAsync("example.test", default);
        var alice = await host.Directory.AddAccountAsync("alice@example.test", "pw-alice-123456", null, null, default);
        var bob = await host.Directory.AddAccountAsync("bob@example.test", "pw-bob-1234567", null, null, default);
        scripts.Active[alice.Id] = new SieveScript("main", "fileinto :create \"Filtered\";");
        await host.StartAsync();

        await host.SubmitAsync(Sender, ["alice@example.test", "bob@example.test"], PipelineTestHost.NewMessage(Sender, "alice@example.test", "filter me"));

        await host.WaitForInboxAsync(bob.Id);
        await host.WaitForIdleAsync();
        var filed = Assert.Single((await host.Mailboxes.GetSnapshotAsync(alice.Id, "Filtered", CancellationToken.None)).Messages);
        Assert.True(filed.Flags.Has(SystemFlags.Seen));
        Assert.Empty(await host.ReadInboxAsync(alice.Id));
        Assert.Equal(alice.Address, Assert.Single(interpreter.Accounts));
    }

    [Fact]
    public async Task A_script_that_fails_at_run_time_keeps_the_message_in_inbox()
    {
        var scripts = new ScriptStandIn();
        await using var host = await CreateAsync(scripts, new InterpreterStandIn(_ => throw new SieveRuntimeException("include loop")));
        await host.Directory.AddDomainAsync("example.test", default);
        var alice = await host.Directory.AddAccountAsync("alice@example.test", "pw-alice-123456", null, null, default);
        scripts.Active[alice.Id] = new SieveScript("main", "include \"main\";");
        await host.StartAsync();

        await host.SubmitAsync(Sender, ["alice@example.test"], PipelineTestHost.NewMessage(Sender, "alice@example.test", "kept"));

        Assert.Equal("kept", Assert.Single(await host.WaitForInboxAsync(alice.Id)).Subject);
    }

    private Task<PipelineTestHost> CreateAsync(ScriptStandIn scripts, InterpreterStandIn interpreter) =>
        PipelineTestHost.CreateAsync(azurite, services: s =>
        {
            s.AddSingleton<ISieveScriptSource>(scripts);
            s.AddSingleton<ISieveInterpreter>(interpreter);
        });

    private sealed class ScriptStandIn : ISieveScriptSource
    {
        public System.Collections.Concurrent.ConcurrentDictionary<string, SieveScript> Active { get; } = new();

        public Task<SieveScript?> GetAsync(string accountId, string name, CancellationToken cancellationToken) =>
            Task.FromResult(Active.TryGetValue(accountId, out var s) && s.Name == name ? s : null);

        public Task<SieveScript?> GetActiveAsync(string accountId, CancellationToken cancellationToken) =>
            Task.FromResult(Active.GetValueOrDefault(accountId));

        public Task<SieveScript?> GetGlobalAsync(string name, CancellationToken cancellationToken) => Task.FromResult<SieveScript?>(null);
    }

    private sealed class InterpreterStandIn(Func<SieveMessage, SieveResult> run) : ISieveInterpreter
    {
        public System.Collections.Concurrent.ConcurrentBag<string> Accounts { get; } = [];

        public async Task<SieveResult> RunAsync(SieveScript script, SieveMessage message, CancellationToken cancellationToken)
        {
            Accounts.Add(message.AccountAddress);
            // The content opens: what a body test would read.
            await using var content = await message.OpenContentAsync(cancellationToken);
            Assert.True(content.ReadByte() >= 0);
            return run(message);
        }
    }
}
