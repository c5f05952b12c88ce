using System.Collections.Concurrent;
using System.Reflection;

namespace MailCloud.Gateway.Tests.Support;

/// <summary>
/// Wraps a real service and counts the calls to each of its methods by name; every call goes
/// through to the real service (for the mailbox store: to real Azurite).
/// </summary>
public class CallCounter<T> : DispatchProxy
    where T : class
{
    private readonly ConcurrentDictionary<string, int> _calls = new();
    private T? _inner;

    /// <summary>How often <paramref name="method"/> was called.</summary>
    public int this[string method] => _calls.GetValueOrDefault(method);

    /// <summary>The counting wrapper of <paramref name="inner"/>, and its counter.</summary>
    public static (T Service, CallCounter<T> Counter) Wrap(T inner)
    {
        var service = Create<T, CallCounter<T>>();
        var counter = (CallCounter<T>)(object)service;
        counter._inner = inner;
        return (service, counter);
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        _calls.AddOrUpdate(targetMethod.Name, 1, (_, count) => count + 1);
        try
        {
            return targetMethod.Invoke(_inner, args);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
    }
}
