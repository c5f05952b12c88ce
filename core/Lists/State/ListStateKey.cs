using MailCloud.Core.Addresses;

namespace MailCloud.Core.Lists.State;

/// <summary>Where a list's state lives in the lists container: under its lower-cased address (a directory entry, never a sender's input).</summary>
public static class ListStateKey
{
    public static string For(string listAddress) => EmailAddress.Parse(listAddress).Key;
}

/// <summary>List state that cannot be had: the lists container failed (a stage retries), or a held post or request is not there.</summary>
public sealed class ListStateException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>What the list state stores share: their JSON shape, and storage failures turned into <see cref="ListStateException"/>.</summary>
internal static class ListStorage
{
    public static readonly System.Text.Json.JsonSerializerOptions Json = new(System.Text.Json.JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public static async Task<T> TranslateAsync<T>(Func<Task<T>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (Azure.RequestFailedException e)
        {
            throw new ListStateException($"The lists container failed ({e.Status} {e.ErrorCode}).", e);
        }
    }
}
