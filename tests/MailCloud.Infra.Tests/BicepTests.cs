using MailCloud.Infra.Tests.Support;

namespace MailCloud.Infra.Tests;

/// <summary>infra/ compiles and lints clean with the pinned Bicep, offline.</summary>
public sealed class BicepTests
{
    [Fact]
    public async Task MainBicep_Builds_WithoutDiagnostics()
    {
        var result = await BicepCli.RunAsync("build", InfraPaths.MainBicep, "--stdout");

        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.Empty(result.Diagnostics);
        Assert.StartsWith("{", result.StandardOutput.TrimStart(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MainBicep_Lints_WithoutDiagnostics()
    {
        var result = await BicepCli.RunAsync("lint", InfraPaths.MainBicep);

        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.Empty(result.Diagnostics);
    }

    [Fact]
    public async Task Diagnostics_CatchWarningsThatExitZero()
    {
        // The reason the checks above read the output: an unknown property is a warning and bicep still exits 0.
        var file = Path.Combine(Path.GetTempPath(), $"mailcloud-bcp037-{Guid.NewGuid():N}.bicep");
        await File.WriteAllTextAsync(file, """
            resource account 'Microsoft.Storage/storageAccounts@2025-01-01' = {
              name: 'stmailcloudprobe'
              location: 'westeurope'
              kind: 'StorageV2'
              sku: { name: 'Standard_LRS' }
              properties: { mailCloudUnknownProperty: false }
            }
            """);
        try
        {
            var result = await BicepCli.RunAsync("build", file, "--stdout");

            Assert.Equal(0, result.ExitCode);
            Assert.Contains(result.Diagnostics, line => line.Contains("BCP037", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
