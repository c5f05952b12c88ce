using System.Net.Security;

namespace MailCloud.Gateway.Security;

/// <summary>
/// The cipher suites the gateway offers: Mozilla's "intermediate" profile with ECDHE key exchange
/// only. TLS 1.2 gets AEAD suites alone (AES-GCM, ChaCha20-Poly1305), no CBC (Lucky13 and its kin)
/// and no static-RSA key exchange (no forward secrecy); TLS 1.3 keeps all three of its suites
/// (RFC 8446 §9.1). Applied where the platform allows it: on Linux (OpenSSL) a
/// <see cref="CipherSuitesPolicy"/> covers both versions; elsewhere the OS policy decides.
/// </summary>
public static class TlsCipherPolicy
{
    public static IReadOnlyList<TlsCipherSuite> Suites { get; } =
    [
        TlsCipherSuite.TLS_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ];

    public static void Apply(SslServerAuthenticationOptions options)
    {
        if (OperatingSystem.IsLinux())
        {
            options.CipherSuitesPolicy = new CipherSuitesPolicy(Suites);
        }
    }
}
