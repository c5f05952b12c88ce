using MimeKit;

namespace MailCloud.Gateway.Smtp.Acceptance;

/// <summary>The addresses a message claims as its author (RFC 5322 §3.6.2: From and Sender), read from its header section.</summary>
public static class AuthorAddresses
{
    /// <summary>False when a From or Sender field is there but cannot be read as addresses.</summary>
    public static bool TryRead(ReadOnlyMemory<byte> headerSection, out IReadOnlyList<string> addresses)
    {
        var found = new List<string>();
        addresses = found;
        HeaderList headers;
        try
        {
            using var stream = new MemoryStream(headerSection.ToArray(), writable: false);
            headers = HeaderList.Load(stream);
        }
        catch (FormatException)
        {
            return false;
        }

        foreach (var field in headers.Where(h => h.Id is HeaderId.From or HeaderId.Sender))
        {
            if (!InternetAddressList.TryParse(field.Value, out var list) || list.Mailboxes.Count() == 0)
            {
                return false;
            }

            found.AddRange(list.Mailboxes.Select(m => m.Address));
        }

        return true;
    }
}
