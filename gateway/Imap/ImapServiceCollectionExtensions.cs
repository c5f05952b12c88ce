using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Imap.Session;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace MailCloud.Gateway.Imap;

public static class ImapServiceCollectionExtensions
{
    /// <summary>
    /// The IMAP session handler, what its sessions share (folder watchers, caches), and its options
    /// (section "Imap", validated at start). Like AddSmtp and AddPop3.
    /// </summary>
    public static IServiceCollection AddImap(this IServiceCollection services)
    {
        services.AddOptions<ImapOptions>()
            .BindConfiguration(ImapOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => o.ChangePollInterval > TimeSpan.Zero, "Imap:ChangePollInterval must be positive.")
            .Validate(
                o => o.IdleKeepaliveInterval > TimeSpan.Zero && o.IdleKeepaliveInterval <= ImapOptions.MaxIdleKeepaliveInterval,
                "Imap:IdleKeepaliveInterval must be positive and at most two minutes.")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<MailboxLocator>();
        services.AddSingleton<FolderWatcherRegistry>();
        services.AddSingleton<MessageHeaderCache>();
        services.AddSingleton<BodyStructureCache>();
        services.AddSingleton<ImapServices>();
        services.AddSingleton<IProtocolSessionHandler, ImapSessionHandler>();
        return services;
    }
}
