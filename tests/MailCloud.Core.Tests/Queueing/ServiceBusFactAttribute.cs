namespace MailCloud.Core.Tests.Queueing;

/// <summary>A test that needs a real Service Bus namespace: skipped, visibly, unless MAILCLOUD_TEST_SERVICEBUS holds a connection string.</summary>
public sealed class ServiceBusFactAttribute : FactAttribute
{
    public const string ConnectionStringVariable = "MAILCLOUD_TEST_SERVICEBUS";

    public ServiceBusFactAttribute()
    {
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            Skip = $"{ConnectionStringVariable} is not set (no Service Bus namespace to test against).";
        }
    }

    public static string? ConnectionString => Environment.GetEnvironmentVariable(ConnectionStringVariable);
}
