using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using MailCloud.Core.Addresses;

namespace MailCloud.Core.ClientSetup;

/// <summary>
/// The documents mail clients configure themselves from, built from the options alone (no I/O):
/// Thunderbird autoconfig, Outlook autodiscover (POX), an Apple configuration profile, and the
/// MTA-STS policy senders check our MX against. Every client is offered implicit TLS first
/// (RFC 8314 §3), STARTTLS second, and the full address as the user name.
/// </summary>
public static class ClientSetupDocuments
{
    private static readonly XNamespace AutodiscoverResponse = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006";
    private static readonly XNamespace OutlookResponse = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a";

    /// <summary>Thunderbird's autoconfig format, clientConfig version 1.1 (the "Autoconfiguration" spec Thunderbird and K-9/Thunderbird for Android read).</summary>
    public static string Autoconfig(string domain, ClientSetupOptions options)
    {
        XElement Server(string element, string type, int port, string socketType) =>
            new(element, new XAttribute("type", type),
                new XElement("hostname", options.MailHost),
                new XElement("port", port),
                new XElement("socketType", socketType),
                new XElement("username", "%EMAILADDRESS%"),
                new XElement("authentication", "password-cleartext"));

        var document = new XDocument(
            new XDeclaration("1.0", "UTF-8", null),
            new XElement("clientConfig", new XAttribute("version", "1.1"),
                new XElement("emailProvider", new XAttribute("id", domain),
                    new XElement("domain", domain),
                    new XElement("displayName", domain),
                    new XElement("displayShortName", domain),
                    Server("incomingServer", "imap", options.ImapsPort, "SSL"),
                    Server("incomingServer", "imap", options.ImapPort, "STARTTLS"),
                    Server("incomingServer", "pop3", options.Pop3sPort, "SSL"),
                    Server("incomingServer", "pop3", options.Pop3Port, "STARTTLS"),
                    Server("outgoingServer", "smtp", options.SubmissionsPort, "SSL"),
                    Server("outgoingServer", "smtp", options.SubmissionPort, "STARTTLS"))));
        return Serialize(document);
    }

    /// <summary>
    /// The Outlook autodiscover answer (MS-OXDSCLI, "POX" schema 2006a): IMAP and SMTP over implicit
    /// TLS with the full address as login.
    /// </summary>
    public static string Autodiscover(EmailAddress address, ClientSetupOptions options)
    {
        XElement Protocol(string type, int port) =>
            new(OutlookResponse + "Protocol",
                new XElement(OutlookResponse + "Type", type),
                new XElement(OutlookResponse + "Server", options.MailHost),
                new XElement(OutlookResponse + "Port", port),
                new XElement(OutlookResponse + "LoginName", address.ToString()),
                new XElement(OutlookResponse + "DomainRequired", "off"),
                new XElement(OutlookResponse + "SPA", "off"),
                new XElement(OutlookResponse + "SSL", "on"),
                new XElement(OutlookResponse + "AuthRequired", "on"));

        var document = new XDocument(
            new XDeclaration("1.0", "utf-8", null),
            new XElement(AutodiscoverResponse + "Autodiscover",
                new XElement(OutlookResponse + "Response",
                    new XElement(OutlookResponse + "Account",
                        new XElement(OutlookResponse + "AccountType", "email"),
                        new XElement(OutlookResponse + "Action", "settings"),
                        Protocol("IMAP", options.ImapsPort),
                        Protocol("SMTP", options.SubmissionsPort)))));
        return Serialize(document);
    }

