using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.RegularExpressions;
using System.Text.Json.Nodes;
using MailCloud.Cli.Commands;
using MailCloud.Core.Configuration;
using MailCloud.Gateway.Hosting;
using MailCloud.Infra.Tests.Support;

namespace MailCloud.Infra.Tests;

/// <summary>
/// What Bicep provisions is what the code reads: setting names resolve to options properties (found by
/// reflection), queue and container names are the code's, and the values parse as the options' types.
/// </summary>
public sealed class ConfigurationDriftTests(CompiledTemplate template) : IClassFixture<CompiledTemplate>
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
        Assert.Same(typeof(StorageOptions), Options.Sections[StorageOptions.SectionName]);
        Assert.Same(typeof(QueueingOptions), Options.Sections[QueueingOptions.SectionName]);
        Assert.Same(typeof(GatewayOptions), Options.Sections[GatewayOptions.SectionName]);
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
            new[] { 25, 110, 143, 465, 587, 993, 995 });
        Assert.Equal(listeners.Count, listeners.Select(l => (string)l!["listener"]![nameof(ListenerOptions.Name)]!).Distinct().Count());
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
    public void StorageContainers_AreStorageOptionsDefaults()
    {
        var defaults = typeof(StorageOptions).GetProperties()
            .Where(p => p.PropertyType == typeof(string) && p.Name.EndsWith("Container", StringComparison.Ordinal))
            .Select(p => (string)p.GetValue(new StorageOptions())!)
            .Order()
            .ToList();
        var provisioned = template.ModuleParameter("storage", "containerNames")!.AsArray().Select(n => (string)n!).Order().ToList();

        Assert.Equal(3, defaults.Count);
        Assert.Equal(defaults, provisioned);
        Assert.Equal(new StorageOptions().SpoolContainer, (string?)template.ModuleParameter("storage", "spoolContainerName"));
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

    private string FunctionSettingsExpression() =>
        (string)template.Module("functions")["properties"]!["parameters"]!["mailCloudSettings"]!["value"]!;
}
