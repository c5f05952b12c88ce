using System.Net.Sockets;
using System.Text;
using MailCloud.Core.Directory;
using MailCloud.Core.Sieve;
using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.ManageSieve;
using MailCloud.Gateway.Tests.Support;
using MailCloud.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace MailCloud.Gateway.Tests.ManageSieve;

/// <summary>ManageSieve (RFC 5804) over a real socket against a gateway on Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ManageSieveServerTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string User = "carol@example.test";
    private const string Password = "correct horse battery";

    private GatewayTestHost? _host;
    private string _accountId = "";

    private GatewayTestHost Host => _host ?? throw new InvalidOperationException("not started");

    private ISieveScriptStore Store => Host.Services.GetRequiredService<ISieveScriptStore>();

    public async Task InitializeAsync()
    {
        _host = await GatewayTestHost.StartAsync(
            azurite,
            configureServices: s => s.AddManageSieve(),
            settings: new Dictionary<string, string?> { ["Sieve:MaxScriptsPerAccount"] = "2", ["Sieve:MaxScriptSize"] = "2048" });
        await Host.SeedDirectoryAsync((User, Password));
        var account = await Host.Services.GetRequiredService<IMailDirectory>().AuthenticateAsync(User, Password, CancellationToken.None);
        _accountId = account!.Id;
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    [Fact]
    public async Task Greeting_lists_capabilities_then_ok()
    {
        await using var client = await SieveClient.ConnectAsync(Host.Port(ListenerNames.ManageSieve));
        var greeting = client.Greeting;
        Assert.Contains("\"IMPLEMENTATION\" \"MailCloud\"", greeting);
        Assert.Contains("\"SASL\" \"PLAIN LOGIN\"", greeting);
        Assert.Contains("\"VERSION\" \"1.0\"", greeting);
        Assert.Contains("\"SIEVE\" \"", greeting);
        Assert.Contains("fileinto", greeting);
        Assert.StartsWith("OK", greeting.Split("\r\n", StringSplitOptions.RemoveEmptyEntries)[^1]);
    }

    [Fact]
    public async Task Put_list_activate_get_rename_delete()
    {
        await using var client = await SieveClient.ConnectAsync(Host.Port(ListenerNames.ManageSieve));
        await client.LoginAsync(User, Password);
        const string script = "require \"fileinto\";\r\nif header :contains \"subject\" \"x\" { fileinto \"X\"; }\r\n";
        Assert.StartsWith("OK", await client.SendAsync(Literal("PUTSCRIPT \"one\" ", script)));
        Assert.StartsWith("OK", await client.SendAsync("HAVESPACE \"two\" 100\r\n"));
        Assert.Equal("\"one\"\r\nOK\r\n", await client.SendAsync("LISTSCRIPTS\r\n"));
        Assert.StartsWith("OK", await client.SendAsync("SETACTIVE \"one\"\r\n"));
        Assert.Equal("\"one\" ACTIVE\r\nOK\r\n", await client.SendAsync("LISTSCRIPTS\r\n"));
        var got = await client.SendAsync("GETSCRIPT \"one\"\r\n");
        Assert.Equal($"{{{Encoding.UTF8.GetByteCount(script)}}}\r\n{script}\r\nOK\r\n", got);
        Assert.StartsWith("NO (ACTIVE)", await client.SendAsync("DELETESCRIPT \"one\"\r\n"));
        Assert.StartsWith("OK", await client.SendAsync("RENAMESCRIPT \"one\" \"uno\"\r\n"));
        Assert.Equal("\"uno\" ACTIVE\r\nOK\r\n", await client.SendAsync("LISTSCRIPTS\r\n"));
        Assert.StartsWith("OK", await client.SendAsync("SETACTIVE \"\"\r\n"));
        Assert.StartsWith("OK", await client.SendAsync("DELETESCRIPT \"uno\"\r\n"));
        Assert.Empty(await Store.ListAsync(_accountId, CancellationToken.None));
        Assert.StartsWith("OK", await client.SendAsync("LOGOUT\r\n"));
    }

    [Fact]
    public async Task A_script_that_does_not_compile_is_refused_with_its_position_and_not_stored()
    {
        await using var client = await SieveClient.ConnectAsync(Host.Port(ListenerNames.ManageSieve));
        await client.LoginAsync(User, Password);
        var reply = await client.SendAsync(Literal("PUTSCRIPT \"bad\" ", "keep;\r\nfrobnicate;\r\n"));
        Assert.StartsWith("NO \"line 2, column 1:", reply);
        Assert.StartsWith("NO \"line 2, column 1:", await client.SendAsync(Literal("CHECKSCRIPT ", "keep;\r\nfrobnicate;\r\n")));
        Assert.StartsWith("OK", await client.SendAsync(Literal("CHECKSCRIPT ", "keep;\r\n")));
        Assert.Empty(await Store.ListAsync(_accountId, CancellationToken.None));
    }

    [Fact]
    public async Task Refusals_carry_their_response_codes()
    {
        await using var client = await SieveClient.ConnectAsync(Host.Port(ListenerNames.ManageSieve));
        await client.LoginAsync(User, Password);
        Assert.StartsWith("NO (NONEXISTENT)", await client.SendAsync("GETSCRIPT \"none\"\r\n"));
        Assert.StartsWith("NO (NONEXISTENT)", await client.SendAsync("SETACTIVE \"none\"\r\n"));
        Assert.StartsWith("NO (QUOTA/MAXSIZE)", await client.SendAsync("HAVESPACE \"big\" 100000\r\n"));
        Assert.StartsWith("OK", await client.SendAsync(Literal("PUTSCRIPT \"a\" ", "keep;\r\n")));
        Assert.StartsWith("OK", await client.SendAsync(Literal("PUTSCRIPT \"b\" ", "keep;\r\n")));
        Assert.StartsWith("NO (QUOTA/MAXSCRIPTS)", await client.SendAsync(Literal("PUTSCRIPT \"c\" ", "keep;\r\n")));
        Assert.StartsWith("NO (ALREADYEXISTS)", await client.SendAsync("RENAMESCRIPT \"a\" \"b\"\r\n"));
        Assert.Equal(["a", "b"], (await Store.ListAsync(_accountId, CancellationToken.None)).Select(e => e.Name).Order());
    }

    [Fact]
    public async Task Bad_commands_get_no_and_script_commands_need_login()
    {
        await using var client = await SieveClient.ConnectAsync(Host.Port(ListenerNames.ManageSieve));
        Assert.StartsWith("NO", await client.SendAsync("LISTSCRIPTS\r\n"));
        Assert.StartsWith("NO", await client.SendAsync("FROB\r\n"));
        Assert.StartsWith("NO", await client.SendAsync("NOOP \"unclosed\r\n"));
        Assert.StartsWith("OK (TAG \"t1\")", await client.SendAsync("NOOP \"t1\"\r\n"));
        await client.LoginAsync(User, Password);
        Assert.StartsWith("NO", await client.SendAsync("PUTSCRIPT \"x\"\r\n"));
        Assert.Empty(await Store.ListAsync(_accountId, CancellationToken.None));
    }

    [Fact]
    public async Task A_large_literal_before_login_ends_the_session()
    {
        await using var client = await SieveClient.ConnectAsync(Host.Port(ListenerNames.ManageSieve));
        Assert.StartsWith("BYE", await client.SendAsync("AUTHENTICATE \"PLAIN\" {100000+}\r\n"));
    }

    [Fact]
    public async Task Wrong_password_is_refused()
    {
        await using var client = await SieveClient.ConnectAsync(Host.Port(ListenerNames.ManageSieve));
        var plain = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{User}\0wrong"));
        Assert.StartsWith("NO", await client.SendAsync($"AUTHENTICATE \"PLAIN\" \"{plain}\"\r\n"));
        Assert.StartsWith("NO", await client.SendAsync("LISTSCRIPTS\r\n"));
    }

    private static string Literal(string prefix, string content) =>
        $"{prefix}{{{Encoding.UTF8.GetByteCount(content)}+}}\r\n{content}\r\n";

    /// <summary>A raw client: sends a command and reads the response through its final OK/NO/BYE line.</summary>
    private sealed class SieveClient : IAsyncDisposable
    {
        private readonly TcpClient _tcp;
        private readonly NetworkStream _stream;
        private readonly StreamReader _reader;

        private SieveClient(TcpClient tcp)
        {
            _tcp = tcp;
            _stream = tcp.GetStream();
            _reader = new StreamReader(_stream, new UTF8Encoding(false));
        }

        public string Greeting { get; private set; } = "";

        public static async Task<SieveClient> ConnectAsync(int port)
        {
            var tcp = new TcpClient();
            await tcp.ConnectAsync("127.0.0.1", port);
            var client = new SieveClient(tcp);
            client.Greeting = await client.ReadResponseAsync();
            return client;
        }

        public async Task LoginAsync(string user, string password)
        {
            // The continuation form (RFC 5804 §2.1): no initial response, the server's empty challenge, then ours.
            var challenge = await SendAsync("AUTHENTICATE \"PLAIN\"\r\n", untilStatus: false);
            Assert.Equal("\"\"\r\n", challenge);
            var plain = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{user}\0{password}"));
            Assert.StartsWith("OK", await SendAsync($"\"{plain}\"\r\n"));
        }

        public async Task<string> SendAsync(string text, bool untilStatus = true)
        {
            await _stream.WriteAsync(Encoding.UTF8.GetBytes(text));
            return untilStatus ? await ReadResponseAsync() : await _reader.ReadLineAsync() + "\r\n";
        }

        private async Task<string> ReadResponseAsync()
        {
            var response = new StringBuilder();
            while (await _reader.ReadLineAsync() is { } line)
            {
                response.Append(line).Append("\r\n");
                if (line.StartsWith("OK", StringComparison.Ordinal) || line.StartsWith("NO", StringComparison.Ordinal) || line.StartsWith("BYE", StringComparison.Ordinal))
                {
                    break;
                }
            }

            return response.ToString();
        }

        public ValueTask DisposeAsync()
        {
            _reader.Dispose();
            _tcp.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
