using System.Text;
using TierFs.Common;
using TierFs.Posix;
using TierFs.Tiering.Control;
using TierFs.Tiering.Movers;
using TierFs.Records;

namespace TierFs.Tiering.Engine;

// `tierfs state|archive|release|migrate|recall`: resolve paths, large files first, report per file.
public sealed partial class TierEngine : ITierCommands
{
    public async Task RunAsync(ControlRequest request, IControlSink sink, CancellationToken ct)
    {
        if (request.Op == TierOp.State)
        {
            await StateInOrderAsync(request, sink, ct).ConfigureAwait(false);
            return;
        }
        var files = new List<FoundFile>();
        foreach (var path in request.Paths) Collect(path, request.Recursive, files, sink);
        // Hard links: one inode is worked on once (two names migrated in parallel would race
        // each other's upload), and every name given gets that inode's result.
        var inodes = files.GroupBy(f => f.Key).Select(g => g.ToList()).ToList();
        // Large files first, so small ones are not stuck behind them at the end.
        inodes.Sort((a, b) => b[0].Size.CompareTo(a[0].Size));
        sink.Planned(files.Count, request.Op is TierOp.State or TierOp.Release or TierOp.Check ? 0 : inodes.Sum(g => g[0].Size));
        // The mount's one pool: the daemon's jobs share its workers, and this command gets the next one that comes free.
        await Movers.RunAsync(CommandName(request), SubmitterKind.Command, inodes,
            async (names, token) =>
            {
                var result = await OpenAndRunAsync(request, names[0], sink, token).ConfigureAwait(false);
                sink.Result(result);
                foreach (var other in names.Skip(1)) sink.Result(result with { Path = other.Path });
            }, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Opens a file found by <see cref="Collect"/> when its turn comes (a descriptor per file found would run
    /// the daemon out of descriptors on a tree of 100,000 files), and works on it if it is still that file.
    /// </summary>
    private async Task<FileResult> OpenAndRunAsync(ControlRequest request, FoundFile found, IControlSink sink, CancellationToken ct)
    {
        var fd = OpenUnderRoot(found.Path, out var error);
        if (fd < 0) return new FileResult(found.Path, false, null, error);
        var st = StubStore.Stat(fd);
        if ((st.Mode & Libc.S_IFMT) != Libc.S_IFREG || new FileKey(st.Dev, st.Ino) != found.Key)
        {
            Libc.Close(fd);
            return new FileResult(found.Path, false, null, "replaced by another file while the command ran");
        }
        using var f = new TierFile(found.Path, fd, found.Key, st);
        return await RunOneAsync(request, f, sink, ct).ConfigureAwait(false);
    }

    /// <summary>"tierfs migrate by pid=… uid=… comm=…", as `tierfs status` lists the pool's submissions.</summary>
    private static string CommandName(ControlRequest request) =>
        $"tierfs {ControlProtocol.OpName(request.Op)}{(request.Caller?.Description is { Length: > 0 } by ? $" by {by}" : "")}";

    /// <summary>
    /// `state` answers in the order the paths were given (a directory's files in walk order): it
    /// only reads (or flags) records, so there is nothing to gain from working on several at once.
    /// </summary>
    private async Task StateInOrderAsync(ControlRequest request, IControlSink sink, CancellationToken ct)
    {
        foreach (var path in request.Paths)
        {
            var files = new List<FoundFile>();
            Collect(path, request.Recursive, files, sink);
            foreach (var f in files)
            {
                ct.ThrowIfCancellationRequested();
                sink.Result(await OpenAndRunAsync(request, f, sink, ct).ConfigureAwait(false));
            }
        }
    }

    /// <param name="recallCause">Who a recall is accounted to when not the request's caller (the daemon's recall policy).</param>
    private async Task<FileResult> RunOneAsync(ControlRequest request, TierFile f, IControlSink sink, CancellationToken ct, RecallCause? recallCause = null)
    {
        var op = request.Op;
        // Seen by `tierfs state` and `tierfs status` while it lasts ("archiving 45%"; a recall shows itself).
        using var transfer = op is TierOp.Archive or TierOp.Migrate ? Transfers.Begin(f.Key, f.Path, "archiving", f.Size) : null;
        var progress = new Progress(f, sink, transfer);
        try
        {
            var error = op switch
            {
                TierOp.State when (request.SetFlags | request.ClearFlags) != TierFlags.None || request.Lost is not null =>
                    await SetFlagsAsync(f, request.SetFlags, request.ClearFlags, request.Lost, ct).ConfigureAwait(false),
                TierOp.State => null,
                TierOp.Archive => await ArchiveAsync(f, progress, ct).ConfigureAwait(false),
                TierOp.Release => await ReleaseAsync(f, ct).ConfigureAwait(false),
                TierOp.Migrate => await ArchiveAsync(f, progress, ct).ConfigureAwait(false) ?? await ReleaseAsync(f, ct).ConfigureAwait(false),
                TierOp.Recall => await RecallCommandAsync(f, progress, ct, recallCause ?? RecallCause.Of(request.Caller, RecallTrigger.Command)).ConfigureAwait(false),
                TierOp.Check => await CheckAsync(f, ct).ConfigureAwait(false),
                TierOp.Resolve => await ResolveAsync(f, request.Resolve, request.Force, RecallCause.Of(request.Caller, RecallTrigger.Resolve), progress, ct).ConfigureAwait(false),
                _ => "unknown operation",
            };
            var (described, note) = Describe(f);
            var state = op == TierOp.State && Transfers.For(f.Key) is { } moving ? $"{described} ({moving})" : described;
            return new FileResult(f.Path, error is null, state, error, note);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return new FileResult(f.Path, false, null, "cancelled");
        }
        catch (Exception e) when (e is IOException or CorruptStubException or Remote.RemoteException)
        {
            Log.Error(Source, $"{op} of {f.Path} failed", e);
            return new FileResult(f.Path, false, null, e.Message);
        }
    }

    private sealed class Progress(TierFile f, IControlSink sink, TransferRegistry.Handle? transfer) : IProgress<long>
    {
        public void Report(long done)
        {
            transfer?.Report(done);
            sink.Progress(f.Path, done, f.Size);
        }
    }

    /// <summary>Adds the regular files a path stands for; reports paths that cannot be worked on.</summary>
    private void Collect(string path, bool recursive, List<FoundFile> files, IControlSink sink)
    {
        var fd = OpenUnderRoot(path, out var error);
        if (fd < 0)
        {
            sink.Result(new FileResult(path, false, null, error));
            return;
        }
        var st = StubStore.Stat(fd);
        var type = st.Mode & Libc.S_IFMT;
        try
        {
            if (type == Libc.S_IFREG) files.Add(new FoundFile(path, new FileKey(st.Dev, st.Ino), (long)st.Size));
            else if (type != Libc.S_IFDIR) sink.Result(new FileResult(path, false, null, "not a regular file"));
            else if (!recursive) sink.Result(new FileResult(path, false, null, "is a directory (use -r)"));
            else Walk(fd, path, files, sink);
        }
        finally
        {
            Libc.Close(fd);
        }
    }

    /// <summary>Every regular file below a directory, depth first, never following symlinks.</summary>
    private unsafe void Walk(int dirFd, string dirPath, List<FoundFile> files, IControlSink sink)
    {
        var readFd = Libc.OpenAt(dirFd, Dot, Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
        if (readFd < 0)
        {
            sink.Result(new FileResult(dirPath, false, null, $"cannot read the directory: errno {Libc.Errno()}"));
            return;
        }
        var dir = Libc.FdOpenDir(readFd);
        if (dir == IntPtr.Zero)
        {
            Libc.Close(readFd);
            return;
        }
        var subdirs = new List<string>();
        try
        {
            Dirent64* d;
            while ((d = Libc.ReadDir(dir)) != null)
            {
                var name = d->Name;
                if (name[0] == '.' && (name[1] == 0 || (name[1] == '.' && name[2] == 0))) continue;
                var child = Path.Join(dirPath, Encoding.UTF8.GetString(System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpanFromNullTerminated(name)));
                var fd = Libc.OpenAt(readFd, name, Libc.O_PATH | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0);
                if (fd < 0) continue; // gone meanwhile
                var st = StubStore.Stat(fd);
                switch (st.Mode & Libc.S_IFMT)
                {
                    case Libc.S_IFREG:
                        files.Add(new FoundFile(child, new FileKey(st.Dev, st.Ino), (long)st.Size));
                        break;
                    case Libc.S_IFDIR:
                        subdirs.Add(child);
                        break;
                }
                Libc.Close(fd);
            }
        }
        finally
        {
            Libc.CloseDir(dir);
        }
        foreach (var sub in subdirs)
        {
            var fd = OpenUnderRoot(sub, out _);
            if (fd < 0) continue;
            try { Walk(fd, sub, files, sink); }
            finally { Libc.Close(fd); }
        }
    }

    private static readonly byte[] DotName = ".\0"u8.ToArray();
    private static unsafe byte* Dot => (byte*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref DotName[0]);

    /// <summary>
    /// Opens a path relative to the backing root (O_PATH), one component at a time and never
    /// following a symlink, so a path cannot lead outside the tree. Returns -1 with a reason.
    /// </summary>
    private unsafe int OpenUnderRoot(string path, out string error)
    {
        error = "";
        var fd = Libc.Dup(_rootFd);
        foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part is "." ) continue;
            if (part is "..")
            {
                Libc.Close(fd);
                error = "'..' is not allowed";
                return -1;
            }
            var bytes = Encoding.UTF8.GetBytes(part + "\0");
            int next;
            fixed (byte* p = bytes) next = Libc.OpenAt(fd, p, Libc.O_PATH | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0);
            var errno = Libc.Errno();
            Libc.Close(fd);
            if (next < 0)
            {
                error = errno == Errno.ENOENT ? "no such file or directory" : $"cannot open: {System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno)}";
                return -1;
            }
            fd = next;
        }
        return fd;
    }
}

/// <summary>A regular file a command found (by its path, or walking a directory): opened again when its turn comes.</summary>
internal sealed record FoundFile(string Path, FileKey Key, long Size);
