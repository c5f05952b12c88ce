using MailCloud.Gateway.Imap.Protocol;

namespace MailCloud.Gateway.Tests.Imap.Protocol;

public class FetchRequestTests
{
    [Fact]
    public void Parses_macros()
    {
        var request = FetchRequest.Parse(ProtocolTestInput.Reader("FAST"));
        Assert.Equal(FetchAttributes.Flags | FetchAttributes.InternalDate | FetchAttributes.Rfc822Size, request.Attributes);
    }

    [Fact]
    public void Parses_sections_with_partials_and_header_fields()
    {
        var request = FetchRequest.Parse(ProtocolTestInput.Reader("(UID BODY.PEEK[1.2.HEADER.FIELDS (Subject From)]<0.100> BODY[TEXT] BINARY.PEEK[2] MODSEQ)"));
        Assert.Equal(FetchAttributes.Uid | FetchAttributes.ModSeq, request.Attributes);
        Assert.Equal(3, request.Sections.Count);
        var fields = request.Sections[0];
        Assert.Equal([1, 2], fields.Part);
        Assert.Equal(SectionText.HeaderFields, fields.Text);
        Assert.Equal(["Subject", "From"], fields.Fields);
        Assert.True(fields.Peek);
        Assert.Equal("BODY[1.2.HEADER.FIELDS (SUBJECT FROM)]<0>", fields.ResponseName);
        Assert.True(request.Sections[1].SetsSeen);
        Assert.Equal("BODY[TEXT]", request.Sections[1].ResponseName);
        Assert.Equal(SectionKind.Binary, request.Sections[2].Kind);
        Assert.False(request.Sections[2].SetsSeen);
    }

    [Fact]
    public void Rfc822_aliases_keep_their_names()
    {
        var request = FetchRequest.Parse(ProtocolTestInput.Reader("(RFC822.HEADER RFC822)"));
        Assert.Equal(["RFC822.HEADER", "RFC822"], request.Sections.Select(s => s.ResponseName));
        Assert.False(request.Sections[0].SetsSeen);
        Assert.True(request.Sections[1].SetsSeen);
    }

    [Fact]
    public void Parses_changedsince()
    {
        var request = FetchRequest.Parse(ProtocolTestInput.Reader("(FLAGS) (CHANGEDSINCE 12345)"));
        Assert.Equal(12345UL, request.ChangedSince);
        Assert.True(request.Attributes.HasFlag(FetchAttributes.ModSeq));
    }

    [Theory]
    [InlineData("(FLAGS")]
    [InlineData("(FLAGS BOGUS)")]
    [InlineData("BODY[1.MIMEX]")]
    [InlineData("BODY[MIME]")]
    [InlineData("BODY[]<0.0>")]
    [InlineData("BINARY[1.TEXT]")]
    [InlineData("FLAGS (CHANGEDSINCE x)")]
    public void Rejects_malformed_items(string text) =>
        Assert.Throws<ImapSyntaxException>(() => FetchRequest.Parse(ProtocolTestInput.Reader(text)));
}
