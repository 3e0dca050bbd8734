using System.Runtime.InteropServices;
using TierFs.Common;
using TierFs.Fuse;
using TierFs.Host.Adapters;
using TierFs.Namespace;
using TierFs.Remote;
using TierFs.Tiering.Config;
using TierFs.West;

namespace TierFs.Host;

/// <summary>
/// Serves `tierfs mount --remote` in this process until unmounted or signalled: the pair's
/// namespace loaded from the remote tier (the latest generation, or the one pinned), a read-only
/// FUSE mount of it, data read through the part cache in the state directory, and, unless pinned,
/// the follower that swaps in each new generation.
/// </summary>
public sealed class WestMountHost(MountSettings settings)
{
    private const string Source = "west";
    private const string CacheDirectory = "west-cache";
    /// <summary>
    /// Verified parts held in memory (never more than cache_size): room for a sequential reader's
    /// part and its read-ahead (4 parts of 16 MiB by default) besides another reader's.
    /// </summary>
    private const long MemoryCache = 128L << 20;

    public Action? Ready { get; set; }

    public int Run() => RunAsync().GetAwaiter().GetResult();

    private async Task<int> RunAsync()
    {
        StartingUmask.NotZero();
        var config = Preflight.CheckRemoteView(settings);
        var pair = config.Pair!.Name;
        var stateDir = settings.ResolvedStateDir;
        var mountPoint = Path.GetFullPath(settings.MountPoint);
        Directory.SetCurrentDirectory("/");
        var logFile = Path.Combine(stateDir, "tierfs.log");
        try
        {
            StateDirectory.EnsureRootDirectory(stateDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, "the state directory");
            Log.AddFile(logFile, settings.LogMaxBytes, settings.LogFiles);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CommandException($"cannot use the state directory {stateDir}: {e.Message}");
        }
        CrashReport.LogFile = logFile;
        if (config.LogLevel is { } level) Log.Level = level;

        await using var remote = RemoteFromConfig.Create(config.Remote, stateDir, settings.ConfigFile);
        var reader = new NamespaceReader(remote, pair, stateDir);
        var (tree, chain) = await LoadAsync(reader, remote, pair).ConfigureAwait(false);
        var numbers = new InodeNumbers();
        var view = WestView.Build(tree, numbers);
        GenerationFollower.WarnRefused(view);
        using var cache = new PartCache(Path.Combine(stateDir, CacheDirectory), config.West.CacheSize, Math.Min(config.West.CacheSize, MemoryCache));
        var fs = new WestFileSystem(view, remote, cache, new WestOptions
        {
            AttrTimeout = settings.AttrTimeout ?? 1.0,
            EntryTimeout = settings.EntryTimeout ?? 1.0,
            ReadAheadParts = config.West.ReadAhead,
        });
        var fuseOptions = new FuseMountOptions
        {
            // The CLI tells a west mount from an east one by this (TierPathResolver.WestSourcePrefix).
            FsName = $"tierfs-west:{pair}@{remote.Description}",
            Subtype = "tierfs",
            ReadOnly = true,
            Debug = settings.FuseDebug,
            PosixAcl = false, // the namespace carries user.* xattrs only, no ACLs: the mode bits decide
            MaxThreads = settings.Threads,
            MaxIdleThreads = settings.IdleThreads,
            ReadAheadKb = settings.ReadAheadKb,
            Want = FuseCapabilities.ReaddirPlus | FuseCapabilities.ReaddirPlusAuto | FuseCapabilities.ParallelDirops | FuseCapabilities.AsyncRead,
            Unwant = FuseCapabilities.WritebackCache,
        };
        // What the remote tier says cannot make a set-id program or a device here.
        fuseOptions.ExtraOptions.AddRange(["nosuid", "nodev"]);
        fuseOptions.ExtraOptions.AddRange(settings.KernelOptions.Except(["nosuid", "nodev"]));

        using var session = new FuseSession(fs, fuseOptions, (op, e) => Log.Error("fuse", $"{op} failed", e));
        RuntimeFiles.PrepareDirectory();
        session.Mount(mountPoint);
        Log.Info(Source, $"mounted the pair '{pair}' of {remote.Description} on {mountPoint}: generation {tree.Generation} ({tree.Count} entries)" +
                         (settings.Generation is null ? $", following new ones every {Units.FormatDuration(config.West.Refresh)}" : " (pinned)") +
                         $", cache {Units.FormatSize(config.West.CacheSize)} in {Path.Combine(stateDir, CacheDirectory)} ({Units.FormatSize(cache.MemoryCapacity)} in memory)");

        var loopResult = 0;
        var loop = new Thread(() => loopResult = session.Run()) { Name = "fuse-loop" };
        loop.Start();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => MountHost.Stop(c, session, "SIGTERM"));
        using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => MountHost.Stop(c, session, "SIGINT"));
        using var hup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, c => { c.Cancel = true; Log.Reopen(); });

        if (!MountHost.WaitUntilServing(mountPoint, loop))
        {
            session.Stop();
            loop.Join();
            throw new CommandException($"the mount on {mountPoint} did not become ready (see {logFile})");
        }
        RuntimeFiles.Write(new MountRecord(Environment.ProcessId, $"remote:{pair}", mountPoint, stateDir, logFile));
        using var stop = new CancellationTokenSource();
        var following = settings.Generation is null
            ? new GenerationFollower(reader, fs, numbers, new SessionKernelCache(session), config.West.Refresh, chain).RunAsync(stop.Token)
            : Task.CompletedTask;
        Ready?.Invoke();

        loop.Join();
        await stop.CancelAsync().ConfigureAwait(false);
        await following.ConfigureAwait(false);
        RuntimeFiles.Remove(mountPoint);
        Log.Info(Source, $"unmounted {mountPoint} (loop ended with {loopResult})");
        return 0;
    }

    // The generation to serve, and the objects it was loaded from (the pointer's chain, when it is the latest).
    private async Task<(NamespaceTree Tree, IReadOnlyList<GenerationRef> Chain)> LoadAsync(NamespaceReader reader, IRemoteStore remote, string pair)
    {
        NamespaceTree? tree = null;
        NamespacePointer? pointer;
        try
        {
            pointer = await reader.ReadPointerAsync(CancellationToken.None).ConfigureAwait(false);
            if (pointer is not null) tree = await reader.LoadAsync(pointer, settings.Generation, CancellationToken.None).ConfigureAwait(false);
        }
        catch (NamespaceNotFoundException e) { throw new UsageException(e.Message); }
        catch (NamespaceFormatException e) { throw new CommandException($"the namespace of the pair '{pair}' in {remote.Description} cannot be read: {e.Message}"); }
        catch (RemoteCredentialsException e) { throw new ConfigException(e.Message); }
        catch (RemoteException e) { throw new CommandException($"remote tier: {e.Message}"); }
        if (tree is null) throw new UsageException($"the pair '{pair}' has no namespace in {remote.Description} (was `tierfs sync` ever run on its master side?)");
        if (tree.Root is not { Type: NsEntry.TypeDir })
            throw new CommandException($"the namespace of the pair '{pair}' in {remote.Description} cannot be read: generation {tree.Generation} has no root directory");
        return (tree, tree.Generation == pointer!.Generation ? pointer.Chain : []);
    }
}
