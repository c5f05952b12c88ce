using System.ComponentModel.DataAnnotations;

namespace MailCloud.Gateway.Hosting;

public enum MailProtocol
{
    Smtp,
    Imap,
    Pop3,
    ManageSieve,
}

public enum TlsMode
{
    /// <summary>Plain text; STARTTLS/STLS offered when a certificate is configured.</summary>
    StartTls,

    /// <summary>TLS from the first byte (465, 993, 995).</summary>
    Implicit,
}

/// <summary>What an SMTP listener is for: MX takes mail for hosted domains; submission takes mail from our users.</summary>
public enum SmtpRole
{
    Mx,
    Submission,
}

public sealed class GatewayOptions
{
    public const string SectionName = "Gateway";

    /// <summary>The name the gateway gives in greetings and Received headers.</summary>
    [Required] public string HostName { get; set; } = "localhost";

    public List<ListenerOptions> Listeners { get; set; } = [];

    public TlsCertificateOptions Tls { get; set; } = new();

    /// <summary>Peers (IP addresses or CIDR ranges) allowed to send a PROXY protocol header.</summary>
    public List<string> TrustedProxies { get; set; } = [];

    /// <summary>HTTP port of /healthz (liveness) and /readyz (readiness); 0 disables it.</summary>
    [Range(0, 65535)] public int HealthPort { get; set; } = 8080;

    /// <summary>Address the health endpoint binds to (the platform's probes must reach it).</summary>
    [Required] public string HealthAddress { get; set; } = "0.0.0.0";

    /// <summary>Allow plaintext passwords without TLS from loopback clients (local development).</summary>
    public bool AllowPlaintextAuthOnLoopback { get; set; } = true;
}

public sealed class ListenerOptions
{
    [Required] public string Name { get; set; } = "";
    public MailProtocol Protocol { get; set; }
    public SmtpRole SmtpRole { get; set; } = SmtpRole.Mx;
    [Required] public string Address { get; set; } = "127.0.0.1";
    [Range(0, 65535)] public int Port { get; set; }
    public TlsMode Tls { get; set; } = TlsMode.StartTls;
    [Range(1, 100_000)] public int MaxConnections { get; set; } = 1000;
    [Range(1, 10_000)] public int MaxConnectionsPerClient { get; set; } = 20;

    /// <summary>Close a connection idle this long (RFC 5321 §4.5.3.2 suggests minutes; IMAP idles 30 minutes).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(5);

    public TimeSpan SessionTimeout { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Close a connection whose TLS handshake (implicit, STARTTLS, STLS) has not finished this long after it began.</summary>
    public TimeSpan TlsHandshakeTimeout { get; set; } = TimeSpan.FromSeconds(15);
}

public sealed class TlsCertificateOptions
{
    /// <summary>A PFX file, or a PEM certificate (with <see cref="KeyPath"/>).</summary>
    public string? CertificatePath { get; set; }

    public string? KeyPath { get; set; }

    public string? Password { get; set; }

    /// <summary>
    /// The name of a certificate in the certificate store (section "Certificates"; the one ACME renews,
    /// <c>Acme:CertificateName</c>). When set, the gateway loads it and reloads it whenever the stored
    /// version changes, without a restart; until one is stored, the file above serves, or else a
    /// self-signed certificate for the host name.
    /// </summary>
    public string? StoredName { get; set; }

    /// <summary>How often the stored certificate's version is checked.</summary>
    public TimeSpan ReloadInterval { get; set; } = TimeSpan.FromMinutes(5);
}