    /// <summary>
    /// An Apple configuration profile (a property list with one com.apple.mail.managed payload) for
    /// one address; its UUIDs derive from the address, so a profile downloaded again replaces the first.
    /// Unsigned: the device shows it as "not verified".
    /// </summary>
    public static string AppleProfile(EmailAddress address, ClientSetupOptions options)
    {
        var account = address.ToString();
        var identifier = string.Join('.', address.Domain.Split('.').Reverse()) + ".mailcloud." + address.LocalPart.ToLowerInvariant();
        var payload = new PlistDictionary
        {
            ["EmailAccountDescription"] = account,
            ["EmailAccountName"] = account,
            ["EmailAccountType"] = "EmailTypeIMAP",
            ["EmailAddress"] = account,
            ["IncomingMailServerAuthentication"] = "EmailAuthPassword",
            ["IncomingMailServerHostName"] = options.MailHost,
            ["IncomingMailServerPortNumber"] = options.ImapsPort,
            ["IncomingMailServerUseSSL"] = true,
            ["IncomingMailServerUsername"] = account,
            ["OutgoingMailServerAuthentication"] = "EmailAuthPassword",
            ["OutgoingMailServerHostName"] = options.MailHost,
            ["OutgoingMailServerPortNumber"] = options.SubmissionsPort,
            ["OutgoingMailServerUseSSL"] = true,
            ["OutgoingMailServerUsername"] = account,
            ["OutgoingPasswordSameAsIncomingPassword"] = true,
            ["PayloadDescription"] = $"Mail account {account}",
            ["PayloadDisplayName"] = account,
            ["PayloadIdentifier"] = identifier + ".email",
            ["PayloadType"] = "com.apple.mail.managed",
            ["PayloadUUID"] = StableUuid(account + "/email"),
            ["PayloadVersion"] = 1,
        };
        var profile = new PlistDictionary
        {
            ["PayloadContent"] = new object[] { payload },
            ["PayloadDescription"] = $"Sets up the mail account {account}.",
            ["PayloadDisplayName"] = $"Mail: {account}",
            ["PayloadIdentifier"] = identifier,
            ["PayloadRemovalDisallowed"] = false,
            ["PayloadType"] = "Configuration",
            ["PayloadUUID"] = StableUuid(account),
            ["PayloadVersion"] = 1,
        };

        var document = new XDocument(
            new XDeclaration("1.0", "UTF-8", null),
            new XDocumentType("plist", "-//Apple//DTD PLIST 1.0//EN", "http://www.apple.com/DTDs/PropertyList-1.0.dtd", null),
            new XElement("plist", new XAttribute("version", "1.0"), PlistValue(profile)));
        return Serialize(document);
    }

    /// <summary>The MTA-STS policy file (RFC 8461 §3.2), lines ended by CRLF.</summary>
    public static string MtaStsPolicy(ClientSetupOptions options) =>
        string.Create(CultureInfo.InvariantCulture, $"version: STSv1\r\nmode: {options.MtaStsMode.ToString().ToLowerInvariant()}\r\nmx: {options.MailHost}\r\nmax_age: {(long)options.MtaStsMaxAge.TotalSeconds}\r\n");

    /// <summary>
    /// The id= of the <c>_mta-sts</c> TXT record (RFC 8461 §3.1: it must change whenever the policy
    /// does): derived from the policy's text, so the record `mailcloud dns` prints matches what is served.
    /// </summary>
    public static string MtaStsPolicyId(ClientSetupOptions options) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(MtaStsPolicy(options))))[..16];

    private static XElement PlistValue(object value) => value switch
    {
        string text => new XElement("string", text),
        int number => new XElement("integer", number),
        bool flag => new XElement(flag ? "true" : "false"),
        PlistDictionary dictionary => new XElement("dict", dictionary.SelectMany(e => new[] { new XElement("key", e.Key), PlistValue(e.Value) })),
        object[] array => new XElement("array", array.Select(PlistValue)),
        _ => throw new ArgumentException($"No property list type for {value.GetType()}.", nameof(value)),
    };

    /// <summary>An RFC 9562 version 8 UUID from a name's SHA-256: stable per name, upper case as Apple writes them.</summary>
    private static string StableUuid(string name)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes(name))[..16];
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true).ToString().ToUpperInvariant();
    }

    private static string Serialize(XDocument document)
    {
        var text = new Utf8StringWriter();
        using (var writer = XmlWriter.Create(text, new XmlWriterSettings { Indent = true, Encoding = Encoding.UTF8 }))
        {
            document.Save(writer);
        }

        return text.ToString();
    }

    /// <summary>Keeps the order keys are added in (a property list's dict is ordered as written).</summary>
    private sealed class PlistDictionary : List<KeyValuePair<string, object>>
    {
        public object this[string key]
        {
            set => Add(new KeyValuePair<string, object>(key, value));
        }
    }

    /// <summary>A StringWriter whose declared encoding is UTF-8, so the XML declaration says so.</summary>
    private sealed class Utf8StringWriter : StringWriter
    {
        public Utf8StringWriter() : base(CultureInfo.InvariantCulture)
        {
        }

        public override Encoding Encoding => Encoding.UTF8;
    }
}
