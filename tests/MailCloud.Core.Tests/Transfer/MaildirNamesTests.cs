using MailCloud.Core.Mailboxes;
using MailCloud.Core.Transfer;
using MailCloud.Core.Transfer.Maildir;

namespace MailCloud.Core.Tests.Transfer;

/// <summary>Maildir++ names as Dovecot writes them by default: folder directories, info letters, the keywords file.</summary>
public class MaildirNamesTests
{
    [Theory]
    [InlineData("INBOX", "")]
    [InlineData("Sent", ".Sent")]
    [InlineData("Archive/2024", ".Archive.2024")]
    [InlineData("Café", ".Caf&AOk-")]
    [InlineData("v1.2/notes", ".v1&AC4-2.notes")]
    [InlineData("R&D", ".R&-D")]
    public void A_folder_has_a_directory_that_names_it_again(string folder, string directory)
    {
        Assert.Equal(directory, MaildirNames.FolderDirectory(folder));
        if (directory.Length > 0)
        {
            Assert.Equal(folder, MaildirNames.FolderOf(directory));
        }
    }

    [Theory]
    [InlineData("cur")]
    [InlineData("..")]
    [InlineData(".")]
    public void Other_directories_are_no_folders(string directory) => Assert.Null(MaildirNames.FolderOf(directory));

    [Fact]
    public void A_broken_folder_name_is_an_archive_error() => Assert.Throws<ArchiveException>(() => MaildirNames.FolderOf(".Bad&AOk"));

    [Fact]
    public void Flags_are_info_letters_in_ascii_order_and_keywords_letters_of_the_keywords_file()
    {
        var keywords = new MaildirKeywords();
        var flags = new MessageFlags(SystemFlags.Seen | SystemFlags.Answered | SystemFlags.Draft | SystemFlags.Flagged | SystemFlags.Deleted, new HashSet<string>(["$Forwarded", "Work", "$Label1"]));

        var name = MaildirNames.MessageFile("1700000000.M1P2.mailcloud", 1234, flags, keywords);

        Assert.Equal("1700000000.M1P2.mailcloud,S=1234:2,DFPRSTab", name);
        Assert.Equal("0 $Label1\n1 Work\n", keywords.Format());
        Assert.True(keywords.TakeChanges());
        Assert.False(keywords.TakeChanges());
        var read = MaildirNames.FlagsOf(name, MaildirKeywords.Parse(keywords.Format()));
        Assert.Equal(flags.System, read.System);
        Assert.Equal(["$Forwarded", "$Label1", "Work"], read.Keywords.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_name_without_info_or_with_unknown_letters_reads_what_it_can()
    {
        var keywords = MaildirKeywords.Parse("0 Todo\n3 Later\nnot a line\n");

        Assert.Equal(MessageFlags.Empty.System, MaildirNames.FlagsOf("1700000000.M1P2.host", keywords).System);
        var read = MaildirNames.FlagsOf("1700000000.M1P2.host:2,Sabdz", keywords);
        Assert.Equal(SystemFlags.Seen, read.System);
        Assert.Equal(["Later", "Todo"], read.Keywords.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Only_26_keywords_get_letters()
    {
        var keywords = new MaildirKeywords();
        var letters = Enumerable.Range(0, 27).Select(i => keywords.LetterOf($"k{i}")).ToList();

        Assert.Equal('a', letters[0]);
        Assert.Equal('z', letters[25]);
        Assert.Null(letters[26]);
    }

    [Fact]
    public void The_uidlist_gives_the_order_in_version_3_and_version_1()
    {
        var written = MaildirNames.UidList(1700000000, ["1700000005.M1P2.mailcloud", "1600000000.M2P2.mailcloud"]);

        Assert.Equal("3 V1700000000 N3\n1 :1700000005.M1P2.mailcloud\n2 :1600000000.M2P2.mailcloud\n", written);
        Assert.Equal(2u, MaildirNames.ParseUidList(written)["1600000000.M2P2.mailcloud"]);
        var dovecot = MaildirNames.ParseUidList("3 V1 N9 G0123\n7 W1234 S1200 :1.M1.host\n8 :2.M2.host\n");
        Assert.Equal([7u, 8u], new[] { dovecot["1.M1.host"], dovecot["2.M2.host"] });
        Assert.Equal(4u, MaildirNames.ParseUidList("1 1 5\n4 1.M1.host\n")["1.M1.host"]);
        Assert.Equal("1.M1.host", MaildirNames.BaseName("1.M1.host:2,S"));
    }
}
