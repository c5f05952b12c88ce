using System.Reflection;

namespace MailCloud.Testing;

public static class TestEnvironment
{
    /// <summary>
    /// The checkout the tests were built from (baked in by tests/Directory.Build.props), so tests
    /// find package.json and the tools even when the build output lives elsewhere (--artifacts-path).
    /// </summary>
    public static string RepositoryRoot { get; } =
        (Assembly.GetEntryAssembly() is { } entry ? Root(entry) : null)
        ?? AppDomain.CurrentDomain.GetAssemblies().Select(Root).FirstOrDefault(r => r is not null)
        ?? throw new InvalidOperationException("No test assembly carries the RepositoryRoot metadata.");

    private static string? Root(Assembly assembly) =>
        assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "RepositoryRoot")?.Value;
}
