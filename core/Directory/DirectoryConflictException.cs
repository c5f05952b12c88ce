namespace MailCloud.Core.Directory;

/// <summary>A change kept losing the compare-and-swap to other writers and was given up; nothing was changed, and retrying is safe.</summary>
public sealed class DirectoryConflictException(string message) : Exception(message);
