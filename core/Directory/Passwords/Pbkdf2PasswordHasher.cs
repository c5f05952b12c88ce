using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace MailCloud.Core.Directory.Passwords;

/// <summary>
/// PBKDF2-HMAC-SHA256 (RFC 8018 §5.2) with a random 16-byte salt, encoded as
/// <c>$pbkdf2-sha256$i=600000$&lt;salt base64&gt;$&lt;hash base64&gt;</c> so the iteration count can be
/// raised later without invalidating stored hashes.
/// </summary>
public sealed class Pbkdf2PasswordHasher(IOptions<DirectoryOptions> options) : IPasswordHasher
{
    /// <summary>Upper bound on the count accepted from a stored hash, so a tampered document cannot stall logins.</summary>
    public const int MaxIterations = 10_000_000;

    private const string Prefix = "$pbkdf2-sha256$";
    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    private readonly int _iterations = options.Value.PasswordHashIterations;

    public string Hash(string password)
    {
        ArgumentException.ThrowIfNullOrEmpty(password);
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Derive(password, salt, _iterations, HashBytes);
        return string.Create(CultureInfo.InvariantCulture, $"{Prefix}i={_iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}");
    }

    public bool Verify(string encodedHash, string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        if (!TryDecode(encodedHash, out var iterations, out var salt, out var expected))
        {
            return false;
        }

        var actual = Derive(password, salt, iterations, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    private static byte[] Derive(string password, byte[] salt, int iterations, int length) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, length);

    private static bool TryDecode(string? encoded, out int iterations, out byte[] salt, out byte[] hash)
    {
        iterations = 0;
        salt = hash = [];
        if (encoded is null || !encoded.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var parts = encoded[Prefix.Length..].Split('$');
        if (parts.Length != 3 || !parts[0].StartsWith("i=", StringComparison.Ordinal) ||
            !int.TryParse(parts[0].AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out iterations) ||
            iterations is < 1 or > MaxIterations)
        {
            return false;
        }

        try
        {
            salt = Convert.FromBase64String(parts[1]);
            hash = Convert.FromBase64String(parts[2]);
        }
        catch (FormatException)
        {
            return false;
        }

        return salt.Length >= SaltBytes && hash.Length >= HashBytes;
    }
}
