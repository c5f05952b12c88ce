using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace MailCloud.Core.Mailboxes;

public static class MailboxServiceCollectionExtensions
{
    public static IServiceCollection AddMailboxStore(this IServiceCollection services, IConfiguration configuration)
    {
        _ = configuration;
        return services;
    }
}
