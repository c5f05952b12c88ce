using System.Diagnostics;
using System.Text.RegularExpressions;
using MailCloud.Infra.Tests.Support;

namespace MailCloud.Infra.Tests;

/// <summary>
/// The posix azd hooks run for real, with stand-ins for az, azd and git on PATH that record their arguments
/// (neither CLI is installable here). What is checked is the scripts' own logic: what they call, in which
/// order, with which values, and that a failing step stops them.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed partial class HookScriptTests : IDisposable
{
    private readonly string _bin = Directory.CreateTempSubdirectory("mailcloud-hooks-").FullName;

    public HookScriptTests()
    {
        // Each stand-in logs "name args..." and answers what the hook reads from it.
        foreach (var tool in new[] { "az", "azd", "git" })
        {
            var path = Path.Combine(_bin, tool);
            File.WriteAllText(path, $$"""
                #!/bin/sh
                echo "{{tool}} $*" >> "$HOOK_LOG"
                case "{{tool}} $1 $2" in
                  "az group exists") echo "$FAKE_GROUP_EXISTS" ;;
                  "az acr build") exit "${FAKE_BUILD_EXIT:-0}" ;;
                  "git rev-parse --short") echo abc1234 ;;
                esac
                """);
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    public void Dispose() => Directory.Delete(_bin, recursive: true);

    [Theory]
    [InlineData("false", true)]
    [InlineData("true", false)]
    public async Task KeyVaultSuffix_IsNewOnlyForAMissingResourceGroup(string groupExists, bool expectsNewSuffix)
    {
        var (exitCode, calls) = await RunAsync("new-key-vault-suffix.sh", new() { ["AZURE_ENV_NAME"] = "prod", ["FAKE_GROUP_EXISTS"] = groupExists });

        Assert.Equal(0, exitCode);
        Assert.Equal("az group exists --name rg-prod", calls[0]);
        if (expectsNewSuffix)
        {
            Assert.Matches(@"^azd env set KEY_VAULT_SUFFIX [0-9a-f]{6}$", Assert.Single(calls[1..]));
        }
        else
        {
            Assert.Single(calls);
        }
    }

    [Fact]
    public async Task GatewayDeploy_BuildsInTheRegistry_RecordsTheImage_ThenProvisions()
    {
        var (exitCode, calls) = await RunAsync("deploy-gateway.sh", Registry());

        Assert.Equal(0, exitCode);
        var build = Assert.Single(calls, c => c.StartsWith("az ", StringComparison.Ordinal));
        var tag = BuildCommand().Match(build);
        Assert.True(tag.Success, build);
        Assert.EndsWith("-abc1234", tag.Groups["tag"].Value, StringComparison.Ordinal);
        Assert.Equal(
            [build, $"azd env set GATEWAY_IMAGE crmailcloud.azurecr.io/mailcloud-gateway:{tag.Groups["tag"].Value}", "azd provision --no-prompt"],
            calls.Where(c => !c.StartsWith("git ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task GatewayDeploy_StopsWhenTheBuildFails()
    {
        var (exitCode, calls) = await RunAsync("deploy-gateway.sh", new(Registry()) { ["FAKE_BUILD_EXIT"] = "3" });

        Assert.NotEqual(0, exitCode);
        Assert.DoesNotContain(calls, c => c.StartsWith("azd ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task GatewayDeploy_RefusesToRunBeforeTheRegistryExists()
    {
        var (exitCode, calls) = await RunAsync("deploy-gateway.sh", []);

        Assert.NotEqual(0, exitCode);
        Assert.Empty(calls);
    }

    private static Dictionary<string, string> Registry() => new()
    {
        ["AZURE_CONTAINER_REGISTRY_NAME"] = "crmailcloud",
        ["AZURE_CONTAINER_REGISTRY_ENDPOINT"] = "crmailcloud.azurecr.io",
    };

    private async Task<(int ExitCode, string[] Calls)> RunAsync(string hook, Dictionary<string, string> environment)
    {
        var log = Path.Combine(_bin, $"{Guid.NewGuid():N}.log");
        var start = new ProcessStartInfo("sh") { WorkingDirectory = InfraPaths.RepositoryRoot, RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add(InfraPaths.InRepository("infra", "hooks", hook));
        start.Environment["PATH"] = $"{_bin}:/usr/bin:/bin";
        start.Environment["HOOK_LOG"] = log;
        foreach (var name in new[] { "AZURE_ENV_NAME", "AZURE_CONTAINER_REGISTRY_NAME", "AZURE_CONTAINER_REGISTRY_ENDPOINT" })
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);
        await Task.WhenAll(output, error);
        return (process.ExitCode, File.Exists(log) ? await File.ReadAllLinesAsync(log) : []);
    }

    [GeneratedRegex(@"^az acr build --registry crmailcloud --image mailcloud-gateway:(?<tag>[0-9]{14}-[0-9a-f]+) --file gateway/Dockerfile \.$")]
    private static partial Regex BuildCommand();
}
