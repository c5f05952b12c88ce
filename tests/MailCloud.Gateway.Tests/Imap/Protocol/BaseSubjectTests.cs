using MailCloud.Gateway.Imap.Protocol;

namespace MailCloud.Gateway.Tests.Imap.Protocol;

/// <summary>RFC 5256 §2.1 base subject extraction, step by step.</summary>
public sealed class BaseSubjectTests
{
    [Theory]
    [InlineData("hello", "hello")]
    [InlineData("Re: hello", "hello")]
    [InlineData("RE: re: Fwd: FW: hello", "hello")]
    [InlineData("Re [list]: hello", "hello")]
    [InlineData("[list] Re: hello", "hello")]
    [InlineData("[a][b] Re: apple", "apple")]
    [InlineData("[list] hello", "hello")]
    [InlineData("[only blob]", "[only blob]")]
    [InlineData("hello (fwd)", "hello")]
    [InlineData("hello (fwd) (FWD)  ", "hello")]
    [InlineData("[Fwd: Re: hello]", "hello")]
    [InlineData("[Fwd: [Fwd: hello (fwd)]]", "hello")]
    [InlineData("Re:   spaced\t\tout  ", "spaced out")]
    [InlineData("Reply: not a leader", "Reply: not a leader")]
    [InlineData("Re:", "")]
    [InlineData("", "")]
    [InlineData(null, "")]
    public void Extracts_the_base_subject(string? subject, string expected) =>
        Assert.Equal(expected, BaseSubject.Extract(subject));
}
