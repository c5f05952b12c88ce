using System.Globalization;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace MailCloud.Testing;

/// <summary>
/// A private Postfix 3 instance on a free loopback port, as bench/lib.sh runs one: its own config directory, queue
/// and log file under a temporary directory, Debian's master.cf with the smtpd listener moved to the port and no
/// chroot. It is the final destination of <paramref name="domain"/> (mydestination), knows only the given users
/// (discarding their mail) and refuses any other at RCPT with 550 5.1.1. Postfix's daemons must be started as root.
/// Stopped with its own <c>postfix -c dir stop</c>.
/// </summary>
public sealed class PostfixServer : IAsyncDisposable
{
    private readonly string _postfix;
    private readonly string _directory;

    private PostfixServer(string postfix, string directory, int port)
    {
        _postfix = postfix;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    private string ConfigDirectory => Path.Combine(_directory, "config");

    private string LogFile => Path.Combine(_directory, "postfix.log");

    public static async Task<PostfixServer> StartAsync(string domain, IEnumerable<string> users)
    {
        if (!Environment.IsPrivilegedProcess || OperatingSystem.IsWindows())
        {
            throw new PeerUnavailableException("A private Postfix needs root on Linux (its master starts daemons as the postfix user); run the tests as root.");
        }

        var postfix = await Peers.RequireAsync("postfix");
        var postconf = Path.Combine(Path.GetDirectoryName(postfix)!, "postconf");
        var directory = System.IO.Directory.CreateTempSubdirectory("mailcloud-postfix-").FullName;
        // Postfix's daemons run as the postfix user: they must reach the queue and data directories.
        File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        var config = Path.Combine(directory, "config");
        var data = Path.Combine(directory, "data");
        System.IO.Directory.CreateDirectory(config);
        System.IO.Directory.CreateDirectory(data);
        System.IO.Directory.CreateDirectory(Path.Combine(directory, "queue"));
        await Run("chown", "postfix", data);

        var port = FreePorts.Next();
        var server = new PostfixServer(postfix, directory, port);
        var master = await File.ReadAllTextAsync("/etc/postfix/master.cf");
        await File.WriteAllTextAsync(Path.Combine(config, "master.cf"), Regex.Replace(master, @"^smtp(\s+)inet", $"{port}$1inet", RegexOptions.Multiline));
        // local_recipient_maps is looked up by the bare user: an inline table of the known ones; the rest get 550 5.1.1.
        var known = string.Join(", ", users.Select(u => $"{u}={u}"));
        await File.WriteAllTextAsync(Path.Combine(config, "main.cf"), $$"""
            compatibility_level = 3.6
            queue_directory = {{directory}}/queue
            data_directory = {{data}}
            inet_interfaces = 127.0.0.1
            inet_protocols = ipv4
            myhostname = mx.{{domain}}
            mydomain = {{domain}}
            mydestination = {{domain}}
            mynetworks = 127.0.0.0/8
            alias_maps =
            alias_database =
            local_recipient_maps = inline:{ {{known}} }
            local_transport = discard:
            biff = no
            maillog_file = {{directory}}/postfix.log
            maillog_file_prefixes = {{directory}}

            """);
        try
        {
            await Run(postconf, "-c", config, "-F", "*/*/chroot = n");
            await Run(postfix, "-c", config, "check");
            await Run(postfix, "-c", config, "start");
            await server.WaitForListenerAsync();
            return server;
        }
        catch (Exception failure) when (failure is InvalidOperationException or TimeoutException)
        {
            // Postfix reports most start-up problems only in its log, which goes with the directory.
            var log = await server.ReadLogAsync();
            await server.DisposeAsync();
            throw new InvalidOperationException($"{failure.Message}\nPostfix's log:\n{log}", failure);
        }
    }

    /// <summary>Postfix's own log so far (maillog_file, written by postlogd).</summary>
    public async Task<string> ReadLogAsync()
    {
        if (!File.Exists(LogFile))
        {
            return "";
        }

        await using var stream = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (File.Exists(Path.Combine(ConfigDirectory, "main.cf")))
        {
            await Processes.RunAsync(_postfix, ["-c", ConfigDirectory, "stop"]);
        }

        System.IO.Directory.Delete(_directory, recursive: true);
    }

    private async Task WaitForListenerAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", Port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
            catch (SocketException)
            {
                throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"Postfix did not listen on 127.0.0.1:{Port}."));
            }
        }
    }

    private static async Task Run(string program, params string[] arguments)
    {
        var (exitCode, output) = await Processes.RunAsync(program, arguments);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed (exit {exitCode}):\n{output}");
        }
    }
}
