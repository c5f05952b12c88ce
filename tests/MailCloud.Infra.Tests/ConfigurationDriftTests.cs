using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.RegularExpressions;
using System.Text.Json.Nodes;
using MailCloud.Cli.Commands;
using MailCloud.Core.Certificates;
using MailCloud.Core.Configuration;
using MailCloud.Core.Pipeline.Relay;
using MailCloud.Gateway.Hosting;
using MailCloud.Infra.Tests.Support;

namespace MailCloud.Infra.Tests;

/// <summary>
/// What Bicep provisions is what the code reads: setting names resolve to options properties (found by
/// reflection), queue and container names are the code's, and the values parse as the options' types.
/// </summary>
public sealed partial class ConfigurationDriftTests(CompiledTemplate template) : IClassFixture<CompiledTemplate>
{
    // Settings read by the platform, not by our options classes: the Functions host's storage, and the
    // Service Bus trigger connection (Connection = "ServiceBus"); both identity-based, see infra/modules/functions.bicep.
    private static readonly string[] PlatformSections = ["AzureWebJobsStorage", "ServiceBus"];

    private static readonly OptionsCatalog Options = new(
    [
        typeof(StorageOptions).Assembly,
        typeof(GatewayOptions).Assembly,
        typeof(CommandCatalog).Assembly,
    ]);

    [Fact]
    public void Catalog_FindsTheOptionsClasses()
    {
        Assert.Equal([typeof(StorageOptions)], Options.Sections[StorageOptions.SectionName]);
        Assert.Equal([typeof(QueueingOptions)], Options.Sections[QueueingOptions.SectionName]);
        Assert.Equal([typeof(GatewayOptions)], Options.Sections[GatewayOptions.SectionName]);
    }

    [Fact]
    public void Catalog_RejectsWhatTheCodeDoesNotRead()
    {
        Assert.Null(Options.Problem("Storage__BlobServiceUri", "https://account.blob.core.windows.net/"));
        Assert.Null(Options.Problem("Gateway__Listeners__3__Port", "2143"));
        Assert.NotNull(Options.Problem("Storage__BlobServiceUrl", null));
        Assert.NotNull(Options.Problem("Storrage__BlobServiceUri", null));
        Assert.NotNull(Options.Problem("Queueing__Transport", "RabbitMq"));
        Assert.NotNull(Options.Problem("Gateway__Listeners__first__Port", null));
    }

    [Fact]
    public void Template_Compiles()
    {
        Assert.True(template.Build.ExitCode == 0, template.Build.StandardError);
    }

    [Fact]
    public void EverySettingTheTemplateWrites_IsReadByTheCode()
    {
        var problems = template.ConfigurationKeys(template.Template)
            .Where(use => !PlatformSections.Any(p => use.Key.StartsWith(p + "__", StringComparison.Ordinal)))
            .Select(use => Options.Problem(use.Key, use.LiteralValue))
            .OfType<string>()
            .Distinct()
            .ToList();

        Assert.Empty(problems);
    }

    [Fact]
    public void GatewayListeners_AreListenerOptions_AndReachableThroughTheLoadBalancer()
    {
        var listeners = template.Variable("listeners").AsArray();
        Assert.NotEmpty(listeners);

        var problems = new List<string>();
        for (var i = 0; i < listeners.Count; i++)
        {
            foreach (var (property, value) in listeners[i]!["listener"]!.AsObject())
            {
                if (Options.Problem($"{GatewayOptions.SectionName}__{nameof(GatewayOptions.Listeners)}__{i}__{property}", value!.ToString()) is { } problem)
                {
                    problems.Add(problem);
                }
            }

            var listenerPort = (int)listeners[i]!["listener"]![nameof(ListenerOptions.Port)]!;
            var publicPort = (int)listeners[i]!["publicPort"]!;
            Assert.InRange(listenerPort, 1024, 65535); // the container runs as non-root
            Assert.InRange(publicPort, 1, 65535);
            // Azure Load Balancer accepts 4 to 100 minutes.
            Assert.InRange((int)listeners[i]!["idleTimeoutInMinutes"]!, 4, 100);
        }

        Assert.Empty(problems);
        Assert.Equal(
            listeners.Select(l => (int)l!["publicPort"]!).Order(),
            new[] { 25, 110, 143, 465, 587, 993, 995, 4190 });
        Assert.Equal(listeners.Count, listeners.Select(l => (string)l!["listener"]![nameof(ListenerOptions.Name)]!).Distinct().Count());
    }

