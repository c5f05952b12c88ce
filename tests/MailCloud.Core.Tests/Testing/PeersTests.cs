using MailCloud.Testing;

namespace MailCloud.Core.Tests.Testing;

/// <summary>
/// The helper that gets the tests' peers (issue 14, defect 10): its package table, its decisions, and
/// one real lookup. The install itself is not run here: it would change the machine.
/// </summary>
public sealed class PeersTests : IDisposable
{
    private readonly string _directory = System.IO.Directory.CreateTempSubdirectory("mailcloud-peers-").FullName;

    public void Dispose() => System.IO.Directory.Delete(_directory, recursive: true);

    [Fact]
    public void The_table_names_the_debian_package_of_every_peer_the_tests_use()
    {
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["swaks"] = "swaks",
                ["dnsmasq"] = "dnsmasq-base",
                ["smtp-source"] = "postfix",
                ["openssl"] = "openssl",
                ["python3"] = "python3",
                ["opendkim-genkey"] = "opendkim-tools",
                ["opendkim-testmsg"] = "opendkim-tools",
                ["mbsync"] = "isync",
                ["pebble"] = "pebble",
                ["dovecot"] = "dovecot-imapd",
                ["sieve-test"] = "dovecot-sieve",
                ["sieve-connect"] = "sieve-connect",
                ["postfix"] = "postfix",
            },
            Peers.Packages);
    }

    [Fact]
    public void The_ci_install_script_reads_the_same_table()
    {
        var script = File.ReadAllText(Path.Combine(TestEnvironment.RepositoryRoot, ".ci", "install-peers.sh"));
        Assert.Contains("tests/MailCloud.Testing/peers.txt", script, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(TestEnvironment.RepositoryRoot, "tests", "MailCloud.Testing", "peers.txt")));
    }

    [Fact]
    public void The_table_format_skips_comments_and_refuses_malformed_lines()
    {
        var table = Peers.ParseTable(new StringReader("# comment\n\n  swaks   swaks  \ndnsmasq\tdnsmasq-base\n"));
        Assert.Equal(new Dictionary<string, string> { ["swaks"] = "swaks", ["dnsmasq"] = "dnsmasq-base" }, table);
        Assert.Throws<FormatException>(() => Peers.ParseTable(new StringReader("swaks\n")));
        Assert.Throws<FormatException>(() => Peers.ParseTable(new StringReader("swaks swaks extra\n")));
    }

    [Fact]
    public void A_found_peer_is_used_a_missing_one_installed_as_root_on_debian_and_otherwise_the_message_names_the_package()
    {
        Assert.Equal(new PeerPlan("/usr/bin/swaks", null, null), Peers.Plan("swaks", "/usr/bin/swaks", isRoot: false, isDebian: false));
        Assert.Equal(new PeerPlan(null, "dnsmasq-base", null), Peers.Plan("dnsmasq", null, isRoot: true, isDebian: true));

        foreach (var (isRoot, isDebian) in new[] { (false, true), (true, false), (false, false) })
        {
            var refused = Peers.Plan("dnsmasq", null, isRoot, isDebian);
            Assert.Null(refused.Path);
            Assert.Null(refused.PackageToInstall);
            Assert.Contains("'dnsmasq'", refused.Failure, StringComparison.Ordinal);
            Assert.Contains("apt-get install dnsmasq-base", refused.Failure, StringComparison.Ordinal);
        }

        Assert.Throws<ArgumentException>(() => Peers.Plan("no-such-peer", null, isRoot: true, isDebian: true));
    }

    [Theory]
    [InlineData("E: Unable to locate package swaks", true)]
    [InlineData("Package dnsmasq-base is not available, but is referred to by another package.\nE: Package 'dnsmasq-base' has no installation candidate", true)]
    [InlineData("E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 42 (apt-get)", false)]
    [InlineData("", false)]
    public void Apt_get_update_is_run_only_for_missing_package_lists(string output, bool needsUpdate) =>
        Assert.Equal(needsUpdate, Peers.NeedsPackageLists(output));

    [Fact]
    public void Find_looks_on_the_search_path_for_an_executable_file()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // the tests' peers are Debian packages
        }

        var tool = Path.Combine(_directory, "mailcloud-fake-peer");
        File.WriteAllText(tool, "#!/bin/sh\n");
        Assert.Null(Peers.Find("mailcloud-fake-peer", _directory));
        File.SetUnixFileMode(tool, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Assert.Equal(tool, Peers.Find("mailcloud-fake-peer", _directory));
        Assert.Null(Peers.Find("mailcloud-fake-peer", "/nonexistent"));
    }

    [Fact]
    public async Task A_real_peer_is_found_and_runs()
    {
        var openssl = await Peers.RequireAsync("openssl");
        Assert.True(Path.IsPathFullyQualified(openssl));
        var (exitCode, output) = await Peers.RunAsync("openssl", ["version"]);
        Assert.True(exitCode == 0, output);
        Assert.StartsWith("OpenSSL", output, StringComparison.Ordinal);
    }
}
