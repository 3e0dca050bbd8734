using TierFs.Cli;

namespace TierFs.Tests.Cli;

public class UsageMessageTests
{
    [Theory]
    [InlineData("Cannot parse argument '-1' for option '--threads' as expected type 'System.Nullable`1[System.UInt32]'.", "Cannot parse argument '-1' for option '--threads' (expected a number)")]
    [InlineData("Argument 'loud' not recognized. Must be one of:\n\t'debug'\n\t'info'", "Argument 'loud' not recognized. Must be one of: 'debug' 'info'")]
    public void Parser_messages_are_one_line_without_type_names(string message, string expected) =>
        Assert.Equal(expected, Program.UsageMessage(message));
}
