using System.Runtime.InteropServices;
using System.Text;

namespace TierFs.Fuse;

/// <summary>
/// One FUSE mount served by an <see cref="IFuseFileSystem"/>: mount, run the multi-threaded loop,
/// stop from any thread, tell the kernel to drop cached data or names.
/// </summary>
public sealed unsafe class FuseSession : IDisposable
{
    private readonly FuseMountOptions _options;
    private GCHandle _target;
    private IntPtr _session;
    private string? _mountPoint;
    private int _stopping;
    private int _ending;

    /// <param name="notices">Where the layers under <paramref name="fs"/> send their notices to the kernel: bound to this session.</param>
    /// <param name="backing">Where <paramref name="fs"/> registers backing files for passthrough (with <see cref="FuseMountOptions.Passthrough"/>): bound to this session.</param>
    public FuseSession(IFuseFileSystem fs, FuseMountOptions options, Action<string, Exception>? onError = null, KernelNotices? notices = null,
        KernelBacking? backing = null)
    {
        NativeAbi.Verify();
        _options = options;
        _target = GCHandle.Alloc(new FuseCallbacks.Target(fs, onError ?? ((_, _) => { })));
        var ops = FuseCallbacks.Table();
        var native = options.ToNative();
        var args = options.ToArguments();
        var err = stackalloc byte[512];
        var argv = new IntPtr[args.Length];
        try
        {
            for (var i = 0; i < args.Length; i++) argv[i] = Marshal.StringToCoTaskMemUTF8(args[i]);
            fixed (IntPtr* pargv = argv)
                _session = NativeMethods.SessionNew(args.Length, (byte**)pargv, &ops, GCHandle.ToIntPtr(_target), &native, err, 512);
        }
        finally
        {
            foreach (var p in argv) Marshal.FreeCoTaskMem(p);
        }
        if (_session == IntPtr.Zero)
        {
            _target.Free();
            throw new FuseException(Marshal.PtrToStringUTF8((IntPtr)err) ?? "fuse_session_new failed");
        }
        notices?.Bind(this);
        backing?.Bind(this);
    }

    /// <summary>Whether the INIT handshake agreed to FUSE passthrough.</summary>
    public bool PassthroughReady => _session != IntPtr.Zero && NativeMethods.PassthroughReady(_session) != 0;

    internal int BackingOpen(int fd) => _session == IntPtr.Zero ? -Posix.Errno.EBADF : NativeMethods.BackingOpen(_session, fd);

    internal int BackingClose(int backingId) => _session == IntPtr.Zero ? 0 : NativeMethods.BackingClose(_session, backingId);

    public string? MountPoint => _mountPoint;

    /// <summary>The mount's device (major, minor), known once mounted.</summary>
    public (uint Major, uint Minor) Device { get; private set; }

    public void Mount(string mountPoint)
    {
        var full = Path.GetFullPath(mountPoint);
        if (NativeMethods.SessionMount(_session, full) != 0)
            throw new FuseException($"cannot mount on {full} (libfuse said why on stderr)");
        _mountPoint = full;
        var info = MountTable.At(full);
        if (info is not null)
        {
            Device = (info.Major, info.Minor);
            if (_options.ReadAheadKb > 0) RaiseReadAhead(info.Major, info.Minor, _options.ReadAheadKb);
        }
    }

    // The kernel caps FUSE read-ahead at its default (128 KiB) whatever INIT asked for; the bdi knob lifts it.
    private static void RaiseReadAhead(uint major, uint minor, uint kb)
    {
        try { File.WriteAllText($"/sys/class/bdi/{major}:{minor}/read_ahead_kb", kb.ToString()); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>Serves requests on the calling thread (plus workers) until unmounted or stopped.</summary>
    public int Run()
    {
        // The loop ends only once every handler has returned, so a handler that waits (a blocking
        // flock) must hear that the session is ending, however it ends: watch from outside the loop.
        // No spinning before each wait (the default): the watch wakes 10 times a second for the mount's life.
        using var done = new ManualResetEventSlim(false, spinCount: 0);
        var watcher = new Thread(() =>
        {
            while (!done.Wait(100))
            {
                if (NativeMethods.SessionExited(_session) == 0) continue;
                NotifyEnding();
                return;
            }
        }) { IsBackground = true, Name = "fuse-watch" };
        watcher.Start();
        try
        {
            return NativeMethods.SessionLoop(_session, _options.MaxThreads, _options.MaxIdleThreads, _options.CloneFd ? 1 : 0);
        }
        finally
        {
            done.Set();
            watcher.Join();
            NotifyEnding();
        }
    }

    private void NotifyEnding()
    {
        if (Interlocked.Exchange(ref _ending, 1) != 0 || !_target.IsAllocated) return;
        var target = (FuseCallbacks.Target)_target.Target!;
        try { target.Fs.SessionEnding(); }
        catch (Exception e)
        {
            try { target.OnError("session-ending", e); } catch { /* logging must not take the mount down */ }
        }
    }

    /// <summary>
    /// Ends the loop from any thread: unmount; if something holds the mount busy, detach it and
    /// abort the connection so that no request waits on a daemon that is going away.
    /// </summary>
    public void Stop()
    {
        if (Interlocked.Exchange(ref _stopping, 1) != 0 || _mountPoint is null) return;
        NativeMethods.SessionExit(_session);
        if (MountControl.Unmount(_mountPoint, 0) != 0)
            MountControl.Unmount(_mountPoint, MountControl.MntForce | MountControl.MntDetach);
        NotifyEnding();
    }

    /// <summary>Requests taken with <see cref="LaterReply.Take"/> and not answered yet.</summary>
    public long WaitingReplies => _session == IntPtr.Zero ? 0 : (long)NativeMethods.SessionDeferred(_session);

    /// <summary>Drops the kernel's cached attributes and data (from <paramref name="offset"/>, 0 length = all).</summary>
    public int InvalidateInode(ulong ino, long offset = 0, long length = 0) =>
        NativeMethods.NotifyInvalInode(_session, ino, offset, length);

    /// <summary>Drops the kernel's cached name <paramref name="name"/> under <paramref name="parent"/>.</summary>
    public int InvalidateEntry(ulong parent, string name)
    {
        var bytes = Encoding.UTF8.GetBytes(name + "\0");
        fixed (byte* p = bytes) return NativeMethods.NotifyInvalEntry(_session, parent, p, (ulong)bytes.Length - 1);
    }

    public void Dispose()
    {
        if (_session != IntPtr.Zero)
        {
            NativeMethods.SessionDestroy(_session);
            _session = IntPtr.Zero;
        }
        if (_target.IsAllocated) _target.Free();
    }
}
