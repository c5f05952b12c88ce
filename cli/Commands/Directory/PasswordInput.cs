using System.CommandLine;
using System.Security.Cryptography;

namespace MailCloud.Cli.Commands;

/// <summary>--password / --password-stdin, shared by <c>account add</c> and <c>account passwd</c>.</summary>
internal sealed class PasswordInput
{
    private const string GeneratedAlphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    private const int GeneratedLength = 20;

    public Option<string> Password { get; } = new("--password") { Description = "The password (visible in the process list; prefer --password-stdin)." };

    public Option<bool> FromStdin { get; } = new("--password-stdin") { Description = "Read the password from the first line of standard input." };

    public void AddTo(Command command)
    {
        command.Options.Add(Password);
        command.Options.Add(FromStdin);
        command.Validators.Add(result =>
        {
            if (result.GetValue(Password) is not null && result.GetValue(FromStdin))
            {
                result.AddError("Give --password or --password-stdin, not both.");
            }
        });
    }

    /// <summary>The given password, or null when neither option was used.</summary>
    public async Task<string?> ReadAsync(ParseResult result, CancellationToken cancellationToken) =>
        result.GetValue(FromStdin)
            ? await Console.In.ReadLineAsync(cancellationToken).ConfigureAwait(false) ?? string.Empty
            : result.GetValue(Password);

    /// <summary>About 117 bits from an alphabet without look-alike characters (0/O, 1/l/I).</summary>
    public static string Generate() => RandomNumberGenerator.GetString(GeneratedAlphabet, GeneratedLength);
}
