using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TierFs.Common;
using TierFs.Posix;
using TierFs.Fuse;

namespace TierFs.FileSystem;

/// <summary>
/// The passthrough overlay: every request is served from the backing directory through the
/// O_PATH descriptors of <see cref="InodeTable"/> and fd-relative calls, so the backing tree
/// can be the very directory mounted over (in-place mode). File handles are backing fds.
/// </summary>
public sealed unsafe partial class OverlayFileSystem : IFuseFileSystem, IDisposable
{
    private const string Source = "fs";

    private readonly OverlayOptions _options;
    private readonly IStubGate? _gate;
    private readonly InodeTable _table;

    /// <summary>A pointer to "" for the *at(fd, "", AT_EMPTY_PATH) calls (literal data never moves).</summary>
    internal static readonly byte* EmptyPath = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference("\0"u8));
    internal static readonly byte* DotPath = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(".\0"u8));
    private static readonly byte* DefaultAclName = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference("system.posix_acl_default\0"u8));

    // Set at INIT: the kernel leaves the caller's umask to us (FUSE_CAP_DONT_MASK, asked for with POSIX ACLs).
    private volatile bool _applyUmask;

    // Whether close(2) reaches the backing file (FUSE FLUSH); otherwise opens say "noflush".
    private readonly bool _flushOnClose;

    /// <param name="nodes">The mount's nodes, made by <see cref="OpenNodes"/> before anything that needs them (owned from here on).</param>
    /// <param name="gate">The tiering layer's answers on stubs; null for a plain passthrough mount.</param>
    /// <param name="observer">Told of every change to names and attributes (the index keeper); null: nobody.</param>
    /// <param name="backing">Where backing files are registered for FUSE passthrough; null: every read goes through the daemon.</param>
    public OverlayFileSystem(InodeTable nodes, OverlayOptions options, IStubGate? gate = null, INamespaceObserver? observer = null,
        KernelBacking? backing = null)
    {
        _options = options;
        _backing = backing;
        _gate = gate;
        _observer = observer;
        _table = nodes;
        var rootFd = nodes.RootFd;
        _flushOnClose = options.FlushOnClose ?? BackingFsType.IsNetwork(rootFd);
        Log.Info(Source, $"backing filesystem {BackingFsType.Describe(rootFd)}: close(2) {(_flushOnClose ? "is" : "is not")} passed through (FUSE flush)");
        observer?.Attach(_table);
    }

    /// <summary>
    /// The node table of a mount of the backing root <paramref name="rootFd"/> (an O_PATH descriptor
    /// opened before mounting; owned from here on), made first: the tiering layer sees the nodes
    /// (who has a file open) through it before the overlay exists. Raises the descriptor limit.
    /// </summary>
    /// <param name="maxNodeDescriptors">Most node descriptors kept open; 0: half the descriptor limit.</param>
    public static InodeTable OpenNodes(int rootFd, int maxNodeDescriptors)
    {
        StatX st;
        if (Libc.Statx(rootFd, EmptyPath, Libc.AT_EMPTY_PATH, StatX.BasicStats, &st) != 0)
            throw new IOException($"cannot stat the backing root: errno {Libc.Errno()}");
        if (!Attr.IsDir(st.Mode))
            throw new IOException("the backing root is not a directory");
        var limit = RaiseDescriptorLimit();
        DescriptorReserve.Refusing = WarnReserveKept;
        // Half the descriptors for inodes, the rest for open files and directories.
        var nodeFds = maxNodeDescriptors > 0 ? maxNodeDescriptors : (int)Math.Min(limit / 2, 1 << 22);
        Log.Info(Source, $"at most {nodeFds} inode descriptors open (or half the descriptor limit, if it is lowered later); past that, inodes are reopened by file handle");
        return new InodeTable(rootFd, st.Dev, st.Ino, st.Mode, nodeFds);
    }

    private static long _lastReserveWarning = long.MinValue / 2;

    /// <summary>One line per ten seconds at most: a full table of descriptors is a state, not an event per open.</summary>
    private static void WarnReserveKept(ulong limit)
    {
        var now = Environment.TickCount64;
        var last = Interlocked.Read(ref _lastReserveWarning);
        if (now - last < 10_000 || Interlocked.CompareExchange(ref _lastReserveWarning, now, last) != last) return;
        Log.Warn(Source, $"descriptor limit {limit} nearly reached: opens fail with EMFILE to keep the last {DescriptorReserve.Size} " +
            $"for the daemon's threads and sockets ({DescriptorReserve.Refused} refused so far); raise LimitNOFILE or close files");
    }

    /// <summary>
    /// Inodes the kernel knows keep a descriptor while they are in use, and every open file
    /// holds one, so a limit inherited from a login shell (often 1024) is far too low. Raise it
    /// to what the kernel allows (fs.nr_open); as root the hard limit may be raised too.
    /// Returns the limit now in force.
    /// </summary>
    private static ulong RaiseDescriptorLimit()
    {
        RLimit cur;
        if (Libc.GetRlimit(Libc.RLIMIT_NOFILE, &cur) != 0) return 1024;
        ulong want = 1 << 20;
        try { want = ulong.Parse(File.ReadAllText("/proc/sys/fs/nr_open").Trim(), System.Globalization.CultureInfo.InvariantCulture); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or OverflowException) { }
        if (cur.Cur >= want) return cur.Cur;
        var raised = new RLimit { Cur = want, Max = Math.Max(want, cur.Max) };
        if (Libc.SetRlimit(Libc.RLIMIT_NOFILE, &raised) != 0)
        {
            // Not allowed past the hard limit (no CAP_SYS_RESOURCE): go as far as it.
            raised = new RLimit { Cur = cur.Max, Max = cur.Max };
            if (cur.Cur >= cur.Max || Libc.SetRlimit(Libc.RLIMIT_NOFILE, &raised) != 0) raised = cur;
        }
        Log.Info(Source, $"descriptor limit {cur.Cur} -> {raised.Cur}");
        return raised.Cur;
    }

    /// <summary>Opens a backing directory the way the overlay needs it (call before mounting over it).</summary>
    public static int OpenBacking(string path)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = bytes)
        {
            var fd = Libc.OpenAt(Libc.AT_FDCWD, p, Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
            if (fd < 0) throw new IOException($"cannot open {path}: {Marshal.GetPInvokeErrorMessage(Libc.Errno())}");
            return fd;
        }
    }

    public InodeTable Inodes => _table;

    public void Init(in FuseConnectionInfo c)
    {
        _applyUmask = (c.Want & (uint)FuseCapabilities.DontMask) != 0;
        Log.Info(Source, $"FUSE {c.ProtoMajor}.{c.ProtoMinor} ready: max_write {c.MaxWrite}, max_readahead {c.MaxReadahead}, want 0x{c.Want:x}");
        Log.Info(Source, _backing is null ? "FUSE passthrough: off (no_passthrough); every read goes through the daemon"
            : c.Passthrough != 0 ? "FUSE passthrough: on; the kernel reads files opened read-only whose data is all local itself"
            : "FUSE passthrough: not offered by the kernel (it needs Linux 6.9+ and a daemon with CAP_SYS_ADMIN); every read goes through the daemon");
    }

    /// <summary>
    /// The mode to create a node with. Under FUSE_CAP_DONT_MASK the kernel passes the caller's
    /// umask unapplied, as a local filesystem with POSIX ACLs gets it: where the parent has a
    /// default ACL, that decides (the backing filesystem applies it); elsewhere the umask does.
    /// </summary>
    private uint CreationMode(in FuseContext ctx, int parentFd, uint mode)
    {
        var umask = ctx.Umask & 0x1FF;
        if (!_applyUmask || umask == 0) return mode;
        var path = stackalloc byte[ProcFd.BufferSize];
        var hasDefaultAcl = Libc.GetXattr(ProcFd.Format(parentFd, path), DefaultAclName, null, 0) >= 0;
        return hasDefaultAcl ? mode : mode & ~umask;
    }

    public void Dispose()
    {
        _dirs.Dispose();
        _table.Dispose();
    }

    private static int Fail() => -Libc.Errno();

    /// <summary>The node, or null when the kernel names one we do not know (cannot happen unless it misbehaves).</summary>
    private Inode Node(ulong nodeId) => _table.Get(nodeId) ?? throw new StaleNodeException(nodeId);

    /// <summary>The node's descriptor, pinned until disposed.</summary>
    private NodeFd Use(ulong nodeId) => _table.Use(Node(nodeId));

    private int StatNode(Inode node, ref FuseAttr attr)
    {
        StatX st;
        using var fd = _table.Use(node);
        if (Libc.Statx(fd.Fd, EmptyPath, Libc.AT_EMPTY_PATH | Libc.AT_SYMLINK_NOFOLLOW, StatX.BasicStats, &st) != 0) return Fail();
        Present(node, fd.Fd, st, ref attr);
        return 0;
    }

    /// <summary>Resolves a name to a node (adding a lookup) and fills the entry.</summary>
    private int LookupEntry(int parentFd, byte* name, ref FuseEntry entry)
    {
        StatX st;
        if (Libc.Statx(parentFd, name, Libc.AT_SYMLINK_NOFOLLOW, StatX.BasicStats, &st) != 0) return Fail();
        var node = _table.TryReference(st.Dev, st.Ino);
        if (node is null)
        {
            var fd = Libc.OpenAt(parentFd, name, Libc.O_PATH | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0);
            if (fd < 0) return Fail();
            // The name may have changed between the stat and the open: describe what we hold.
            if (Libc.Statx(fd, EmptyPath, Libc.AT_EMPTY_PATH | Libc.AT_SYMLINK_NOFOLLOW, StatX.BasicStats, &st) != 0)
            {
                var err = Fail();
                Libc.Close(fd);
                return err;
            }
            node = _table.Reference(fd, st.Dev, st.Ino, st.Mode);
        }
        FillEntry(node, st, ref entry);
        return 0;
    }

    /// <summary>The entry of a file we just opened (create): its node, without resolving the name again.</summary>
    private int EntryForOpenFile(int fd, ref FuseEntry entry)
    {
        StatX st;
        if (Libc.Statx(fd, EmptyPath, Libc.AT_EMPTY_PATH, StatX.BasicStats, &st) != 0) return Fail();
        var node = _table.TryReference(st.Dev, st.Ino);
        if (node is null)
        {
            var path = stackalloc byte[ProcFd.BufferSize];
            var pathFd = Libc.OpenAt(Libc.AT_FDCWD, ProcFd.Format(fd, path), Libc.O_PATH | Libc.O_CLOEXEC, 0);
            if (pathFd < 0) return Fail();
            node = _table.Reference(pathFd, st.Dev, st.Ino, st.Mode);
        }
        FillEntry(node, st, ref entry);
        return 0;
    }

    private void FillEntry(Inode node, in StatX st, ref FuseEntry entry)
    {
        entry.Ino = node.NodeId;
        entry.Generation = 0;
        entry.AttrTimeout = _options.AttrTimeout;
        entry.EntryTimeout = _options.EntryTimeout;
        Present(node, -1, st, ref entry.Attr);
    }

    /// <summary>
    /// The attributes the kernel sees: the backing file's, except what a tiered file shows from
    /// its record. <paramref name="fd"/> is the node's descriptor if the caller holds it, else -1.
    /// </summary>
    private void Present(Inode node, int fd, in StatX st, ref FuseAttr attr)
    {
        Attr.FromStatX(st, ref attr);
        if (_gate is null || !Attr.IsRegular(st.Mode)) return;
        node.MayBeTiered = _gate.MayBeTiered(st.Dev, st.Ino, st);
        if (!node.MayBeTiered) return;
        ShownAttributes? shown;
        if (fd >= 0) shown = _gate.Describe(fd, st);
        else
        {
            using var lease = _table.Use(node);
            shown = _gate.Describe(lease.Fd, st);
        }
        if (shown is not { } s) return;
        if (s.NoDataBlocks) attr.Blocks = 0;
        (attr.CtimeSec, attr.CtimeNsec) = Timespec.FromNs(s.CtimeNs);
        // Shown during a recall too: attributes cached then must not keep the recall's moving mtime.
        if (s.MtimeNs is { } mtime) (attr.MtimeSec, attr.MtimeNsec) = Timespec.FromNs(mtime);
    }
}

/// <summary>The kernel named a node id the table does not hold.</summary>
public sealed class StaleNodeException(ulong nodeId) : Exception($"unknown node id {nodeId}");
