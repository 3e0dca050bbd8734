using System.Collections.Concurrent;
using TierFs.Common;
using TierFs.Fuse;
using TierFs.Namespace;
using TierFs.Posix;
using TierFs.Remote;

namespace TierFs.West;

// Opens and reads: an archived file's object is read part by part, each part verified against the
// record the namespace carries before a byte of it is served; anything else is an errno and a log line.
public sealed partial class WestFileSystem
{
    private const int OAccMode = 3;
    private const int OTrunc = 0x200;
    /// <summary>A read starting this close to where the last one ended counts as sequential (the kernel's reads may arrive out of order).</summary>
    private const long SequentialSlack = 4L << 20;

    private readonly ConcurrentDictionary<ulong, OpenFile?> _files = new();
    /// <summary>
    /// Verified readers by object and digest: an object is never rewritten under its key, so its
    /// manifest, once verified, stands for the next open too (one GET fewer per open). Bounded.
    /// </summary>
    private readonly ConcurrentDictionary<(string Key, string Blake3, long Size, long PartSize), VerifiedReader> _readers = new();
    private const int MaxReaders = 4096;

    public int Open(in FuseContext ctx, ulong ino, ref FuseFileInfo fi)
    {
        if ((fi.Flags & OAccMode) != 0 || (fi.Flags & OTrunc) != 0) return -Errno.EROFS;
        var view = View;
        var slot = view.SlotOf(ino);
        if (slot < 0) return -Errno.ENOENT;
        var e = view.Node(slot).ToEntry();
        if (e.Type == NsEntry.TypeDir) return -Errno.EISDIR;
        var path = view.PathOf(slot);
        OpenFile? file = null;
        if (e.Size > 0 || e.DataIsRemote)
        {
            var res = OpenData(e, path, out file);
            if (res != 0) return res;
        }
        // An empty file has no data to be wrong about: it opens whatever its state east.
        var h = NewHandle();
        _files[h] = file;
        fi.Fh = h;
        // A node's data changes only with a new generation, which drops the node's pages itself.
        fi.Bits |= FuseFileInfoBits.KeepCache;
        return 0;
    }

    private int OpenData(NsEntry e, string path, out OpenFile? file)
    {
        file = null;
        if (!e.DataIsRemote)
        {
            Log.Warn(Source, $"{path}: open refused (ENODATA): its data is only east ({e.State}{(e.Record is null ? ", never archived" : "")}); generation {View.Generation}");
            return -WestOptions.EastOnlyErrno;
        }
        var record = e.Record!;
        if (record.Blake3 is not { } blake3 || record.PartSize <= 0 || record.Size != e.Size)
        {
            Log.Error(Source, $"{path}: EIO: its record cannot be verified part by part (no BLAKE3 digest or part size, or a size other than the file's)");
            return -Errno.EIO;
        }
        try
        {
            if (!_readers.TryGetValue((record.ObjectKey!, blake3, record.Size, record.PartSize), out var reader))
            {
                var digest = new ObjectDigest(record.Size, record.PartSize, blake3, record.Crc32C);
                reader = VerifiedReader.OpenAsync(remote, record.ObjectKey!, digest, CancellationToken.None).GetAwaiter().GetResult();
                if (reader is null)
                {
                    Log.Error(Source, $"{path}: EIO: the part manifest of {record.ObjectKey} is missing from {remote.Description}");
                    return -Errno.EIO;
                }
                if (_readers.Count >= MaxReaders) _readers.Clear();
                _readers[(record.ObjectKey!, blake3, record.Size, record.PartSize)] = reader;
            }
            file = new OpenFile(e, path, reader);
            return 0;
        }
        catch (Exception x) when (x is RemoteException or ArgumentException or IOException)
        {
            Log.Error(Source, $"{path}: EIO: {x.Message}");
            return -Errno.EIO;
        }
    }

    public int Read(in FuseContext ctx, ulong ino, in FuseFileInfo fi, long offset, Span<byte> buffer, ref FuseReadReply reply)
    {
        if (!_files.TryGetValue(fi.Fh, out var file)) return -Errno.EBADF;
        if (file is null) return 0;
        var plan = file.Reader.Plan;
        if (offset >= plan.Length || buffer.Length == 0) return 0;
        var want = (int)Math.Min(buffer.Length, plan.Length - offset);
        var first = (int)(offset / plan.PartSize);
        var last = (int)((offset + want - 1) / plan.PartSize);
        // The parts this read needs start together; a sequential reader's next parts start behind them.
        // Never more ahead than the cache holds besides the part being read: prefetched parts would evict each other.
        var ahead = Math.Abs(offset - Volatile.Read(ref file.NextOffset)) <= SequentialSlack
            ? (int)Math.Min(options.ReadAheadParts, Math.Max(0, cache.Capacity / plan.PartSize - 1))
            : 0;
        for (var i = first; i <= Math.Min(last + ahead, plan.Count - 1); i++) cache.Prefetch(file.PartKey(i), SourceOf(file, i));
        var done = 0;
        try
        {
            for (var i = first; i <= last; i++)
            {
                using var part = cache.OpenAsync(file.PartKey(i), SourceOf(file, i), CancellationToken.None).GetAwaiter().GetResult();
                var from = offset + done - plan.OffsetOf(i);
                var n = (int)Math.Min(want - done, plan.LengthOf(i) - from);
                part.Read(buffer.Slice(done, n), from);
                done += n;
            }
        }
        catch (Exception x) when (x is RemoteException or IOException or OperationCanceledException)
        {
            buffer.Clear();
            Log.Error(Source, $"{file.Path}: read of bytes {offset}..{offset + want} failed (EIO): {x.Message}");
            return -Errno.EIO;
        }
        Volatile.Write(ref file.NextOffset, offset + done);
        return done;
    }

    // Part `index` of the file's object, verified before the cache takes it: into memory (a pooled
    // buffer the reads copy from), or into a cache file (written where it lands; not the recall's way:
    // a cached part is read back at once, from the page cache, and forcing it to disk would cost the reader).
    private static PartSource SourceOf(OpenFile file, int index) => new(
        file.Reader.Plan.LengthOf(index),
        (into, ct) => file.Reader.ReadPartAsync(index, into, ct),
        (target, ct) => file.Reader.ReadPartAsync(index, target, 0, ct));

    public int Release(in FuseContext ctx, ulong ino, in FuseFileInfo fi)
    {
        _files.TryRemove(fi.Fh, out _);
        return 0;
    }
}
