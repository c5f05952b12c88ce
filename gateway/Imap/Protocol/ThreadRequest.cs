namespace MailCloud.Gateway.Imap.Protocol;

/// <summary>The thread algorithms offered (RFC 5256 §3): both answer from the index rows alone.</summary>
public enum ThreadAlgorithm
{
    OrderedSubject,
    References,
}

/// <summary>A parsed THREAD (RFC 5256 §3): "THREAD" SP algorithm SP charset 1*(SP search-key).</summary>
public sealed record ThreadRequest(ThreadAlgorithm Algorithm, SearchKey Key)
{
    public static ThreadRequest Parse(ImapCommandReader reader)
    {
        var name = reader.ReadAtom().ToUpperInvariant();
        var algorithm = name switch
        {
            "ORDEREDSUBJECT" => ThreadAlgorithm.OrderedSubject,
            "REFERENCES" => ThreadAlgorithm.References,
            _ => throw new ImapSyntaxException($"Unknown thread algorithm {name}"),
        };

        reader.ExpectSpace();
        SearchRequest.CheckCharset(reader.ReadAString());
        reader.ExpectSpace();
        return new ThreadRequest(algorithm, SearchRequest.ReadKeys(reader));
    }
}
