using System.CommandLine;
using TierFs.Host;
using TierFs.Namespace.Import;

namespace TierFs.Cli.Commands;

/// <summary>`tierfs import --config FILE TARGET`: rebuild the east tree as stubs from the remote tier alone.</summary>
public static class ImportCommand
{
    public static Command Create()
    {
        var target = new Argument<string>("TARGET") { Description = "An empty directory to rebuild the tree in (mount it afterwards with the same configuration)." };
        var config = new Option<string>("--config", "-c") { Description = "The configuration whose remote tier and pair hold the namespace.", Required = true };
        var generation = new Option<long?>("--generation") { Description = "Import this generation (a point in time) instead of the latest." };
        var unarchived = new Option<bool>("--include-unarchived") { Description = "Also create files that were never archived, empty (their data was only east)." };
        var merge = new Option<bool>("--merge") { Description = "Import into a non-empty TARGET: existing directories are entered, existing names left as they are." };
        var cmd = new Command("import",
            "Rebuild the pair's tree from the namespace published in the remote tier: directories, symlinks and hard links as they were, every archived " +
            "file as a released stub with its size, mode, owner and times (a mount of TARGET recalls it on open). Files that were never archived are " +
            "listed and not created (unless --include-unarchived). The namespace is untrusted: an entry with an absolute path, '..', NUL or '/' in a name, " +
            "or a symlink leading outside TARGET is refused with a line naming it; nothing is written outside TARGET. Root only.")
        {
            target, config, generation, unarchived, merge,
        };
        cmd.SetAction(async (parse, ct) =>
        {
            if (Environment.UserName != "root" && TierFs.Posix.Libc.GetEuid() != 0) throw new UsageException("tierfs import must run as root (it sets owners and the stubs' trusted.* records)");
            var terminal = !Console.IsErrorRedirected;
            var problems = 0;
            var unarchivedPaths = new List<string>();
            var options = new ImportOptions
            {
                IncludeUnarchived = parse.GetValue(unarchived),
                Merge = parse.GetValue(merge),
                Problem = line =>
                {
                    problems++;
                    Console.Error.WriteLine($"{(terminal ? "\r" : "")}tierfs: import: {line}");
                },
                Unarchived = unarchivedPaths.Add,
                Progress = terminal ? (done, total) => Console.Error.Write($"\rimport: {done}/{total} entries   ") : null,
            };
            var summary = await ImportRunner.RunAsync(parse.GetValue(config)!, parse.GetValue(target)!, parse.GetValue(generation), options,
                line => Console.Error.WriteLine(line), ct);
            if (terminal) Console.Error.Write("\r" + new string(' ', 79) + "\r");
            if (unarchivedPaths.Count > 0)
            {
                Console.WriteLine($"{unarchivedPaths.Count} files were never archived (their data was only east){(options.IncludeUnarchived ? ", created empty" : ", not created")}:");
                foreach (var p in unarchivedPaths) Console.WriteLine($"  {p}");
            }
            Console.WriteLine(summary);
            return problems > 0 ? 1 : 0;
        });
        return cmd;
    }
}
