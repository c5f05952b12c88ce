using System.Security.Cryptography;
using MailCloud.Core.Configuration;
using MailCloud.Core.Pipeline;

namespace MailCloud.Cli.Local;

/// <summary>
/// The pipeline's settings in local mode, the same for <c>mailcloud dev</c> (pipeline in its process)
/// and <c>mailcloud pipeline</c> (pipeline alone): Storage Queues, this machine's host name, and the
/// clone's SRS secret, made on first start and kept in .mailcloud/ so that bounces to addresses one
/// process rewrote are recognised by the other.
/// </summary>
public static class LocalPipelineSettings
{
    public static Dictionary<string, string?> For(LocalPaths paths) => new()
    {
        [$"{QueueingOptions.SectionName}:Transport"] = nameof(QueueTransportKind.StorageQueues),
        [$"{PipelineOptions.SectionName}:HostName"] = "localhost",
        [$"{PipelineOptions.SectionName}:SrsSecret"] = LoadOrCreateSecret(Path.Combine(paths.StateDirectory, "srs-secret")),
    };

    /// <summary>A random secret made on first start and kept in the clone's state folder.</summary>
    private static string LoadOrCreateSecret(string path)
    {
        if (File.Exists(path))
        {
            return File.ReadAllText(path).Trim();
        }

        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var secret = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
        File.WriteAllText(path, secret);
        return secret;
    }
}
