using System.CommandLine;
using TierFs.Policies;

namespace TierFs.Cli.Commands;

/// <summary>`tierfs policy`: check (here), list and run (added by their own files through <see cref="Create"/>).</summary>
public static class PolicyCommand
{
    public const string DefaultConfig = "/etc/tierfs/tierfs.yaml";

    /// <summary>The policy command with its check subcommand and <paramref name="more"/> subcommands.</summary>
    public static Command Create(params Command[] more)
    {
        var cmd = new Command("policy", "Check, list and run the tiering policies of the configuration.") { Check() };
        foreach (var sub in more) cmd.Add(sub);
        return cmd;
    }

    private static Command Check()
    {
        var config = new Option<string>("--config") { Description = $"The config file to check (default {DefaultConfig}).", DefaultValueFactory = _ => DefaultConfig };
        var cmd = new Command("check", "Validate a config file, every policy compiled against the index schema, before it is put in place. Exit 0 if valid, 2 if not.") { config };
        cmd.SetAction(parse =>
        {
            var file = parse.GetValue(config)!;
            var n = PolicyValidator.Load(file).Policies.Count;
            Console.WriteLine($"{file}: ok, {n} {(n == 1 ? "policy" : "policies")}");
            return 0;
        });
        return cmd;
    }
}
