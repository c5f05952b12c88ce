namespace MailCloud.Gateway.Imap.Session;

/// <summary>
/// A seekable, empty buffer for octets the session holds a while (a literal being received, a
/// message being parsed, a decoded BINARY part): in memory up to <c>Imap:LiteralMemoryThreshold</c>,
/// else a temporary file deleted on close, so a message of tens of megabytes never sits in memory.
/// </summary>
internal static class TemporaryBuffer
{
    public static Stream Create(long length, int memoryThreshold) =>
        length <= memoryThreshold
            ? new MemoryStream((int)Math.Max(length, 0))
            : new FileStream(Path.GetTempFileName(), FileMode.Create, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
}
