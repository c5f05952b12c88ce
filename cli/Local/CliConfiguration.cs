using Microsoft.Extensions.Configuration;

namespace MailCloud.Cli.Local;

/// <summary>Configuration for every command: appsettings.json beside the executable, then MAILCLOUD_-less environment variables (Storage__ConnectionString, ...).</summary>
public static class CliConfiguration
{
    public static IConfigurationRoot Build() =>
        new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .Build();
}
