using System.Buffers;
using System.Text;
using MailCloud.Gateway.Imap.Protocol;

namespace MailCloud.Gateway.Tests.Imap.Protocol;

public class MessageStructureTests
{
    private static async Task<string> RenderAsync(Action<ImapResponseWriter, MessageStructure> render, bool utf8 = false)
    {
        await using var structure = await MessageStructure.LoadAsync(TestMessages.Stream(TestMessages.Multipart), new MemoryStream(), CancellationToken.None);
        var output = new ArrayBufferWriter<byte>();
        render(new ImapResponseWriter(output) { Utf8Enabled = utf8 }, structure);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    [Fact]
    public async Task Bodystructure_gives_types_sizes_lines_and_dispositions()
    {
        // Sizes and line counts as Dovecot 2.3 answers for the same message (it writes
        // encodings in the message's case; they are case-insensitive).
        var text = await RenderAsync((w, s) => BodyStructureWriter.Write(w, s, extended: true));
        Assert.Equal(
            "(((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"QUOTED-PRINTABLE\" 48 1 NIL NIL NIL NIL)" +
            "(\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"7BIT\" 14 0 NIL NIL NIL NIL)" +
            " \"alternative\" (\"boundary\" \"inner\") NIL NIL NIL)" +
            "(\"application\" \"pdf\" (\"name\" \"report.pdf\") NIL NIL \"BASE64\" 28 NIL (\"attachment\" (\"filename\" \"report.pdf\")) NIL NIL)" +
            " \"mixed\" (\"boundary\" \"outer\") NIL NIL NIL)",
            text);
    }

    [Fact]
    public async Task Body_is_bodystructure_without_extension_data()
    {
        var text = await RenderAsync((w, s) => BodyStructureWriter.Write(w, s, extended: false));
        Assert.Equal(
            "(((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"QUOTED-PRINTABLE\" 48 1)" +
            "(\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"7BIT\" 14 0) \"alternative\")" +
            "(\"application\" \"pdf\" (\"name\" \"report.pdf\") NIL NIL \"BASE64\" 28) \"mixed\")",
            text);
    }

    [Fact]
    public async Task Envelope_keeps_encoded_words_and_expands_groups()
    {
        // Display names are re-encoded from their decoded form ("Renée Müller"); the subject is as received.
        var text = await RenderAsync((w, s) => EnvelopeWriter.Write(w, s.Message));
        Assert.Equal(
            "(\"Tue, 10 Mar 2026 09:15:00 +0100\" \"=?UTF-8?B?UHLDvGZ1bmcgZMOpasOgIHZ1?=\" " +
            "((\"=?utf-8?b?UmVuw6llIE3DvGxsZXI=?=\" NIL \"renee\" \"example.org\")) " +
            "((\"=?utf-8?b?UmVuw6llIE3DvGxsZXI=?=\" NIL \"renee\" \"example.org\")) " +
            "((\"=?utf-8?b?UmVuw6llIE3DvGxsZXI=?=\" NIL \"renee\" \"example.org\")) " +
            "((\"Bob\" NIL \"bob\" \"example.com\")(NIL NIL \"team\" NIL)(NIL NIL \"ann\" \"example.com\")(NIL NIL \"carl\" \"example.com\")(NIL NIL NIL NIL)) " +
            "NIL NIL NIL \"<m1@example.org>\")",
            text);
    }

    [Fact]
    public async Task Utf8_clients_get_names_unencoded()
    {
        var text = await RenderAsync((w, s) => EnvelopeWriter.Write(w, s.Message), utf8: true);
        Assert.Contains("((\"Renée Müller\" NIL \"renee\" \"example.org\"))", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { 1, 1 }, "Gr=C3=BC=C3=9Fe aus M=C3=BCnchen.\r\nZweite Zeile.")]
    [InlineData(new[] { 1, 2 }, "<p>Gruesse</p>")]
    [InlineData(new[] { 2 }, "JVBERi0xLjQKJcOkw7zDtsOfCg==")]
    public async Task Part_offsets_delimit_the_part_bodies(int[] path, string body)
    {
        await using var structure = await MessageStructure.LoadAsync(TestMessages.Stream(TestMessages.Multipart), new MemoryStream(), CancellationToken.None);
        var part = structure.FindPart(path);
        Assert.NotNull(part);
        var offsets = structure.OffsetsOf(part);
        Assert.Equal(body, Encoding.UTF8.GetString(structure.ReadRange(offsets.HeadersEnd, offsets.BodyLength)));
    }

    [Fact]
    public async Task Unknown_parts_are_not_found()
    {
        await using var structure = await MessageStructure.LoadAsync(TestMessages.Stream(TestMessages.Multipart), new MemoryStream(), CancellationToken.None);
        Assert.Null(structure.FindPart([3]));
        Assert.Null(structure.FindPart([2, 1]));
        Assert.Null(structure.FindPart([1, 1, 1]));
    }

    private static async Task<string> BodyStructureOfAsync(string message)
    {
        await using var structure = await MessageStructure.LoadAsync(TestMessages.Stream(message), new MemoryStream(), CancellationToken.None);
        var output = new ArrayBufferWriter<byte>();
        BodyStructureWriter.Write(new ImapResponseWriter(output), structure, extended: true);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    [Fact]
    public async Task Parts_up_to_the_limit_are_listed()
    {
        var text = await BodyStructureOfAsync(TestMessages.ManyParts(MimeLimits.MaxParts - 2, depth: 0));
        Assert.Equal(MimeLimits.MaxParts - 2, CountOccurrences(text, "(\"text\" \"plain\""));
    }

    [Fact]
    public async Task A_message_with_too_many_parts_is_shown_as_one_opaque_part()
    {
        // 20,000 parts in about 200 kB: unbounded, BODYSTRUCTURE would be 1.5 MB and every FETCH would build 20,000 entities.
        var message = TestMessages.ManyParts(20_000, depth: 0);
        var text = await BodyStructureOfAsync(message);
        Assert.StartsWith("(\"application\" \"octet-stream\" NIL NIL NIL \"7BIT\" ", text, StringComparison.Ordinal);
        Assert.True(text.Length < 100, text);
    }

    [Fact]
    public async Task Multiparts_nested_past_the_depth_limit_become_opaque_parts()
    {
        var text = await BodyStructureOfAsync(TestMessages.ManyParts(2, depth: MimeLimits.MaxDepth + 20));
        Assert.Contains("(\"application\" \"octet-stream\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\"text\" \"plain\"", text, StringComparison.Ordinal);
        Assert.True(CountOccurrences(text, " \"mixed\" (\"boundary\"") <= MimeLimits.MaxDepth, text[..200]);
    }

    private static int CountOccurrences(string text, string value)
    {
        var count = 0;
        for (var i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + value.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
