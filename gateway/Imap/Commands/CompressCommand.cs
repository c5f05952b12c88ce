using MailCloud.Gateway.Imap.Session;

namespace MailCloud.Gateway.Imap.Commands;

/// <summary>COMPRESS DEFLATE (RFC 4978): from the tagged OK on, both directions are raw DEFLATE.</summary>
internal static class CompressCommand
{
    // RFC 4978 §3
    public static async Task<ImapCompletion> CompressAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var mechanism = command.Arguments.ReadAtom();
        command.Arguments.ExpectEnd();
        if (!mechanism.Equals("DEFLATE", StringComparison.OrdinalIgnoreCase))
        {
            return ImapCompletion.Bad($"Unknown compression mechanism {mechanism}");
        }

        if (session.Connection.IsCompressed)
        {
            return ImapCompletion.No("Compression is already active", "COMPRESSIONACTIVE");
        }

        // The OK goes out uncompressed; everything after it, both ways, is compressed.
        session.Writer.Raw(command.Tag).Raw(" OK DEFLATE active").Crlf();
        await session.FlushAsync(cancellationToken).ConfigureAwait(false);
        session.StartCompression();
        return ImapCompletion.AlreadySent;
    }
}
