using System.CommandLine;
using TierFs.Cli.Mounting;
using TierFs.Host;
using TierFs.Common;

namespace TierFs.Cli.Commands;

public static class MountCommand
{
    public static Command Create()
    {
        var backing = new Argument<string>("BACKING") { Description = "The existing directory tree to serve (the local tier)." };
        var mountPoint = new Argument<string?>("MOUNTPOINT") { Description = "Where to mount it; the same path as BACKING mounts in place. With --remote the one argument is the MOUNTPOINT.", Arity = ArgumentArity.ZeroOrOne };
        var remoteView = new Option<bool>("--remote") { Description = "Mount the pair's namespace published in the remote tier (--config's remote and pair), read-only: tierfs mount --remote --config west.yaml MOUNTPOINT. Follows new generations every west.refresh." };
        var generation = new Option<long?>("--generation") { Description = "With --remote: serve this generation (a point in time) and do not follow newer ones." };
        var foreground = new Option<bool>("--foreground", "-f") { Description = "Stay attached and log to stderr too (for systemd and debugging)." };
        var options = new Option<string[]>("--options", "-o")
        {
            Description = "Comma-separated mount options (repeatable; also valid in fstab): " + MountSettings.OptionsHelp,
            AllowMultipleArgumentsPerToken = false,
        };
        var config = new Option<string?>("--config", "-c") { Description = "The YAML configuration: remote tier, pair, policies, schedule (see README). Default: $TIERFS_CONFIG if set, else /etc/tierfs/tierfs.yaml if it exists, else the embedded directory archive in the state directory, no policies." };
        var stateDir = new Option<string?>("--state-dir") { Description = "TierFs's own state (log, index, the embedded archive). Default: /var/lib/tierfs/NAME, NAME from the mountpoint." };
        var attrTimeout = new Option<double?>("--attr-timeout") { Description = "Seconds the kernel caches attributes (default 60 in place on a local disk, else 1)." };
        var entryTimeout = new Option<double?>("--entry-timeout") { Description = "Seconds the kernel caches names (default as --attr-timeout)." };
        var negativeTimeout = new Option<double?>("--negative-timeout") { Description = "Seconds the kernel caches a missing name (default 0)." };
        var threads = new Option<uint?>("--threads") { Description = "Most FUSE worker threads (default 64)." };
        var readAhead = new Option<uint?>("--read-ahead-kb") { Description = "Kernel read-ahead for the mount in KiB (default 1024)." };
        var logLevel = EnumOption.Create("--log-level", "debug, info, warn or error (default info; also -o log_level=; the configuration's log_level wins when set).", LogLevel.Info);
        var noDaemon = new Option<bool>("--no-daemon") { Description = "Do not run the tiering daemon (periodic scans and policies); tierfs commands still work. Same as -o nodaemon." };
        var child = new Option<bool>(Daemonize.ChildFlag) { Hidden = true };

        var cmd = new Command("mount", "Mount BACKING on MOUNTPOINT through FUSE (or, with --remote, the pair's namespace in the remote tier, read-only). Returns once the mount is usable; the daemon keeps serving in the background until unmounted (tierfs umount, umount, fusermount3 -u, SIGTERM). " +
            "MOUNTPOINT must be empty (or -o nonempty), or the same path as BACKING (in place). tierfs reload MOUNTPOINT (or SIGHUP to the daemon) reads the configuration again.")
        {
            backing, mountPoint, remoteView, generation, foreground, options, config, stateDir, attrTimeout, entryTimeout, negativeTimeout, threads, readAhead, logLevel, noDaemon, child,
        };
        cmd.SetAction(parse =>
        {
            var remote = parse.GetValue(remoteView);
            // --remote takes one path, the MOUNTPOINT (parsed into the first argument's place).
            var (first, second) = (parse.GetValue(backing), parse.GetValue(mountPoint));
            if (remote && second is not null) throw new UsageException("mount --remote takes one path, the MOUNTPOINT (the tree is the remote tier's namespace, not a BACKING directory)");
            if (!remote && second is null) throw new UsageException("mount: MOUNTPOINT is missing (tierfs mount BACKING MOUNTPOINT, or tierfs mount --remote --config FILE MOUNTPOINT)");
            if (!remote && parse.GetValue(generation) is not null) throw new UsageException("mount: --generation goes with --remote");
            if (parse.GetValue(generation) is < 1) throw new UsageException("mount: --generation expects a generation number of 1 or more");
            foreach (var (what, value) in new[] { (remote ? "MOUNTPOINT" : "BACKING", first), ("MOUNTPOINT", remote ? first : second), ("--state-dir", parse.GetValue(stateDir) ?? "-"), ("--config", parse.GetValue(config) ?? "-") })
                if (string.IsNullOrEmpty(value)) throw new UsageException($"mount: {what} is empty");
            var settings = new MountSettings { Backing = first!, MountPoint = remote ? first! : second!, RemoteView = remote, Generation = parse.GetValue(generation) };
            foreach (var o in parse.GetValue(options) ?? []) settings.ApplyOptions(o);
            if (parse.GetValue(stateDir) is { } sd) settings.StateDir = sd;
            if (parse.GetValue(config) is { } cf) settings.ConfigFile = Path.GetFullPath(cf);
            if (parse.GetValue(attrTimeout) is { } at) settings.ApplyOptions($"attr_timeout={at.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
            if (parse.GetValue(entryTimeout) is { } et) settings.ApplyOptions($"entry_timeout={et.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
            if (parse.GetValue(negativeTimeout) is { } nt) settings.ApplyOptions($"negative_timeout={nt.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
            if (parse.GetValue(threads) is { } th) settings.ApplyOptions($"threads={th}");
            if (parse.GetValue(readAhead) is { } ra) settings.ApplyOptions($"read_ahead_kb={ra}");
            if (parse.GetValue(noDaemon)) settings.RunDaemon = false;
            if (remote && settings.AppliedOptions.FirstOrDefault(o => !MountSettings.WestOptions.Contains(o)) is { } eastOnly)
                throw new UsageException($"mount --remote: option {eastOnly} is for mounts of a local tree; a west mount takes {string.Join(", ", MountSettings.WestOptions.Order(StringComparer.Ordinal))}");
            settings.ConfigFile ??= DefaultConfig.Find();
            if (parse.GetResult(logLevel) is { Implicit: false } || settings.LogLevel is null) settings.LogLevel = parse.GetValue(logLevel);
            Log.Level = settings.LogLevel!.Value;

            if (!parse.GetValue(foreground))
            {
                // Check here too, so that bad input fails fast with the parent's own message;
                // warnings (a stale mount cleared) go to the admin's terminal.
                Log.ToStderr();
                if (remote)
                {
                    Preflight.CheckRemoteView(settings);
                    return Daemonize.StartDetached(Program.Arguments);
                }
                var config = Preflight.Check(settings);
                var status = Daemonize.StartDetached(Program.Arguments);
                // Only for a mount that is up: a refused one has its one line.
                if (status == 0) Preflight.Warn(settings, config);
                return status;
            }
            Log.ToStderr();
            if (parse.GetValue(child)) Daemonize.DetachFromTerminal();
            Action? ready = parse.GetValue(child) ? Daemonize.ReportReady : null;
            return remote ? new WestMountHost(settings) { Ready = ready }.Run() : new MountHost(settings) { Ready = ready }.Run();
        });
        return cmd;
    }
}
