using System.CommandLine;

namespace TierFs.Cli.Commands;

/// <summary>An option whose values are an enum's names in lower case, listed in --help and in the error for any other word.</summary>
public static class EnumOption
{
    public static Option<T> Create<T>(string name, string description, T fallback) where T : struct, Enum
    {
        var words = Enum.GetNames<T>().Select(n => n.ToLowerInvariant()).ToArray();
        var option = new Option<T>(name) { Description = description, DefaultValueFactory = _ => fallback, HelpName = string.Join('|', words) };
        option.AcceptOnlyFromAmong(words);
        return option;
    }
}
