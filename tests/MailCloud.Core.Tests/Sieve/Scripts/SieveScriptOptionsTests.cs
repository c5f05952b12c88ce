using MailCloud.Core.Sieve;
using MailCloud.Core.Sieve.Scripts;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MailCloud.Core.Tests.Sieve.Scripts;

/// <summary>The store's limits come from section "Sieve" and are refused at start when out of range.</summary>
public class SieveScriptOptionsTests
{
    [Fact]
    public void Defaults_are_64_KiB_16_scripts_and_128_character_names()
    {
        var options = Resolve([]);
        Assert.Equal(64 * 1024, options.MaxScriptSize);
        Assert.Equal(16, options.MaxScriptsPerAccount);
        Assert.Equal(128, options.MaxNameLength);
    }

    [Theory]
    [InlineData("MaxScriptSize", "0")]
    [InlineData("MaxScriptsPerAccount", "0")]
    [InlineData("MaxNameLength", "64")]
    [InlineData("MaxWriteAttempts", "0")]
    public void Out_of_range_limits_are_refused(string key, string value)
    {
        var refused = Assert.Throws<OptionsValidationException>(() => Resolve(new() { [$"Sieve:{key}"] = value }));
        Assert.Contains(key, refused.Message, StringComparison.Ordinal);
    }

    private static SieveScriptOptions Resolve(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        using var provider = new ServiceCollection().AddSieve(configuration).BuildServiceProvider();
        return provider.GetRequiredService<IOptions<SieveScriptOptions>>().Value;
    }
}
