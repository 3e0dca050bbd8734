using System.Runtime.InteropServices;
using TierFs.Host.Adapters;
using TierFs.Common;
using TierFs.Daemon;
using TierFs.Daemon.Jobs;
using TierFs.Index;
using TierFs.Peer;
using TierFs.Remote;
using TierFs.Scan;
using TierFs.Tiering.Config;
using TierFs.Tiering.Control;
using TierFs.Tiering.Engine;
using TierFs.Tiering.Movers;
using TierFs.FileSystem;
using TierFs.Fuse;
using TierFs.Ops;
using TierFs.Ops.Alarms;
using TierFs.Ops.Metrics;
using TierFs.Ops.Verify;
using TierFs.Ops.Web;

namespace TierFs.Host;

/// <summary>
/// Serves one mount in this process until it is unmounted or signalled: open the backing
/// directory (before mounting, so in-place works), mount, run the FUSE loop, clean up.
/// </summary>
public sealed class MountHost(MountSettings settings)
{
    private const string Source = "mount";
    internal static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Called once the mount answers requests (the daemon child reports READY here).</summary>
    public Action? Ready { get; set; }

    public int Run() => RunAsync().GetAwaiter().GetResult();

    private static void CheckRemote(IRemoteStore remote)
    {
        try
        {
            remote.CheckAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60)).GetAwaiter().GetResult();
        }
        catch (RemoteCredentialsException e)
        {
            throw new ConfigException(e.Message); // a broken AWS profile is bad input, as a bad key in tierfs.yaml is
        }
        catch (RemoteException e)
        {
            throw new CommandException($"remote tier: {e.Message}");
        }
        catch (TimeoutException)
        {
            throw new CommandException($"remote tier {remote.Description} did not answer within 60 s");
        }
    }

    /// <summary>
    /// A tree is bound to its remote tier: when the index holds records of another remote (a
    /// remount without --config, a mistyped prefix), the mount is refused unless allow_foreign is
    /// given; those stubs then fail with EIO, naming both remotes, and are never marked lost.
    /// </summary>
    private void RefuseForeignStubs(TierIndex index, IRemoteStore remote, string stateDir)
    {
        var foreign = index.ForeignRemotes(remote.Identity);
        if (foreign.Count == 0) return;
        var what = string.Join(", ", foreign.Select(f => $"{f.Count} archived to {f.Remote}"));
        var message = $"the tree holds tiered files of another remote tier ({what}; the index in {stateDir} says so), " +
                      $"but this mount's remote tier is {remote.Identity}";
        if (!settings.AllowForeign)
            throw new CommandException($"{message}: was --config forgotten, or its prefix changed? Mount with -o allow_foreign to serve them anyway (their stubs fail with EIO)");
        Log.Warn(Source, $"{message}: mounted with allow_foreign; those stubs fail with EIO until the tree is mounted with their remote");
    }

    private static void WarnForeignStubs(TierIndex index, IRemoteStore remote)
    {
        foreach (var (other, count) in index.ForeignRemotes(remote.Identity))
            Log.Warn(Source, $"the tree holds {count} tiered files archived to the remote tier {other}, but this mount's remote tier is {remote.Identity}: " +
                             "their stubs fail with EIO (was --config forgotten, or its prefix changed?)");
    }

    private async Task<int> RunAsync()
    {
        StartingUmask.NotZero();
        // The configuration and the remote tier are checked before anything is mounted.
        var config = Preflight.Check(settings);
        var stateDir = settings.ResolvedStateDir;
        var backing = Path.GetFullPath(settings.Backing);
        var mountPoint = Path.GetFullPath(settings.MountPoint);
        // A daemon must not pin the filesystem it was started from.
        Directory.SetCurrentDirectory("/");
        var logFile = Path.Combine(stateDir, "tierfs.log");
        try
        {
            StateDirectory.Prepare(stateDir);
            Log.AddFile(logFile, settings.LogMaxBytes, settings.LogFiles);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CommandException($"cannot use the state directory {stateDir}: {e.Message}");
        }
        CrashReport.LogFile = logFile;

        var mountLogLevel = Log.Level;
        if (config.LogLevel is { } level) Log.Level = level;
        if (config.Remote is { Type: RemoteType.Directory, Path: null })
            DefaultArchive.Prepare(RemoteFromConfig.DefaultArchive(stateDir)); // the embedded default: root-only
        await using var remote = new ReloadableRemote(RemoteFromConfig.Create(config.Remote, stateDir, settings.ConfigFile));
        CheckRemote(remote);
        // What a reload replaces, as a whole: the engine and the daemon read it from here.
        var configs = new ConfigHolder(config);

        var rootFd = OverlayFileSystem.OpenBacking(backing);
        using var treeLock = BackingLock.Take(rootFd, backing, mountPoint);
        using var index = TierIndex.Open(Path.Combine(stateDir, StateDirectory.IndexFile), new IndexOptions { NodeName = config.Node.Name });
        RefuseForeignStubs(index, remote, stateDir);
        // Disposed explicitly once the FUSE loop is over (its last changes applied), before the overlay.
        using var keeper = new IndexKeeper(index, rootFd);
        var networkBacking = TierFs.Posix.BackingFsType.IsNetwork(rootFd);
        var defaultTimeout = MountSettings.DefaultTimeout(settings.InPlace, networkBacking);
        // Built in the order they need each other, none half-made: the nodes and the kernel's
        // notices first (the engine sees who has a file open through them), then the engine, the
        // overlay that asks it about stubs, and the session that serves the overlay.
        var nodes = OverlayFileSystem.OpenNodes(rootFd, (int)settings.MaxInodeFds); // the overlay owns it
        var kernel = new KernelNotices();
        var kernelBacking = new KernelBacking();
        var mountView = new MountView(nodes, kernel);
        // The metrics count what the engine journals, as it journals it.
        var metrics = new TierMetrics();
        var journal = new MeteredJournal(new IndexJournal(index, keeper), metrics);
        // The mount's one pool of movers: commands and the daemon's jobs share it (schedule.workers, following reloads).
        var movers = new MoverPool(configs);
        using var engine = new TierEngine(rootFd, configs, remote, mountView, journal, movers);
        using var fs = new OverlayFileSystem(nodes, new OverlayOptions
        {
            AttrTimeout = settings.AttrTimeout ?? defaultTimeout,
            EntryTimeout = settings.EntryTimeout ?? defaultTimeout,
            NegativeTimeout = settings.NegativeTimeout,
            KeepCache = settings.KeepCache,
            FlushOnClose = settings.FlushOnClose ?? networkBacking,
        }, new EngineGate(engine), keeper, settings.Passthrough ? kernelBacking : null);
        var fuseOptions = new FuseMountOptions
        {
            FsName = backing,
            Subtype = "tierfs",
            ReadOnly = settings.ReadOnly,
            Passthrough = settings.Passthrough,
            Debug = settings.FuseDebug,
            PosixAcl = settings.PosixAcl,
            MaxThreads = settings.Threads,
            MaxIdleThreads = settings.IdleThreads,
            ReadAheadKb = settings.ReadAheadKb,
            Want = FuseCapabilities.SpliceWrite | FuseCapabilities.SpliceMove |
                   FuseCapabilities.ReaddirPlus | FuseCapabilities.ReaddirPlusAuto | FuseCapabilities.ParallelDirops |
                   FuseCapabilities.AsyncRead | FuseCapabilities.AtomicOTrunc | FuseCapabilities.AsyncDio |
                   FuseCapabilities.AutoInvalData,
            // The kernel clears set-id bits on write itself; we write as root and would not.
            // flock(2) stays the kernel's, as POSIX locks do: FUSE would tell us of a closed file's
            // last close only after close(2) returned (its lock outliving it), and a signal could not
            // end a wait for a lock that we held in our own flock(2).
            Unwant = FuseCapabilities.HandleKillpriv | FuseCapabilities.WritebackCache | FuseCapabilities.FlockLocks,
        };
        fuseOptions.ExtraOptions.AddRange(settings.KernelOptions);

        using var session = new FuseSession(fs, fuseOptions, (op, e) => Log.Error("fuse", $"{op} failed", e), kernel, kernelBacking);
        var usage = new BackingUsage(rootFd);
        // Jobs and claims name this daemon as the operation log names this node, with its process.
        var jobs = new SqliteJobStore(index, owner: $"{config.Node.Name}:{Environment.ProcessId}");
        using var daemon = new TieringDaemon(configs, jobs, new IndexPlanner(index, jobs, () => configs.Current.Schedule, remote.Identity), new TreeScanner(keeper),
            new EngineMover(engine, mountView), usage, movers: movers)
        {
            ReadOnly = settings.ReadOnly,
            Transfers = engine.Transfers,
            OpLog = journal.Log, // a job's start and end, beside its files' entries
            Recalls = engine.RecallQueue,
        };
        var reloader = new ConfigReloader(settings.ConfigFile, stateDir, configs, remote, mountLogLevel);
        using var notifier = new AlarmNotifier(configs, mountPoint);
        var alarms = new AlarmBook(index, notifier);
        var verifier = new Verifier(index, engine, remote, configs, alarms, journal);
        using var verifySchedule = new VerifySchedule(verifier, configs);
        // Before mounting: a listener or a socket that cannot be made mounts nothing.
        // The other management node of the pair: each serves its log to the other and pulls the other's.
        await using var peerLink = config.Peer is { } peer
            ? await PeerLink.StartAsync(new PeerLinkOptions(config.Node.Listen!, peer.Url, peer.Secret, peer.CaFile, config.Node.TlsCertificate, config.Node.TlsKey), index).ConfigureAwait(false)
            : null;
        await using var web = config.MetricsListen is { } listen
            ? await StartWebAsync(listen, new OpsView(mountPoint, index, daemon, engine, usage, peerLink?.State), metrics, index).ConfigureAwait(false)
            : null;
        RuntimeFiles.PrepareDirectory();
        // Metadata sync: `tierfs sync`, and on a pair's master side a publication every meta_sync.interval.
        var metaSync = new MetaSyncService(configs, index, remote, take => keeper.Quiesced(take), new BackingXattrs(rootFd), stateDir);
        // Users must reach the mountpoint to ask about files under it: resolved now, before it is mounted over.
        var aboveMount = MountAncestors.Of(mountPoint);
        using var callers = new CallerGate(rootFd, aboveMount, new MountCommands(engine, daemon, new OpsCommands(verifier, alarms), reloader, settings.ReadOnly, index.Flush,
            peerLink is null ? null : () => peerLink.State.Snapshot(), metaSync));
        using var control = ControlServer.Start(RuntimeFiles.SocketPath(mountPoint), callers);
        using var background = new CancellationTokenSource();
        var deleter = new RemoteDeleter(remote, journal, TimeSpan.FromSeconds(settings.DeleteIntervalSeconds)).RunAsync(background.Token);
        using var syncStop = new CancellationTokenSource();
        var publishing = settings.RunDaemon ? metaSync.RunAsync(syncStop.Token) : Task.CompletedTask;
        session.Mount(mountPoint);
        Log.Info(Source, $"mounted {backing} on {mountPoint}{(settings.InPlace ? " (in place)" : "")}, state in {stateDir}");

        var loopResult = 0;
        var loop = new Thread(() => loopResult = session.Run()) { Name = "fuse-loop" };
        loop.Start();

        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => Stop(c, session, "SIGTERM"));
        using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => Stop(c, session, "SIGINT"));
        using var hup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, c => Reload(c, reloader));

        if (!WaitUntilServing(mountPoint, loop))
        {
            Log.Error(Source, $"the mount on {mountPoint} did not answer within {ReadyTimeout.TotalSeconds:0}s; unmounting");
            session.Stop();
            loop.Join();
            throw new CommandException($"the mount on {mountPoint} did not become ready (see {logFile})");
        }
        // A new index knew no records when the mount checked: the first scan finds them. Started
        // before the mount's record is written: a `tierfs scan` (which finds the mount by that
        // record) waits for this scan instead of walking the tree again after it.
        keeper.ScanIfEmpty(() => WarnForeignStubs(index, remote));
        RuntimeFiles.Write(new MountRecord(Environment.ProcessId, backing, mountPoint, stateDir, logFile));
        if (settings.RunDaemon)
        {
            daemon.Start();
            verifySchedule.Start();
        }
        Ready?.Invoke();
        // Once serving: into the log (and on stderr with --foreground); `tierfs mount` printed it on the terminal already.
        Preflight.Warn(settings, config);

        loop.Join();
        control.Dispose(); // no more commands; running ones are cancelled
        daemon.Dispose(); // the run under way is cancelled; its files stay as they are
        verifySchedule.Dispose();
        syncStop.Cancel(); // a publication under way stops before its pointer: the remote keeps the generation before
        await publishing.ConfigureAwait(false);
        keeper.Dispose();
        background.Cancel();
        try { await deleter.ConfigureAwait(false); } catch (OperationCanceledException) { }

        RuntimeFiles.Remove(mountPoint);
        Log.Info(Source, $"unmounted {mountPoint} (loop ended with {loopResult})");
        return 0;
    }

    private static async Task<OpsWebServer> StartWebAsync(string listen, OpsView view, TierMetrics metrics, TierIndex index)
    {
        try { return await OpsWebServer.StartAsync(listen, view, metrics, index).ConfigureAwait(false); }
        catch (IOException e) { throw new CommandException(e.Message); }
    }

    // SIGHUP: the log files reopened (after logrotate), the configuration read again (the reloader logs what it did).
    private static void Reload(PosixSignalContext c, ConfigReloader reloader)
    {
        c.Cancel = true;
        Log.Reopen();
        Log.Info(Source, "SIGHUP: log reopened; reading the configuration again");
        _ = Task.Run(async () =>
        {
            try { await reloader.ReloadAsync(CancellationToken.None).ConfigureAwait(false); }
            catch (Exception e) { Log.Error(Source, "the reload on SIGHUP failed", e); }
        });
    }

    internal static void Stop(PosixSignalContext c, FuseSession session, string why)
    {
        c.Cancel = true;
        Log.Info(Source, $"{why}: unmounting");
        session.Stop();
    }

    // A stat of the mountpoint completes only once the kernel's INIT was answered and the root served.
    internal static bool WaitUntilServing(string mountPoint, Thread loop)
    {
        var probe = Task.Run(() => Directory.Exists(mountPoint));
        var deadline = DateTime.UtcNow + ReadyTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (probe.Wait(TimeSpan.FromMilliseconds(50))) return probe.Result;
            if (!loop.IsAlive) return false;
        }
        return false;
    }
}
