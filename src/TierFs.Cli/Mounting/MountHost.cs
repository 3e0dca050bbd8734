using System.Runtime.InteropServices;
using TierFs.Cli.Tiering;
using TierFs.Common;
using TierFs.Daemon;
using TierFs.Index;
using TierFs.Remote;
using TierFs.Scan;
using TierFs.Tiering.Config;
using TierFs.Tiering.Control;
using TierFs.Tiering.Engine;
using TierFs.FileSystem;
using TierFs.Fuse;

namespace TierFs.Cli.Mounting;

/// <summary>
/// Serves one mount in this process until it is unmounted or signalled: open the backing
/// directory (before mounting, so in-place works), mount, run the FUSE loop, clean up.
/// </summary>
public sealed class MountHost(MountSettings settings)
{
    private const string Source = "mount";
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Called once the mount answers requests (the daemon child reports READY here).</summary>
    public Action? Ready { get; set; }

    public int Run() => RunAsync().GetAwaiter().GetResult();

    private static void CheckRemote(IRemoteStore remote)
    {
        try
        {
            remote.CheckAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60)).GetAwaiter().GetResult();
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

    private async Task<int> RunAsync()
    {
        Preflight.Check(settings);
        var stateDir = settings.ResolvedStateDir;
        var backing = Path.GetFullPath(settings.Backing);
        var mountPoint = Path.GetFullPath(settings.MountPoint);
        // A daemon must not pin the filesystem it was started from.
        Directory.SetCurrentDirectory("/");
        Directory.CreateDirectory(stateDir);
        var logFile = Path.Combine(stateDir, "tierfs.log");
        Log.AddFile(logFile);

        // The configuration and the remote tier are checked before anything is mounted.
        var config = settings.ConfigFile is { } file ? ConfigLoader.Load(file) : new TierFsConfig();
        if (config.Remote is { Type: RemoteType.Directory, Path: null })
            DefaultArchive.Prepare(RemoteFromConfig.DefaultArchive(stateDir)); // the embedded default: root-only
        await using var remote = RemoteStore.Create(RemoteFromConfig.Options(config.Remote, stateDir));
        CheckRemote(remote);

        using var index = TierIndex.Open(Path.Combine(stateDir, "index.db"));
        var rootFd = OverlayFileSystem.OpenBacking(backing);
        // Disposed explicitly once the FUSE loop is over (its last changes applied), before the overlay.
        using var keeper = new IndexKeeper(index, rootFd);
        var networkBacking = TierFs.Posix.BackingFsType.IsNetwork(rootFd);
        var defaultTimeout = MountSettings.DefaultTimeout(settings.InPlace, networkBacking);
        var gate = new EngineGate();
        using var fs = new OverlayFileSystem(rootFd, new OverlayOptions
        {
            AttrTimeout = settings.AttrTimeout ?? defaultTimeout,
            EntryTimeout = settings.EntryTimeout ?? defaultTimeout,
            NegativeTimeout = settings.NegativeTimeout,
            KeepCache = settings.KeepCache,
            FlushOnClose = settings.FlushOnClose ?? networkBacking,
            MaxNodeDescriptors = (int)settings.MaxInodeFds,
        }, gate, keeper);
        var fuseOptions = new FuseMountOptions
        {
            FsName = backing,
            Subtype = "tierfs",
            ReadOnly = settings.ReadOnly,
            Debug = settings.FuseDebug,
            PosixAcl = settings.PosixAcl,
            MaxThreads = settings.Threads,
            MaxIdleThreads = settings.IdleThreads,
            ReadAheadKb = settings.ReadAheadKb,
            Want = FuseCapabilities.SpliceWrite | FuseCapabilities.SpliceMove | FuseCapabilities.FlockLocks |
                   FuseCapabilities.ReaddirPlus | FuseCapabilities.ReaddirPlusAuto | FuseCapabilities.ParallelDirops |
                   FuseCapabilities.AsyncRead | FuseCapabilities.AtomicOTrunc | FuseCapabilities.AsyncDio |
                   FuseCapabilities.AutoInvalData,
            // The kernel clears set-id bits on write itself; we write as root and would not.
            Unwant = FuseCapabilities.HandleKillpriv | FuseCapabilities.WritebackCache,
        };
        fuseOptions.ExtraOptions.AddRange(settings.KernelOptions);

        using var session = new FuseSession(fs, fuseOptions, (op, e) => Log.Error("fuse", $"{op} failed", e));
        var journal = new IndexJournal(index, keeper);
        var mountView = new MountView(fs, session);
        using var engine = new TierEngine(rootFd, config, remote, mountView, journal);
        gate.Engine = engine;
        using var daemon = new TieringDaemon(config, index, new IndexPlanner(index, config.Schedule), new TreeScanner(keeper),
            new EngineMover(engine, mountView), new BackingUsage(rootFd));
        // Before mounting: a socket that cannot be made mounts nothing.
        using var control = ControlServer.Start(RuntimeFiles.SocketPath(mountPoint), new MountCommands(engine, daemon));
        using var background = new CancellationTokenSource();
        var deleter = new RemoteDeleter(remote, journal, TimeSpan.FromSeconds(settings.DeleteIntervalSeconds)).RunAsync(background.Token);
        session.Mount(mountPoint);
        Log.Info(Source, $"mounted {backing} on {mountPoint}{(settings.InPlace ? " (in place)" : "")}, state in {stateDir}");

        var loopResult = 0;
        var loop = new Thread(() => loopResult = session.Run()) { Name = "fuse-loop" };
        loop.Start();

        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => Stop(c, session, "SIGTERM"));
        using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => Stop(c, session, "SIGINT"));
        using var hup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, c => { c.Cancel = true; Log.Info(Source, "SIGHUP ignored"); });

        if (!WaitUntilServing(mountPoint, loop))
        {
            Log.Error(Source, $"the mount on {mountPoint} did not answer within {ReadyTimeout.TotalSeconds:0}s; unmounting");
            session.Stop();
            loop.Join();
            throw new CommandException($"the mount on {mountPoint} did not become ready (see {logFile})");
        }
        RuntimeFiles.Write(new MountRecord(Environment.ProcessId, backing, mountPoint, stateDir, logFile));
        if (settings.RunDaemon) daemon.Start();
        Ready?.Invoke();
        keeper.ScanIfEmpty();

        loop.Join();
        control.Dispose(); // no more commands; running ones are cancelled
        daemon.Dispose(); // the run under way is cancelled; its files stay as they are
        keeper.Dispose();
        background.Cancel();
        try { await deleter.ConfigureAwait(false); } catch (OperationCanceledException) { }
        RuntimeFiles.Remove(mountPoint);
        Log.Info(Source, $"unmounted {mountPoint} (loop ended with {loopResult})");
        return 0;
    }

    private static void Stop(PosixSignalContext c, FuseSession session, string why)
    {
        c.Cancel = true;
        Log.Info(Source, $"{why}: unmounting");
        session.Stop();
    }

    // A stat of the mountpoint completes only once the kernel's INIT was answered and the root served.
    private static bool WaitUntilServing(string mountPoint, Thread loop)
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
