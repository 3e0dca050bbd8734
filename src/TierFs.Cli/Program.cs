using TierFs.Common;
using System.CommandLine;
using TierFs.Cli.Commands;
using TierFs.Host;

namespace TierFs.Cli;

public static partial class Program
{
    /// <summary>This process's arguments, as given (the mount daemon is started with the same).</summary>
    public static IReadOnlyList<string> Arguments { get; private set; } = [];

    /// <summary>A parser's message on one line, without .NET type names ("expected type 'System.UInt32'" → "expected a number").</summary>
    internal static string UsageMessage(string message) =>
        Blanks().Replace(TypeName().Replace(message, m => m.Groups[1].Value.Contains("String") ? "" : " (expected a number)"), " ").Trim().TrimEnd('.');

    [System.Text.RegularExpressions.GeneratedRegex(@" as expected type '([^']*)'")]
    private static partial System.Text.RegularExpressions.Regex TypeName();

    [System.Text.RegularExpressions.GeneratedRegex(@"\s+")]
    private static partial System.Text.RegularExpressions.Regex Blanks();

    public static int Main(string[] args)
    {
        Arguments = args;
        // A background thread's exception ends the process whatever we do; it is still reported in one line.
        AppDomain.CurrentDomain.UnhandledException += (_, e) => CrashReport.Report(e.ExceptionObject as Exception ?? new InvalidOperationException("unknown failure"));
        var root = new RootCommand("TierFs: a tiering (HSM) filesystem. Mount a directory through FUSE; cold files move to a remote tier and come back on open.")
        {
            MountCommand.Create(),
            UmountCommand.Create(),
            QueryCommand.Create(),
            LogCommand.Create(),
            ReportCommand.Create(),
            Commands.Background.ScanCommand.Create(),
            Commands.Background.StatusCommand.Create(),
            Commands.Background.ReloadCommand.Create(),
            Commands.Ops.VerifyCommand.Create(),
            Commands.Ops.AlarmsCommand.Create(),
            Commands.Background.SyncCommand.Create(),
            ImportCommand.Create(),
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
                var errors = string.Join("; ", parsed.Errors.Select(e => UsageMessage(e.Message)));
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
        catch (Exception e)
        {
            return CrashReport.Report(e);
        }
    }
}
