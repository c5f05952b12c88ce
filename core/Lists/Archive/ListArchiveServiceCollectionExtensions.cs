using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace MailCloud.Core.Lists.Archive;

public static class ListArchiveServiceCollectionExtensions
{
    /// <summary>Registers the archive's limits and its delivery (which needs the pipeline's <c>MailboxFiler</c>).</summary>
    public static IServiceCollection AddListArchive(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ListArchiveOptions>()
            .Bind(configuration.GetSection(ListArchiveOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton<ListArchiveDelivery>();
        return services;
    }
}
