using System.Runtime.InteropServices;

namespace TierFs.Posix;

/// <summary>
/// Runs a piece of work with a user's filesystem credentials (fsuid, fsgid, supplementary
/// groups) so that the kernel itself decides what that user may reach (mode bits, ACLs, search
/// permission on every directory). Only the calling thread changes: the raw system calls are
/// per thread, while glibc's setgroups wrapper would change every thread of the daemon. A
/// non-zero fsuid also drops the filesystem capabilities (CAP_DAC_OVERRIDE...) from the thread's
/// effective set; going back to fsuid 0 restores them. The work runs on a thread of its own that
/// ends with it, so no other code ever runs with the user's credentials.
/// </summary>
public static partial class ThreadCredentials
{
    private static readonly (long SetFsUid, long SetFsGid, long SetGroups, long GetGroups, long CapGet, long CapSet) Numbers =
        RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => (122, 123, 116, 115, 125, 126),
            Architecture.Arm64 => (151, 152, 159, 158, 90, 91),
            var other => throw new PlatformNotSupportedException($"no system call numbers for {other}"),
        };

    /// <summary>Runs <paramref name="work"/> as the user on a fresh thread and returns its result.</summary>
    public static T RunAs<T>(uint uid, uint gid, IReadOnlyList<uint> groups, Func<T> work)
    {
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try { result = RunHere(uid, gid, groups, work); }
            catch (Exception e) { failure = e; }
        }) { Name = "as-user", IsBackground = true };
        thread.Start();
        thread.Join();
        if (failure is not null) throw failure;
        return result;
    }

    private static unsafe T RunHere<T>(uint uid, uint gid, IReadOnlyList<uint> groups, Func<T> work)
    {
        var ownGroups = new uint[65536];
        long ownCount;
        fixed (uint* g = ownGroups) ownCount = Syscall(Numbers.GetGroups, ownGroups.Length, (long)g, 0);
        if (ownCount < 0) throw new IOException($"getgroups failed: errno {Marshal.GetLastPInvokeError()}");
        var ownGid = CurrentFsGid();
        try
        {
            // Groups first: they need CAP_SETGID, which a non-zero fsuid leaves in place anyway.
            SetGroups(groups);
            if (!TakeFs(uid, gid)) throw new IOException($"cannot take the filesystem credentials of uid {uid} gid {gid}");
            return work();
        }
        finally
        {
            var restored = TakeFs(0, ownGid);
            try { SetGroups(new ArraySegment<uint>(ownGroups, 0, (int)ownCount)); } catch (IOException) { restored = false; }
            if (!restored) Environment.FailFast("could not give up a user's filesystem credentials");
        }
    }

    /// <summary>This thread's fsgid (setfsgid with -1 changes nothing and returns the current one).</summary>
    private static uint CurrentFsGid() => (uint)Syscall(Numbers.SetFsGid, -1, 0, 0);

    /// <summary>
    /// Sets this thread's fsgid, then its fsuid; whether both took. setfsuid/setfsgid report no
    /// error: the current value (a call with -1) says it.
    /// </summary>
    private static bool TakeFs(uint uid, uint gid)
    {
        Syscall(Numbers.SetFsGid, gid, 0, 0);
        Syscall(Numbers.SetFsUid, uid, 0, 0);
        return (uint)Syscall(Numbers.SetFsUid, -1, 0, 0) == uid && CurrentFsGid() == gid;
    }

    /// <summary>This thread's capability sets (the two words of version 3), or an IOException.</summary>
    private static unsafe (CapData Low, CapData High) GetCaps()
    {
        var header = new CapHeader { Version = CapabilityVersion3 };
        var caps = stackalloc CapData[2];
        if (Syscall(Numbers.CapGet, (long)&header, (long)caps, 0) != 0)
            throw new IOException($"capget failed: errno {Marshal.GetLastPInvokeError()}");
        return (caps[0], caps[1]);
    }

    /// <summary>Sets this thread's capability sets; whether it took.</summary>
    private static unsafe bool SetCaps((CapData Low, CapData High) sets)
    {
        var header = new CapHeader { Version = CapabilityVersion3 };
        var caps = stackalloc CapData[2];
        (caps[0], caps[1]) = sets;
        return Syscall(Numbers.CapSet, (long)&header, (long)caps, 0) == 0;
    }

    private const uint CapabilityVersion3 = 0x20080522;

    /// <summary>
    /// Makes this thread create as a caller until disposed: its fsuid and fsgid become the caller's,
    /// so what the thread makes (a file, a directory, a node, a symlink) is the caller's from the
    /// start, in its group (or the set-gid parent's) and on its quota. Nothing is made as root and
    /// handed over by name afterwards, which a name swapped behind the mount could redirect to another
    /// file. The thread keeps its capabilities (raised again after setfsuid dropped them): the kernel
    /// has already checked the caller's permissions on the mount. The thread's umask is 0 meanwhile:
    /// the kernel applied the caller's to the mode (or the parent's default ACL instead), and a second
    /// one would take bits off. Hold it around one system call and read errno inside: disposing makes
    /// system calls of its own.
    /// </summary>
    public static CreatingAs Creating(uint uid, uint gid) => new(uid, gid);

    public readonly struct CreatingAs : IDisposable
    {
        private readonly bool _switched;
        private readonly uint _ownGid;
        private readonly (CapData, CapData) _caps;
        private readonly uint _umask;

        internal CreatingAs(uint uid, uint gid)
        {
            // The umask belongs to the threads sharing a filesystem context (cwd, root, umask), by
            // default every thread of the process: this thread takes a context of its own first (a
            // no-op when it has one already), so that no other thread, nor a child process another
            // thread starts meanwhile (an AWS credential_process), runs with umask 0.
            var switching = uid != 0 || gid != 0;
            if (switching)
            {
                _caps = GetCaps();
                _ownGid = CurrentFsGid();
            }
            if (Libc.Unshare(Libc.CLONE_FS) != 0)
                throw new IOException($"cannot give the thread a filesystem context of its own: errno {Marshal.GetLastPInvokeError()}");
            _umask = Libc.Umask(0); // from here on nothing throws without Dispose
            if (!switching) return;
            _switched = true;
            // The capabilities a non-zero fsuid dropped are set again from the ones held before.
            if (!TakeFs(uid, gid) || !SetCaps(_caps))
            {
                Dispose();
                throw new IOException($"cannot create as uid {uid} gid {gid}: errno {Marshal.GetLastPInvokeError()}");
            }
        }

        public void Dispose()
        {
            if (_switched && (!TakeFs(0, _ownGid) || !SetCaps(_caps)))
                Environment.FailFast("could not give up a caller's filesystem credentials");
            Libc.Umask(_umask);
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct CapHeader
    {
        public uint Version;
        public int Pid;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct CapData
    {
        public uint Effective, Permitted, Inheritable;
    }

    private static unsafe void SetGroups(IReadOnlyList<uint> groups)
    {
        var list = groups.ToArray();
        long rc;
        fixed (uint* g = list) rc = Syscall(Numbers.SetGroups, list.Length, (long)g, 0);
        if (rc != 0) throw new IOException($"setgroups failed: errno {Marshal.GetLastPInvokeError()}");
    }

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, long a1, long a2, long a3);
}
