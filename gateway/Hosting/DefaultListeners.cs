namespace MailCloud.Gateway.Hosting;

/// <summary>The listener sets the gateway uses when configuration names none.</summary>
public static class DefaultListeners
{
    /// <summary>The container in Azure: well-known ports on every interface.</summary>
    public static IReadOnlyList<ListenerOptions> Cloud { get; } = Build("0.0.0.0", 25, 587, 465, 143, 993, 110, 995);

    /// <summary>Local mode: loopback only, unprivileged ports.</summary>
    public static IReadOnlyList<ListenerOptions> Dev { get; } = Build("127.0.0.1", 2525, 2587, 2465, 2143, 2993, 2110, 2995);

    /// <summary>A fresh, mutable copy of a set (options are mutable; the defaults must not be).</summary>
    public static List<ListenerOptions> Copy(IReadOnlyList<ListenerOptions> set) =>
        [.. set.Select(l => new ListenerOptions
        {
            Name = l.Name,
            Protocol = l.Protocol,
            SmtpRole = l.SmtpRole,
            Address = l.Address,
            Port = l.Port,
            Tls = l.Tls,
            MaxConnections = l.MaxConnections,
            MaxConnectionsPerClient = l.MaxConnectionsPerClient,
            IdleTimeout = l.IdleTimeout,
            SessionTimeout = l.SessionTimeout,
            TlsHandshakeTimeout = l.TlsHandshakeTimeout,
        })];

    private static IReadOnlyList<ListenerOptions> Build(string address, int mx, int submission, int submissions, int imap, int imaps, int pop3, int pop3s) =>
    [
        new() { Name = ListenerNames.Mx, Protocol = MailProtocol.Smtp, SmtpRole = SmtpRole.Mx, Address = address, Port = mx },
        new() { Name = ListenerNames.Submission, Protocol = MailProtocol.Smtp, SmtpRole = SmtpRole.Submission, Address = address, Port = submission },
        new() { Name = ListenerNames.Submissions, Protocol = MailProtocol.Smtp, SmtpRole = SmtpRole.Submission, Address = address, Port = submissions, Tls = TlsMode.Implicit },
        new() { Name = ListenerNames.Imap, Protocol = MailProtocol.Imap, Address = address, Port = imap, IdleTimeout = TimeSpan.FromMinutes(30) },
        new() { Name = ListenerNames.Imaps, Protocol = MailProtocol.Imap, Address = address, Port = imaps, Tls = TlsMode.Implicit, IdleTimeout = TimeSpan.FromMinutes(30) },
        new() { Name = ListenerNames.Pop3, Protocol = MailProtocol.Pop3, Address = address, Port = pop3, IdleTimeout = TimeSpan.FromMinutes(10) },
        new() { Name = ListenerNames.Pop3s, Protocol = MailProtocol.Pop3, Address = address, Port = pop3s, Tls = TlsMode.Implicit, IdleTimeout = TimeSpan.FromMinutes(10) },
    ];
}

/// <summary>The names of the default listeners, as used in configuration and logs.</summary>
public static class ListenerNames
{
    public const string Mx = "mx";
    public const string Submission = "submission";
    public const string Submissions = "submissions";
    public const string Imap = "imap";
    public const string Imaps = "imaps";
    public const string Pop3 = "pop3";
    public const string Pop3s = "pop3s";

    /// <summary>The HTTP health endpoint, in <see cref="BoundListeners"/>.</summary>
    public const string Health = "health";
}
