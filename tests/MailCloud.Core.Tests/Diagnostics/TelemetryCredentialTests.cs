using Azure.Identity;
using MailCloud.Core.Diagnostics;

namespace MailCloud.Core.Tests.Diagnostics;

/// <summary>Application Insights with local auth disabled takes Entra tokens only: the exporter must get a credential.</summary>
public sealed class TelemetryCredentialTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("ClientId=3f1c0c9e-0000-0000-0000-000000000001")]
    [InlineData("Authorization=Key")]
    [InlineData("Authorization")]
    public void Without_aad_authorization_there_is_no_credential(string? authenticationString)
    {
        Assert.Null(TelemetryServiceCollectionExtensions.ExporterCredential(authenticationString));
    }

    [Theory]
    [InlineData("Authorization=AAD;ClientId=3f1c0c9e-0000-0000-0000-000000000001")]
    [InlineData(" ClientId = 3f1c0c9e-0000-0000-0000-000000000001 ; authorization = aad ")]
    public void Aad_with_a_client_id_is_that_managed_identity(string authenticationString)
    {
        Assert.IsType<ManagedIdentityCredential>(TelemetryServiceCollectionExtensions.ExporterCredential(authenticationString));
    }

    [Fact]
    public void Aad_without_a_client_id_is_the_default_credential()
    {
        Assert.IsType<DefaultAzureCredential>(TelemetryServiceCollectionExtensions.ExporterCredential("Authorization=AAD"));
    }
}
