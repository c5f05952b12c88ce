using MailCloud.Testing;

namespace MailCloud.Testing;

/// <summary>xunit needs collection definitions in the test assembly itself; tests/Directory.Build.props links this file into each.</summary>
[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}
