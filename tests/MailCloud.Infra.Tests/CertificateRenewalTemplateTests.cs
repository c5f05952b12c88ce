using System.Text.Json.Nodes;
using MailCloud.Core.Certificates;
using MailCloud.Core.Pipeline.Relay;
using MailCloud.Infra.Tests.Support;

namespace MailCloud.Infra.Tests;

/// <summary>
/// What the ACME renewal and the relay rate limit need from Bicep: settings named as the code reads
/// them (the drift test checks every key), with the code's defaults, the Functions identity's Key Vault
/// roles, and port 80 of the gateway's IP reaching the HTTP port that answers HTTP-01.
/// </summary>
public sealed class CertificateRenewalTemplateTests(CompiledTemplate template) : IClassFixture<CompiledTemplate>
{
    [Fact]
    public void Acme_is_off_by_default_and_its_settings_use_the_codes_names()
    {
        Assert.False((bool)template.Template["parameters"]!["acmeEnabled"]!["defaultValue"]!);
        Assert.Equal(new AcmeOptions().CertificateName, (string?)template.Variable("acmeCertificateName"));
        Assert.Equal(new CertificateStoreOptions().Container, (string?)template.Variable("acmeContainerName"));

        var acme = (string)template.Variable("acmeSettings")!;
        Assert.StartsWith("[if(parameters('acmeEnabled'), createObject('Acme__Enabled', 'true'", acme, StringComparison.Ordinal);
        Assert.Contains("'Acme__HostNames__0', variables('hostName')", acme, StringComparison.Ordinal);
        Assert.Contains("'Acme__CertificateName', variables('acmeCertificateName')", acme, StringComparison.Ordinal);
        Assert.Equal(
            "[if(parameters('acmeEnabled'), createObject('Gateway__Tls__StoredName', variables('acmeCertificateName')), createObject())]",
            (string?)template.Variable("gatewayAcmeSettings"));
    }

    [Theory]
    [InlineData("functions")]
    [InlineData("gateway")]
    public void Both_services_reach_the_same_certificate_store_in_key_vault(string module)
    {
        var settings = (string)template.Module(module)["properties"]!["parameters"]!["mailCloudSettings"]!["value"]!;
        Assert.Contains("'Certificates__Store', 'KeyVault'", settings, StringComparison.Ordinal);
        Assert.Contains("'Certificates__KeyVaultUri'", settings, StringComparison.Ordinal);
        Assert.Contains("'Certificates__Container', variables('acmeContainerName')", settings, StringComparison.Ordinal);
        Assert.Contains(module == "functions" ? "variables('acmeSettings')" : "variables('gatewayAcmeSettings')", settings, StringComparison.Ordinal);
    }

    [Fact]
    public void The_functions_identity_may_import_certificates_and_write_the_account_key_only_with_acme()
    {
        Assert.Equal("[parameters('acmeEnabled')]", (string?)template.Module("roles")["properties"]!["parameters"]!["functionsRenewCertificates"]!["value"]);
        var roles = template.ModuleTemplate("roles");
        var grant = roles["resources"]!.AsArray().Single(r => (string?)r!["copy"]?["name"] == "renewalAssignments")!;
        Assert.Equal(
            "[length(if(parameters('functionsRenewCertificates'), createArray(variables('roles').keyVaultCertificatesOfficer, variables('roles').keyVaultSecretsOfficer), createArray()))]",
            (string?)grant["copy"]!["count"]);
        Assert.Contains("Microsoft.KeyVault/vaults", (string?)grant["scope"], StringComparison.Ordinal);
        Assert.Contains("functionsPrincipalId", grant["properties"]!["principalId"]!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Port_80_reaches_the_smtp_roles_http_port_only_with_acme()
    {
        // Bicep lifts the condition over the whole parameter.
        Assert.Equal("[if(parameters('acmeEnabled'), createObject('value', 80), createObject('value', 0))]", (string?)template.Module("gateway")["properties"]!["parameters"]!["acmeHttpPort"]);
        var loadBalancer = template.ModuleTemplate("gateway")["resources"]!.AsArray()
            .Single(r => (string?)r!["type"] == "Microsoft.Network/loadBalancers")!;
        var rules = (string)loadBalancer["properties"]!["loadBalancingRules"]!;
        Assert.Contains("if(equals(parameters('acmeHttpPort'), 0), createArray(), createArray(createObject('name', 'acme-http'", rules, StringComparison.Ordinal);
        Assert.Contains("'frontendPort', parameters('acmeHttpPort'), 'backendPort', parameters('healthPort')", rules, StringComparison.Ordinal);
        Assert.Contains("'smtp')", rules, StringComparison.Ordinal);
    }

    [Fact]
    public void The_relay_rate_limit_is_a_parameter_with_the_codes_default_and_range()
    {
        var parameter = template.Template["parameters"]!["relayMessagesPerMinute"]!;
        Assert.Equal(new RelayRateLimitOptions().MessagesPerMinute, (int)parameter["defaultValue"]!);
        Assert.Equal(0, (int)parameter["minValue"]!);
        Assert.Equal(1_000_000, (int)parameter["maxValue"]!);
        Assert.Equal(
            "[if(greater(parameters('relayMessagesPerMinute'), 0), createObject('Relay__RateLimit__MessagesPerMinute', string(parameters('relayMessagesPerMinute'))), createObject())]",
            (string?)template.Variable("relayRateSettings"));
        Assert.Contains("variables('relayRateSettings')", (string)template.Module("functions")["properties"]!["parameters"]!["mailCloudSettings"]!["value"]!, StringComparison.Ordinal);

        var parameters = JsonNode.Parse(File.ReadAllText(InfraPaths.InRepository("infra", "main.parameters.json")))!["parameters"]!;
        Assert.Equal("${RELAY_MESSAGES_PER_MINUTE=0}", (string?)parameters["relayMessagesPerMinute"]!["value"]);
        Assert.Equal("${ACME_ENABLED=false}", (string?)parameters["acmeEnabled"]!["value"]);
    }
}
