namespace MailCloud.Core.Directory.Passwords;

/// <summary>Turns passwords into self-describing one-way hashes and checks them.</summary>
public interface IPasswordHasher
{
    /// <summary>A fresh salted hash of <paramref name="password"/>, including everything needed to verify it.</summary>
    string Hash(string password);

    /// <summary>True when <paramref name="password"/> matches <paramref name="encodedHash"/>; false for a wrong password or a malformed hash.</summary>
    bool Verify(string encodedHash, string password);
}
