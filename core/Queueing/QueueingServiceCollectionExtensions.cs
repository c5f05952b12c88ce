using Microsoft.Extensions.DependencyInjection;

namespace MailCloud.Core.Queueing;

public static class QueueingServiceCollectionExtensions
{
    public static IServiceCollection AddQueueTransport(this IServiceCollection services)
    {
        return services;
    }
}
