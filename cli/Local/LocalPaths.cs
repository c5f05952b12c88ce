using MailCloud.Core.Local;

namespace MailCloud.Cli.Local;

/// <summary>Where local mode keeps its state inside the clone (git-ignored): .mailcloud/.</summary>
public sealed class LocalPaths(string repositoryRoot)
{
    public string RepositoryRoot { get; } = repositoryRoot;

    public string StateDirectory => Path.Combine(RepositoryRoot, ".mailcloud");

    /// <summary>Azurite's persistent data.</summary>
    public string AzuriteData => Path.Combine(StateDirectory, "azurite");

    /// <summary>Written by a running <c>mailcloud dev</c>: its Azurite connection string and pid.</summary>
    public string DevStateFile => Path.Combine(StateDirectory, "dev.json");

    /// <summary>The self-signed certificate local mode generates once and reuses.</summary>
    public string DevCertificate => Path.Combine(StateDirectory, "dev-certificate.pfx");

    public static LocalPaths Discover() =>
        new(AzuriteLauncher.FindRepositoryRoot(Environment.CurrentDirectory is { } cwd && HasCheckout(cwd) ? cwd : AppContext.BaseDirectory));

    /// <summary>The clone this runs from, or null when it runs from none (a published executable elsewhere).</summary>
    public static LocalPaths? TryDiscover()
    {
        try
        {
            return Discover();
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
    }

    private static bool HasCheckout(string dir)
    {
        try
        {
            AzuriteLauncher.FindRepositoryRoot(dir);
            return true;
        }
        catch (DirectoryNotFoundException)
        {
            return false;
        }
    }
}
