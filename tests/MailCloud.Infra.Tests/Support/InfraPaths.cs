using MailCloud.Testing;

namespace MailCloud.Infra.Tests.Support;

public static class InfraPaths
{
    public static string RepositoryRoot => TestEnvironment.RepositoryRoot;

    public static string MainBicep => Path.Combine(RepositoryRoot, "infra", "main.bicep");

    public static string GatewayDockerfile => Path.Combine(RepositoryRoot, "gateway", "Dockerfile");

    public static string InRepository(params string[] parts) => Path.Combine([RepositoryRoot, .. parts]);
}
