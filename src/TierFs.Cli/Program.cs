using System.CommandLine;
using TierFs.Cli.Commands;
using TierFs.Host;

namespace TierFs.Cli;

public static class Program
{
    /// <summary>This process's arguments, as given (the mount daemon is started with the same).</summary>
    public static IReadOnlyList<string> Arguments { get; private set; } = [];

    public static int Main(string[] args)
    {
        Arguments = args;
        var root = new RootCommand("TierFs: a tiering (HSM) filesystem. Mount a directory through FUSE; cold files move to a remote tier and come back on open.")
        {
            MountCommand.Create(),
            UmountCommand.Create(),
            QueryCommand.Create(),
            ReportCommand.Create(),
            Commands.Background.ScanCommand.Create(),
            Commands.Background.StatusCommand.Create(),
        };
        root.Add(PolicyCommand.Create([.. Commands.Background.PolicyDaemonCommands.Create()]));
        foreach (var command in TierCommands.Create()) root.Add(command);
        try
        {
            var parsed = root.Parse(args);
            if (parsed.Errors.Count > 0)
            {
                // Bad usage: one line, exit 2 (the library's default prints help and exits 1).
                var name = parsed.CommandResult.Command == root ? "" : " " + parsed.CommandResult.Command.Name;
                var errors = string.Join("; ", parsed.Errors.Select(e => e.Message.TrimEnd('.')));
                Console.Error.WriteLine($"tierfs: {errors} (see tierfs{name} --help)");
                return 2;
            }
            return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"tierfs: {e.Message}");
            return 2;
        }
        catch (TierFs.Tiering.Config.ConfigException e)
        {
            Console.Error.WriteLine($"tierfs: {e.Message}");
            return 2;
        }
        catch (CommandException e)
        {
            Console.Error.WriteLine($"tierfs: {e.Message}");
            return 1;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or TierFs.Fuse.FuseException)
        {
            Console.Error.WriteLine($"tierfs: {e.Message}");
            return 1;
        }
    }
}
