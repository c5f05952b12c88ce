using System.ComponentModel.DataAnnotations;
using System.Reflection;
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
    public void GatewayListeners_AreListenerOptions_AndReachableThroughTheIngress()
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
        }

        Assert.Empty(problems);
        Assert.Equal(
            listeners.Select(l => (int)l!["publicPort"]!).Order(),
            new[] { 25, 110, 143, 465, 587, 993, 995 });
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

    private string FunctionSettingsExpression() =>
        (string)template.Module("functions")["properties"]!["parameters"]!["mailCloudSettings"]!["value"]!;
}
