using System.Text.RegularExpressions;
using MailCloud.Core.Authentication.Dmarc;

namespace MailCloud.Core.Tests.Authentication.Dmarc;

/// <summary>
/// The PSL's own test cases (psl-tests.txt beside this file: Debian publicsuffix's test_psl.txt,
/// CC0) against the embedded list. Cases with non-ASCII input are left out: DMARC sees A-labels.
/// </summary>
public sealed partial class PublicSuffixListTests
{
    private static readonly Lazy<PublicSuffixList> List = new(PublicSuffixList.LoadEmbedded);

    public static TheoryData<string, string?> Cases()
    {
        var data = new TheoryData<string, string?>();
        foreach (Match match in CheckPattern().Matches(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Authentication", "Dmarc", "psl-tests.txt"))))
        {
            var input = match.Groups["input"].Value;
            if (input.Length > 0 && input.All(char.IsAscii))
            {
                data.Add(input, match.Groups["expected"].Success ? match.Groups["expected"].Value : null);
            }
        }

        return data;
    }

    [Fact]
    public void The_embedded_list_is_the_whole_list()
    {
        Assert.True(List.Value.RuleCount > 9000, $"only {List.Value.RuleCount} rules");
        Assert.True(Cases().Count() > 60);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Registrable_domain(string input, string? expected)
    {
        Assert.Equal(expected, List.Value.RegistrableDomain(input));
    }

    [Theory]
    [InlineData("mail.sender.test", "sender.test")]
    [InlineData("a.b.sender.co.uk", "sender.co.uk")]
    [InlineData("co.uk", "co.uk")]
    [InlineData("Sender.EXAMPLE.com.", "example.com")]
    public void Organizational_domain(string domain, string expected)
    {
        Assert.Equal(expected, List.Value.OrganizationalDomain(domain));
    }

    [GeneratedRegex(@"^checkPublicSuffix\('(?<input>[^']*)', (?:'(?<expected>[^']*)'|null)\);", RegexOptions.Multiline)]
    private static partial Regex CheckPattern();
}
