namespace MailCloud.Gateway.Imap.Protocol;

/// <summary>
/// A parsed THREAD (RFC 5256 §3): "THREAD" SP algorithm SP charset 1*(SP search-key). Only
/// ORDEREDSUBJECT is offered: REFERENCES needs the References and In-Reply-To fields, which the
/// index does not keep, and THREAD answers from the index alone.
/// </summary>
public sealed record ThreadRequest(SearchKey Key)
{
    public static ThreadRequest Parse(ImapCommandReader reader)
    {
        var algorithm = reader.ReadAtom().ToUpperInvariant();
        if (algorithm != "ORDEREDSUBJECT")
        {
            throw new ImapSyntaxException($"Unknown thread algorithm {algorithm}");
        }

        reader.ExpectSpace();
        SearchRequest.CheckCharset(reader.ReadAString());
        reader.ExpectSpace();
        return new ThreadRequest(SearchRequest.ReadKeys(reader));
    }
}
