using System.Text;
using MailCloud.Core.Mailboxes;
using MailCloud.Core.Transfer;
using MailCloud.Core.Transfer.Mbox;

namespace MailCloud.Core.Tests.Transfer;

/// <summary>mboxrd as <see cref="MboxCodec"/> writes and reads it: the escaping, the separators, the flag fields.</summary>
public class MboxCodecTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly DateTimeOffset Date = new(2026, 3, 7, 9, 5, 1, TimeSpan.Zero);

    public static TheoryData<string> Messages => new()
    {
        "Subject: plain\r\n\r\nHello\r\n",
        "Subject: from lines\r\n\r\nFrom here on\r\n>From there\r\n>>From everywhere\r\nFrom\r\n",
        "Subject: blank lines at the end\r\n\r\nbody\r\n\r\n\r\n",
        "Subject: header only\r\n",
        "Subject: no body\r\n\r\n",
        "Subject: keeps a bare LF\nsomewhere\r\n\r\n\r\nFrom the start of a paragraph\r\n",
    };

    [Theory]
    [MemberData(nameof(Messages))]
    public async Task A_message_reads_back_byte_for_byte(string message)
    {
        var flags = new MessageFlags(SystemFlags.Seen | SystemFlags.Flagged | SystemFlags.Answered, new HashSet<string>(["$Label1", "Work"], StringComparer.OrdinalIgnoreCase));
        var mbox = new MemoryStream();
        await MboxCodec.WriteAsync(mbox, flags, Date, new MemoryStream(Encoding.ASCII.GetBytes(message)), None);
        await MboxCodec.WriteAsync(mbox, MessageFlags.Empty, Date.AddDays(1), new MemoryStream(Encoding.ASCII.GetBytes(message)), None);
        mbox.Position = 0;

        var read = await ReadAllAsync(mbox);

        Assert.Equal(2, read.Count);
        var expected = message.Replace("keeps a bare LF\nsomewhere", "keeps a bare LF\r\nsomewhere", StringComparison.Ordinal);
        Assert.All(read, m => Assert.Equal(expected, m.Text));
        Assert.Equal(flags.System, read[0].Flags.System);
        Assert.Equal(["$Label1", "Work"], read[0].Flags.Keywords.Order(StringComparer.Ordinal));
        Assert.Equal(SystemFlags.None, read[1].Flags.System);
        Assert.Equal([Date, Date.AddDays(1)], read.Select(m => m.InternalDate));
    }

    [Fact]
    public async Task The_file_is_mboxrd_with_lf_line_ends_and_flag_fields_first()
    {
        var mbox = new MemoryStream();
        var flags = new MessageFlags(SystemFlags.Seen | SystemFlags.Deleted | SystemFlags.Draft, new HashSet<string>(["Work"]));
        await MboxCodec.WriteAsync(mbox, flags, Date, new MemoryStream("Subject: x\r\n\r\nFrom me\r\n>From you\r\nend"u8.ToArray()), None);

        Assert.Equal(
            "From MAILER-DAEMON Sat Mar  7 09:05:01 2026\nStatus: RO\nX-Status: TD\nX-Keywords: Work\nSubject: x\n\n>From me\n>>From you\nend\n\n",
            Encoding.ASCII.GetString(mbox.ToArray()));
    }

    [Fact]
    public async Task A_foreign_mbox_gives_its_flags_and_loses_only_its_metadata_fields()
    {
        // As Dovecot's mbox writes it: LF line ends, UIDs and keywords in the header, a zone in the From line.
        var mbox = """
            From alice@example.test Tue Dec  1 17:36:19 2026 +0000
            X-IMAPbase: 1700000000 3
            Subject: first
            Status: R
            X-Status: A
            X-Keywords: $Forwarded Todo
            X-UID: 1

            one

            From bob@example.test Wed Dec  2 08:00:00 2026
            Subject: second
            Date: Mon, 30 Nov 2026 10:00:00 +0100

            two
            """.Replace("\r\n", "\n", StringComparison.Ordinal);

        var read = await ReadAllAsync(new MemoryStream(Encoding.ASCII.GetBytes(mbox)));

        Assert.Equal(["Subject: first\r\n\r\none\r\n", "Subject: second\r\nDate: Mon, 30 Nov 2026 10:00:00 +0100\r\n\r\ntwo\r\n"], read.Select(m => m.Text));
        Assert.Equal(SystemFlags.Seen | SystemFlags.Answered, read[0].Flags.System);
        Assert.Equal(["$Forwarded", "Todo"], read[0].Flags.Keywords.Order(StringComparer.Ordinal));
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 17, 36, 19, TimeSpan.Zero), read[0].InternalDate);
        Assert.Equal(SystemFlags.None, read[1].Flags.System);
        Assert.Equal(new DateTimeOffset(2026, 12, 2, 8, 0, 0, TimeSpan.Zero), read[1].InternalDate);
    }

    [Fact]
    public async Task A_From_line_without_a_date_takes_the_Date_field()
    {
        var read = await ReadAllAsync(new MemoryStream("From someone\nDate: Mon, 30 Nov 2026 10:00:00 +0100\n\nx\n"u8.ToArray()));

        Assert.Equal(new DateTimeOffset(2026, 11, 30, 10, 0, 0, TimeSpan.FromHours(1)), read.Single().InternalDate);
    }

    [Fact]
    public async Task A_file_that_is_not_an_mbox_is_refused_and_an_empty_one_is_empty()
    {
        await Assert.ThrowsAsync<ArchiveException>(() => ReadAllAsync(new MemoryStream("Subject: not an mbox\r\n\r\nx\r\n"u8.ToArray())));
        Assert.Empty(await ReadAllAsync(new MemoryStream("\n\n"u8.ToArray())));
    }

    private static async Task<List<(string Text, MessageFlags Flags, DateTimeOffset InternalDate)>> ReadAllAsync(Stream mbox)
    {
        var read = new List<(string, MessageFlags, DateTimeOffset)>();
        await foreach (var (flags, internalDate, content) in MboxCodec.ReadAsync(mbox, None))
        {
            read.Add((Encoding.ASCII.GetString(content.ToArray()), flags, internalDate));
        }

        return read;
    }
}
