using System.Diagnostics;
using System.Net.Sockets;

namespace MailCloud.Testing;

/// <summary>
/// A private Dovecot 2.3 IMAP server on a free loopback port (the reference of TESTING.md): its own
/// config, a passwd-file with the given users, Maildirs under a temporary directory owned by
/// <c>nobody</c>, no TLS. Dovecot's master must be root to switch to the mail user, so this needs root.
/// </summary>
public sealed class DovecotServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;

    private DovecotServer(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    public static async Task<DovecotServer> StartAsync(IEnumerable<(string User, string Password)> users)
    {
        if (!Environment.IsPrivilegedProcess)
        {
            throw new PeerUnavailableException("A private Dovecot needs root (its master switches to the mail user); run the tests as root.");
        }

        var dovecot = await Peers.RequireAsync("dovecot");
        var directory = Directory.CreateTempSubdirectory("mailcloud-dovecot-").FullName;
        var (_, uid) = await Processes.RunAsync("id", ["-u", "nobody"]);
        var (_, gid) = await Processes.RunAsync("id", ["-g", "nobody"]);
        var mailIds = $"{uid.Trim()}:{gid.Trim()}";
        var homes = Path.Combine(directory, "home");
        await File.WriteAllLinesAsync(Path.Combine(directory, "users"), users.Select(u => $"{u.User}:{{PLAIN}}{u.Password}:{mailIds}::{homes}/{u.User}::"));
        foreach (var (user, _) in users)
        {
            Directory.CreateDirectory(Path.Combine(homes, user));
        }

        Directory.CreateDirectory(Path.Combine(directory, "run", "state"));
        var port = FreePorts.Next();
        await File.WriteAllTextAsync(Path.Combine(directory, "dovecot.conf"), $$"""
            protocols = imap
            listen = 127.0.0.1
            base_dir = {{directory}}/run
            state_dir = {{directory}}/run/state
            log_path = {{directory}}/dovecot.log
            ssl = no
            disable_plaintext_auth = no
            auth_mechanisms = plain login
            mail_location = maildir:~/Maildir
            first_valid_uid = 1
            default_internal_user = nobody
            default_login_user = nobody
            passdb {
              driver = passwd-file
              args = scheme=PLAIN {{directory}}/users
            }
            userdb {
              driver = passwd-file
              args = {{directory}}/users
            }
            service imap-login {
              inet_listener imap {
                address = 127.0.0.1
                port = {{port}}
              }
              inet_listener imaps {
                port = 0
              }
              chroot =
            }
            service anvil {
              chroot =
            }
            """);
        await Processes.RunAsync("chmod", ["755", directory]);
        await Processes.RunAsync("chown", ["-R", mailIds, homes]);
        await Processes.RunAsync("chmod", ["644", Path.Combine(directory, "users")]);

        var start = new ProcessStartInfo(dovecot) { UseShellExecute = false };
        foreach (var argument in new[] { "-F", "-c", Path.Combine(directory, "dovecot.conf") })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("dovecot did not start");
        var server = new DovecotServer(process, directory, port);
        for (var attempt = 0; attempt < 100; attempt++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port);
                return server;
            }
            catch (SocketException) when (!process.HasExited)
            {
                await Task.Delay(100);
            }
            catch (SocketException)
            {
                break;
            }
        }

        var log = File.Exists(Path.Combine(directory, "dovecot.log")) ? await File.ReadAllTextAsync(Path.Combine(directory, "dovecot.log")) : "";
        await server.DisposeAsync();
        throw new InvalidOperationException($"Dovecot did not listen on {port}: {log}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
