using MailCloud.Core.Directory;
using MailCloud.Core.Directory.Passwords;
using MailCloud.Testing;
using Microsoft.Extensions.Options;

namespace MailCloud.Core.Tests.Directory;

public class Pbkdf2PasswordHasherTests
{
    private readonly Pbkdf2PasswordHasher _hasher = new(Options.Create(TestDirectories.Options()));

    [Fact]
    public void Hashes_are_self_describing_and_salted()
    {
        var first = _hasher.Hash("correct horse");
        var second = _hasher.Hash("correct horse");

        Assert.Matches(@"^\$pbkdf2-sha256\$i=1000\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$", first);
        Assert.NotEqual(first, second);
        Assert.DoesNotContain("correct horse", first, StringComparison.Ordinal);
    }

    [Fact]
    public void Verifies_the_right_password_and_refuses_a_wrong_one()
    {
        var hash = _hasher.Hash("correct horse");

        Assert.True(_hasher.Verify(hash, "correct horse"));
        Assert.False(_hasher.Verify(hash, "correct horsE"));
        Assert.False(_hasher.Verify(hash, ""));
    }

    [Fact]
    public void A_hash_made_with_other_iterations_still_verifies()
    {
        var stronger = new Pbkdf2PasswordHasher(Options.Create(new DirectoryOptions { PasswordHashIterations = 2_000 }));

        Assert.True(_hasher.Verify(stronger.Hash("pw"), "pw"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("plain-text")]
    [InlineData("$pbkdf2-sha1$i=1000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("$pbkdf2-sha256$i=0$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("$pbkdf2-sha256$i=999999999$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("$pbkdf2-sha256$i=-5$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("$pbkdf2-sha256$i=1000$not base64!$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("$pbkdf2-sha256$i=1000$AAAAAAAAAAAAAAAAAAAAAA==")]
    [InlineData("$pbkdf2-sha256$i=1000$AAAA$AAAA")]
    public void Malformed_hashes_never_verify(string encoded)
    {
        Assert.False(_hasher.Verify(encoded, "pw"));
    }

    [Fact]
    public void A_tampered_hash_does_not_verify()
    {
        var hash = _hasher.Hash("pw");
        var lastPart = hash.LastIndexOf('$') + 1;
        var flipped = hash[lastPart] == 'A' ? 'B' : 'A';

        Assert.False(_hasher.Verify(hash[..lastPart] + flipped + hash[(lastPart + 1)..], "pw"));
        Assert.False(_hasher.Verify(hash.Replace("i=1000", "i=1001", StringComparison.Ordinal), "pw"));
    }
}

[Collection(AzuriteCollection.Name)]
public class AuthenticationTests(AzuriteFixture azurite)
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    private async Task<(BlobMailDirectory Directory, Configuration.StorageClients Storage)> CreateAsync()
    {
        var storage = await azurite.CreateStorageAsync();
        var directory = TestDirectories.Create(storage);
        await directory.AddDomainAsync("example.test", Ct);
        await directory.AddAccountAsync("alice@example.test", "s3cret-Passw0rd", null, null, Ct);
        return (directory, storage);
    }

    [Fact]
    public async Task The_right_password_authenticates_in_any_case_of_the_address()
    {
        var (directory, _) = await CreateAsync();

        var account = await directory.AuthenticateAsync("Alice@EXAMPLE.test", "s3cret-Passw0rd", Ct);

        Assert.Equal("alice@example.test", account?.Address);
    }

    [Theory]
    [InlineData("alice@example.test", "wrong")]
    [InlineData("alice@example.test", "")]
    [InlineData("nobody@example.test", "s3cret-Passw0rd")]
    [InlineData("not an address", "s3cret-Passw0rd")]
    public async Task Wrong_passwords_and_unknown_users_fail(string address, string password)
    {
        var (directory, _) = await CreateAsync();

        Assert.Null(await directory.AuthenticateAsync(address, password, Ct));
    }

    [Fact]
    public async Task A_disabled_account_fails_even_with_a_remembered_password_and_works_again_when_enabled()
    {
        var (directory, _) = await CreateAsync();
        Assert.NotNull(await directory.AuthenticateAsync("alice@example.test", "s3cret-Passw0rd", Ct));

        await directory.SetAccountEnabledAsync("alice@example.test", false, Ct);
        Assert.Null(await directory.AuthenticateAsync("alice@example.test", "s3cret-Passw0rd", Ct));

        await directory.SetAccountEnabledAsync("alice@example.test", true, Ct);
        Assert.NotNull(await directory.AuthenticateAsync("alice@example.test", "s3cret-Passw0rd", Ct));
    }

    [Fact]
    public async Task A_changed_password_voids_the_remembered_one_in_another_instance()
    {
        var (directory, storage) = await CreateAsync();
        var time = new SteppedTimeProvider();
        var gateway = TestDirectories.Create(storage, TestDirectories.Options(TimeSpan.FromSeconds(2)), time);
        Assert.NotNull(await gateway.AuthenticateAsync("alice@example.test", "s3cret-Passw0rd", Ct));

        await directory.SetPasswordAsync("alice@example.test", "n3w-Passw0rd", Ct);
        time.Advance(TimeSpan.FromSeconds(2));

        Assert.Null(await gateway.AuthenticateAsync("alice@example.test", "s3cret-Passw0rd", Ct));
        Assert.NotNull(await gateway.AuthenticateAsync("alice@example.test", "n3w-Passw0rd", Ct));
    }

    [Fact]
    public async Task The_stored_document_never_contains_a_clear_password()
    {
        var (directory, storage) = await CreateAsync();
        await directory.SetPasswordAsync("alice@example.test", "An0ther-Secret", Ct);

        var stored = (await storage.Directory.GetBlobClient("directory.json").DownloadContentAsync()).Value.Content.ToString();

        Assert.Contains("$pbkdf2-sha256$", stored, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-Passw0rd", stored, StringComparison.Ordinal);
        Assert.DoesNotContain("An0ther-Secret", stored, StringComparison.Ordinal);
    }
}