    [Fact]
    public void GatewayListeners_AreTheGatewaysDefaults_AndTheLoadBalancerOutlastsTheirIdleTimeout()
    {
        // main.bicep loads gateway/Hosting/listeners.json, the list DefaultListeners is built from.
        var listeners = template.Variable("listeners").AsArray();
        Assert.Equal(DefaultListeners.Standard.Count, listeners.Count);
        for (var i = 0; i < listeners.Count; i++)
        {
            var entry = listeners[i]!;
            var expected = DefaultListeners.Standard[i];
            var listener = entry["listener"]!;
            Assert.Equal(expected.Listener.Name, (string)listener[nameof(ListenerOptions.Name)]!);
            Assert.Equal(expected.Listener.Port, (int)listener[nameof(ListenerOptions.Port)]!);
            Assert.Equal(expected.PublicPort, (int)entry["publicPort"]!);
            Assert.Equal(expected.Role, (string)entry["role"]!);
            var idleTimeout = TimeSpan.Parse((string)listener[nameof(ListenerOptions.IdleTimeout)]!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.True((int)entry["idleTimeoutInMinutes"]! > idleTimeout.TotalMinutes, $"The load balancer drops port {expected.PublicPort} before the gateway's idle timeout.");
        }
    }

    [Fact]
    public void GatewayRoles_FitAciPortLimit_AndEveryListenerHasOne()
    {
        // Each role is a set of container groups with its own listeners; ACI opens at most five ports per
        // container group IP (a hard limit), and the health port is one of them.
        var roles = template.ModuleTemplate("gateway")["variables"]!["roles"]!.AsArray().Select(r => (string)r!).ToList();
        var listeners = template.Variable("listeners").AsArray();
        var healthPort = (int)template.Variable("healthPort");

        Assert.All(listeners, l => Assert.Contains((string)l!["role"]!, roles));
        foreach (var role in roles)
        {
            var ports = listeners.Where(l => (string)l!["role"]! == role).Select(l => (int)l!["listener"]![nameof(ListenerOptions.Port)]!).Append(healthPort).ToList();
            Assert.InRange(ports.Count, 2, 5);
            Assert.Equal(ports.Count, ports.Distinct().Count());
        }
    }

    [Fact]
    public void GatewayDockerfile_ExposesExactlyTheListenerAndHealthPorts()
    {
        var exposed = Regex.Matches(File.ReadAllText(InfraPaths.GatewayDockerfile), @"(?m)^EXPOSE (?<ports>[0-9 ]+)$")
            .SelectMany(m => m.Groups["ports"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(int.Parse)
            .Order()
            .ToList();
        var configured = template.Variable("listeners").AsArray()
            .Select(l => (int)l!["listener"]![nameof(ListenerOptions.Port)]!)
            .Append((int)template.Variable("healthPort"))
            .Order()
            .ToList();

        Assert.Equal(configured, exposed);
        Assert.Equal(new GatewayOptions().HealthPort, (int)template.Variable("healthPort"));
    }

    [Theory]
    [InlineData("Microsoft.ContainerInstance/containerGroupProfiles")]
    [InlineData("Microsoft.ContainerInstance/ngroups")]
    public void ContainerGroups_AreCreatedOnlyWithABuiltImage(string type)
    {
        // Defect 2: no placeholder image behind the load balancer. The first provision creates no container
        // group; the postdeploy hook builds the image and provisions again with it.
        var resource = template.ModuleTemplate("gateway")["resources"]!.AsArray().Single(r => (string?)r!["type"] == type)!;

        Assert.Equal("[variables('deploysContainers')]", (string?)resource["condition"]);
        Assert.Equal("[not(empty(parameters('image')))]", (string?)template.ModuleTemplate("gateway")["variables"]!["deploysContainers"]);
    }

    [Fact]
    public void LoadBalancerProbe_IsTheReadinessEndpointOnTheHealthPort()
    {
        var loadBalancer = template.ModuleTemplate("gateway")["resources"]!.AsArray()
            .Single(r => (string?)r!["type"] == "Microsoft.Network/loadBalancers")!;
        var probe = Assert.Single(loadBalancer["properties"]!["probes"]!.AsArray())!["properties"]!;

        Assert.Equal("Http", (string?)probe["protocol"]);
        Assert.Equal("/readyz", (string?)probe["requestPath"]);
        Assert.Equal("[parameters('healthPort')]", (string?)probe["port"]);
        Assert.Equal("[variables('healthPort')]", (string?)template.Module("gateway")["properties"]!["parameters"]!["healthPort"]!["value"]);
    }

    [Fact]
    public void ServiceBusQueues_AreQueueNamesAll()
    {
        var provisioned = template.ModuleParameter("serviceBus", "queueNames")!.AsArray().Select(n => (string)n!).ToList();

        Assert.Equal(QueueNames.All.Order(), provisioned.Order());
    }

    [Fact]
    public void QueueNameSettings_NameProvisionedQueues()
    {
        // The Service Bus triggers' %Queueing:...Queue% expressions resolve from app settings, not from option defaults.
        var queueProperties = typeof(QueueingOptions).GetProperties()
            .Where(p => p.PropertyType == typeof(string) && QueueNames.All.Contains(p.GetValue(new QueueingOptions())))
            .ToList();
        Assert.Equal(QueueNames.All.Count, queueProperties.Count);

        var settings = FunctionSettingsExpression();
        var queueVariables = template.Variable("queueNames").AsObject();
        foreach (var property in queueProperties)
        {
            var key = $"'{QueueingOptions.SectionName}__{property.Name}', variables('queueNames').";
            var at = settings.IndexOf(key, StringComparison.Ordinal);
            Assert.True(at >= 0, $"The Functions app does not set {QueueingOptions.SectionName}__{property.Name}.");

            var member = new string(settings[(at + key.Length)..].TakeWhile(char.IsLetterOrDigit).ToArray());
            Assert.Equal(property.GetValue(new QueueingOptions()), (string?)queueVariables[member]);
        }
    }

    [Fact]
    public void FunctionTriggers_InTheBuiltMetadata_ResolveToProvisionedQueuesAndConnections()
    {
        // The Functions host resolves %Section:Key% in a trigger's queue name from app settings and finds the
        // trigger's connection by prefix; a name missing from Bicep leaves the trigger listening nowhere.
        var metadataPath = typeof(ConfigurationDriftTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "FunctionsMetadata").Value!;
        var triggers = JsonNode.Parse(File.ReadAllText(metadataPath))!.AsArray()
            .SelectMany(function => function!["bindings"]!.AsArray())
            .Where(binding => (string?)binding!["type"] == "serviceBusTrigger")
            .ToList();
        Assert.Equal(QueueNames.All.Count, triggers.Count);

        var settings = FunctionSettingsExpression();
        var hostSettings = template.ModuleTemplate("functions")["variables"]!["hostSettings"]!.AsObject();
        var provisioned = template.Variable("queueNames").AsObject();
        foreach (var trigger in triggers)
        {
            var expression = BindingExpression().Match((string)trigger!["queueName"]!);
            Assert.True(expression.Success, $"queue name '{trigger["queueName"]}' is not a %setting% expression");
            var key = $"'{expression.Groups["setting"].Value.Replace(":", "__", StringComparison.Ordinal)}', variables('queueNames').";
            var at = settings.IndexOf(key, StringComparison.Ordinal);
            Assert.True(at >= 0, $"The Functions app has no setting for {trigger["queueName"]}.");
            var member = new string(settings[(at + key.Length)..].TakeWhile(char.IsLetterOrDigit).ToArray());
            Assert.Contains((string?)provisioned[member], QueueNames.All);

            Assert.Contains($"{(string)trigger["connection"]!}__fullyQualifiedNamespace", hostSettings.Select(p => p.Key));
        }
    }

    [Fact]
    public void StorageContainers_AreStorageOptionsDefaults_AndTheAcmeContainer()
    {
        var defaults = typeof(StorageOptions).GetProperties()
            .Where(p => p.PropertyType == typeof(string) && p.Name.EndsWith("Container", StringComparison.Ordinal))
            .Select(p => (string)p.GetValue(new StorageOptions())!)
            .Append(new CertificateStoreOptions().Container)
            .Order()
            .ToList();
        var provisioned = template.ModuleParameter("storage", "containerNames")!.AsArray().Select(n => (string)n!).Order().ToList();

        Assert.Equal(6, defaults.Count);
        Assert.Equal(defaults, provisioned);
        Assert.Equal(new StorageOptions().SpoolContainer, (string?)template.ModuleParameter("storage", "spoolContainerName"));
    }

    [Fact]
    public void StorageTables_AreStorageOptionsDefaults_AndSetForTheCode()
    {
        var provisioned = template.ModuleParameter("storage", "tableNames")!.AsArray().Select(n => (string)n!).ToList();
        Assert.Equal([new StorageOptions().MailboxTable], provisioned);
    }

    [Fact]
    public void MaxDeliveryCount_HasTheCodesDefaultAndRange()
    {
        var parameter = template.Template["parameters"]!["maxDeliveryCount"]!;
        var range = typeof(QueueingOptions).GetProperty(nameof(QueueingOptions.MaxDeliveryCount))!.GetCustomAttribute<RangeAttribute>()!;

        Assert.Equal(new QueueingOptions().MaxDeliveryCount, (int)parameter["defaultValue"]!);
        Assert.Equal(Convert.ToInt32(range.Minimum), (int)parameter["minValue"]!);
        Assert.Equal(Convert.ToInt32(range.Maximum), (int)parameter["maxValue"]!);
    }

    [Theory]
    [InlineData("functions")]
    [InlineData("gateway")]
    public void BothServices_UseServiceBusAndStorageByIdentity(string module)
    {
        var settings = (string)template.Module(module)["properties"]!["parameters"]!["mailCloudSettings"]!["value"]!;
        var keys = template.ConfigurationKeys(JsonValue.Create(settings)).ToDictionary(u => u.Key, u => u.LiteralValue);

        Assert.Equal(nameof(QueueTransportKind.ServiceBus), keys[$"{QueueingOptions.SectionName}__{nameof(QueueingOptions.Transport)}"]);
        Assert.Contains($"{QueueingOptions.SectionName}__{nameof(QueueingOptions.ServiceBusNamespace)}", keys.Keys);
        Assert.Contains($"{StorageOptions.SectionName}__{nameof(StorageOptions.BlobServiceUri)}", keys.Keys);
        Assert.DoesNotContain($"{StorageOptions.SectionName}__{nameof(StorageOptions.ConnectionString)}", keys.Keys);
        Assert.DoesNotContain($"{QueueingOptions.SectionName}__{nameof(QueueingOptions.ServiceBusConnectionString)}", keys.Keys);
    }

    [Theory]
    [InlineData("functions")]
    [InlineData("gateway")]
    public void BothServices_SendTelemetryWithTheirIdentity(string module)
    {
        // Application Insights has local auth disabled: the exporter needs an Entra credential (core/Diagnostics
        // reads the authentication string) and the identity needs Monitoring Metrics Publisher on the resource.
        var text = template.ModuleTemplate(module).ToJsonString();
        Assert.Contains("APPLICATIONINSIGHTS_AUTHENTICATION_STRING", text, StringComparison.Ordinal);
        Assert.Contains("Authorization=AAD", text, StringComparison.Ordinal);
        Assert.True((bool)template.ModuleTemplate("monitoring")["resources"]!.AsArray()
            .Single(r => (string?)r!["type"] == "Microsoft.Insights/components")!["properties"]!["DisableLocalAuth"]!);

        var telemetryGrant = template.ModuleTemplate("roles")["resources"]!.AsArray()
            .Single(r => (string?)r!["type"] == "Microsoft.Authorization/roleAssignments" && ((string?)r["scope"])?.Contains("Microsoft.Insights/components", StringComparison.Ordinal) == true)!;
        Assert.Contains("monitoringMetricsPublisher", telemetryGrant.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal("[length(createArray(parameters('gatewayPrincipalId'), parameters('functionsPrincipalId')))]", (string?)telemetryGrant["copy"]!["count"]);
    }

    [Fact]
    public void Deployer_OwnsServiceBusData_ForTheQueueCommands()
    {
        // `mailcloud queue` reads runtime properties (Manage), receives and resends: Azure Service Bus Data Owner.
        const string dataOwner = "090c5cfd-751d-490a-894a-3ce6f1109419";
        var roles = template.ModuleTemplate("roles");
        var grant = roles["resources"]!.AsArray()
            .Single(r => (string?)r!["copy"]?["name"] == "deployerServiceBusAssignments")!;

        Assert.Equal(dataOwner, (string?)roles["variables"]!["roles"]!["serviceBusDataOwner"]);
        Assert.Contains("Microsoft.ServiceBus/namespaces", (string?)grant["scope"], StringComparison.Ordinal);
        Assert.Contains("'serviceBus'", (string?)grant["copy"]!["count"], StringComparison.Ordinal);
    }

    [Fact]
    public void Relay_LeavesThroughTheNatGateway_WithThePtrFromAParameter()
    {
        var network = template.ModuleTemplate("network");
        var resources = network["resources"]!.AsArray();
        var subnets = resources.Single(r => (string?)r!["type"] == "Microsoft.Network/virtualNetworks")!["properties"]!["subnets"]!.AsArray();
        var egressIp = resources.Single(r => (string?)r!["type"] == "Microsoft.Network/publicIPAddresses")!;

        Assert.Equal(["gateway", "functions"], subnets.Select(s => (string)s!["name"]!));
        Assert.All(subnets, s => Assert.Contains("Microsoft.Network/natGateways", (string?)s!["properties"]!["natGateway"]!["id"], StringComparison.Ordinal));
        Assert.Equal("Static", (string?)egressIp["properties"]!["publicIPAllocationMethod"]);
        Assert.Contains("reverseFqdn", egressIp["properties"]!["dnsSettings"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal("[parameters('relayHostName')]", (string?)template.Module("network")["properties"]!["parameters"]!["egressReverseFqdn"]!["value"]);
        Assert.Contains("RELAY_EGRESS_IP", template.Template["outputs"]!.AsObject().Select(o => o.Key));
    }

    [Fact]
    public void Relay_UsesASmartHost_UnlessOutboundPort25IsAllowed()
    {
        Assert.False((bool)template.Template["parameters"]!["allowOutboundPort25"]!["defaultValue"]!);
        Assert.Equal(
            "[if(and(empty(parameters('smartHost')), not(parameters('allowOutboundPort25'))), 'smtp.azurecomm.net', parameters('smartHost'))]",
            (string?)template.Variable("relaySmartHost"));
    }

    [Fact]
    public void ServiceBusServiceEndpoints_AreNotConfigured()
    {
        // Service Bus Standard ignores VNet service endpoints (they need Premium); declaring them only misleads.
        Assert.DoesNotContain("Microsoft.ServiceBus", template.ModuleTemplate("network").ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void KeyVaultName_TakesTheSuffix_AndFitsTheNameLimit()
    {
        // uniqueString() is 13 characters; Key Vault names are at most 24.
        Assert.Equal("[format('kv-{0}{1}', variables('resourceToken'), parameters('keyVaultSuffix'))]", (string?)template.Variable("keyVaultName"));
        Assert.True("kv-".Length + 13 + (int)template.Template["parameters"]!["keyVaultSuffix"]!["maxLength"]! <= 24);
        Assert.Equal("[variables('keyVaultName')]", (string?)template.Module("keyVault")["properties"]!["parameters"]!["keyVaultName"]!["value"]);
    }

    [GeneratedRegex(@"^%(?<setting>[A-Za-z0-9:_]+)%$")]
    private static partial Regex BindingExpression();

    private string FunctionSettingsExpression() =>
        (string)template.Module("functions")["properties"]!["parameters"]!["mailCloudSettings"]!["value"]!;
}
