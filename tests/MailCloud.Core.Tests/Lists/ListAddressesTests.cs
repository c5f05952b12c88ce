using MailCloud.Core.Addresses;
using MailCloud.Core.Lists;

namespace MailCloud.Core.Tests.Lists;

public class ListAddressesTests
{
    [Theory]
    [InlineData("team-request@example.test", "team@example.test", ListCommand.Request, null)]
    [InlineData("team-subscribe@example.test", "team@example.test", ListCommand.Subscribe, null)]
    [InlineData("team-join@example.test", "team@example.test", ListCommand.Subscribe, null)]
    [InlineData("Team-Unsubscribe@example.test", "Team@example.test", ListCommand.Unsubscribe, null)]
    [InlineData("team-leave@example.test", "team@example.test", ListCommand.Unsubscribe, null)]
    [InlineData("team-unsubscribe+ABCdefghijklmnop@example.test", "team@example.test", ListCommand.Unsubscribe, "abcdefghijklmnop")]
    [InlineData("team-owner@example.test", "team@example.test", ListCommand.Owner, null)]
    [InlineData("dev-team-bounces+tok@example.test", "dev-team@example.test", ListCommand.Bounces, "tok")]
    [InlineData("team-bounces@example.test", "team@example.test", ListCommand.Bounces, null)]
    [InlineData("team-confirm+tok@example.test", "team@example.test", ListCommand.Confirm, "tok")]
    [InlineData("team-request+mytag@example.test", "team@example.test", ListCommand.Request, null)]
    public void Parses_control_addresses(string address, string list, ListCommand command, string? token)
    {
        Assert.True(ListAddresses.TryParse(EmailAddress.Parse(address), out var control));

        Assert.Equal(list, control.List.ToString());
        Assert.Equal(command, control.Command);
        Assert.Equal(token, control.Token);
    }

    [Theory]
    [InlineData("team@example.test")]
    [InlineData("-request@example.test")]
    [InlineData("team-requests@example.test")]
    [InlineData("team+owner@example.test")]
    public void Other_addresses_are_not_control_addresses(string address) =>
        Assert.False(ListAddresses.TryParse(EmailAddress.Parse(address), out _));

    [Theory]
    [InlineData(ListCommand.Request, null, "team-request@example.test")]
    [InlineData(ListCommand.Bounces, "abc", "team-bounces+abc@example.test")]
    [InlineData(ListCommand.Confirm, "abc", "team-confirm+abc@example.test")]
    public void Formats_what_it_parses(ListCommand command, string? token, string expected)
    {
        var formatted = ListAddresses.Format("team@example.test", command, token);

        Assert.Equal(expected, formatted);
        Assert.True(ListAddresses.TryParse(EmailAddress.Parse(formatted), out var control));
        Assert.Equal((command, token), (control.Command, control.Token));
    }
}
