using System.CommandLine;
using TierFs.Cli.Commands.Tier;
using TierFs.Host;
using TierFs.Tiering.Control;
using TierFs.Records;

namespace TierFs.Cli.Commands;

/// <summary>
/// `tierfs state|archive|release|migrate|recall [-r] PATH...`: ask the daemon of the mount
/// holding each path to report or change its tier state (over the mount's control socket).
/// </summary>
public static class TierCommands
{
    private const string Paths =
        "Paths under a TierFs mount, absolute or relative. A symlink named last is not followed (it is about the link).";

    public static IEnumerable<Command> Create() =>
    [
        Create(TierOp.State, "state",
            "Print each file's tier state as STATE[,flag...] PATH, in the order the paths were given. States: resident (never archived), archived (the remote copy equals the data), " +
            "dirty (archived, then changed), released (a stub: data only remote), lost (a stub whose remote copy was found missing by tierfs check), " +
            "mismatch (a stub changed behind the mount: see tierfs resolve); flags: noarchive, norelease; while an upload or a commanded recall is under way: " +
            "STATE (archiving 45%) PATH. Why a stub cannot be recalled is said on stderr. Never recalls data."),
        Create(TierOp.Archive, "archive",
            "Copy each file to the remote tier; the local data stays (state archived)."),
        Create(TierOp.Release, "release",
            "Drop the local data of archived files, leaving stubs (state released). A file that is not archived, or is in use, fails."),
        Create(TierOp.Migrate, "migrate",
            "Forward migration: archive, then release each file. Path, size, mode, owner and times stay; the first open brings the data back."),
        Create(TierOp.Recall, "recall",
            "Reverse migration: bring the data of released files back from the remote tier now, rather than at the first open."),
        Create(TierOp.Check, "check",
            "Ask the remote tier whether each archived file's remote copy is there (size, and the ETag it had at upload). " +
            "A stub whose copy is missing is marked lost; a lost stub whose copy is there again is released again; an archived file whose copy " +
            "is missing becomes dirty (the next archive uploads it again). Each file whose copy is not right fails with the reason."),
        Create(TierOp.Resolve, "resolve",
            "Make a stub that was changed behind the mount (state mismatch) one file again: --keep-local keeps the backing file as it is now " +
            "(the archive is dropped after the grace period), --keep-remote brings the archived data back and drops what was written behind the mount."),
    ];

    private static Command Create(TierOp op, string name, string description)
    {
        var paths = new Argument<string[]>("PATH") { Description = Paths, Arity = ArgumentArity.OneOrMore };
        // An unknown option would otherwise be taken for a path.
        paths.Validators.Add(result =>
        {
            foreach (var token in result.Tokens)
                if (token.Value.Length > 1 && token.Value[0] == '-')
                    result.AddError($"unknown option {token.Value} (for a file of that name write ./{token.Value})");
        });
        var recursive = new Option<bool>("--recursive", "-r")
        {
            Description = op == TierOp.State
                ? "Directories stand for every regular file below them; each is printed as the directory given followed by its path below it."
                : "Directories stand for every regular file below them (large files first).",
        };
        var cmd = new Command(name, description + Footer(op)) { paths, recursive };
        Option<string[]>? set = null, clear = null;
        if (op == TierOp.State)
        {
            set = new Option<string[]>("--set") { Description = "Set a flag on each file first: noarchive (never archived), norelease (never released), lost (mark a stub lost). Repeatable." };
            clear = new Option<string[]>("--clear") { Description = "Clear a flag on each file first (noarchive, norelease, lost: a lost stub is released again and its next open asks the remote tier). Repeatable." };
            cmd.Add(set);
            cmd.Add(clear);
        }
        Option<bool>? keepLocal = null, keepRemote = null, force = null;
        if (op == TierOp.Resolve)
        {
            keepLocal = new Option<bool>("--keep-local") { Description = "The backing file as it is now is the file; its archive is dropped (after the grace period)." };
            keepRemote = new Option<bool>("--keep-remote") { Description = "The archived data is the file; what was written behind the mount is dropped." };
            force = new Option<bool>("--force") { Description = "With --keep-remote: drop data written behind the mount too; with --keep-local: keep a file that holds no data (zeros). Without it both are refused." };
            cmd.Add(keepLocal);
            cmd.Add(keepRemote);
            cmd.Add(force);
        }
        Option<bool>? verbose = null;
        if (op != TierOp.State)
        {
            verbose = new Option<bool>("--verbose", "-v") { Description = "Print STATE PATH for each file done, as tierfs state does (failures are always printed)." };
            cmd.Add(verbose);
        }
        cmd.SetAction(async (parse, ct) =>
        {
            var setWords = set is null ? [] : parse.GetValue(set) ?? [];
            var clearWords = clear is null ? [] : parse.GetValue(clear) ?? [];
            bool? lost = setWords.Contains("lost") ? true : clearWords.Contains("lost") ? false : null;
            if (setWords.Contains("lost") && clearWords.Contains("lost")) throw new UsageException("--set lost and --clear lost together");
            var resolve = ResolveChoice.None;
            if (op == TierOp.Resolve)
            {
                var (local, remote) = (parse.GetValue(keepLocal!), parse.GetValue(keepRemote!));
                if (local == remote) throw new UsageException("resolve needs exactly one of --keep-local and --keep-remote");

                resolve = local ? ResolveChoice.KeepLocal : ResolveChoice.KeepRemote;
            }
            var view = ProgressView.For(op);
            var runner = new TierRunner(op, parse.GetValue(recursive), verbose is not null && parse.GetValue(verbose),
                new TierPathResolver(), RuntimeFiles.SocketPath, view)
            {
                SetFlags = ParseFlags(setWords.Where(w => w != "lost")),
                ClearFlags = ParseFlags(clearWords.Where(w => w != "lost")),
                Lost = lost,
                Resolve = resolve,
                Force = force is not null && parse.GetValue(force),
            };
            try
            {
                return await runner.RunAsync(parse.GetValue(paths)!, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                Console.Error.WriteLine("tierfs: interrupted; the mount cancels what was not finished");
                return 130;
            }
        });
        return cmd;
    }

    private static TierFlags ParseFlags(IEnumerable<string> words)
    {
        var flags = TierFlags.None;
        foreach (var w in words)
            flags |= w switch
            {
                "noarchive" => TierFlags.NoArchive,
                "norelease" => TierFlags.NoRelease,
                _ => throw new UsageException($"unknown flag '{w}' (noarchive, norelease or lost)"),
            };
        return flags;
    }

    private static string Footer(TierOp op) => op == TierOp.State
        ? " Exit status 1 if any path failed (one line each on stderr)."
        : " Quiet unless -v; each failure is one line on stderr, exit status 1. Progress: a bar on a terminal, else a line every few seconds. Ctrl-C cancels what is not done.";
}
