using System.Runtime.CompilerServices;
using System.Text;
using TierFs.Common;
using TierFs.Index;
using TierFs.Posix;
using TierFs.Records;

namespace TierFs.Scan;

internal sealed unsafe partial class ScanRun
{
    /// <summary>
    /// Reads one directory and compares each entry with the row the index has under this parent
    /// and name (one query for the whole directory, into <paramref name="old"/>): same inode and
    /// attributes, nothing to write.
    /// </summary>
    private void ReadDirectory(DirWork dir, DirRows old)
    {
        var fd = OpenDirectory(_rootDirFd, dir.Path);
        if (fd < 0)
        {
            var err = Libc.Errno();
            // Gone or replaced since its parent was read: the next scan sees what is there now.
            if (err is Errno.ENOENT or Errno.ENOTDIR) return;
            throw new IOException($"cannot read the directory: errno {err}");
        }
        var handle = Libc.FdOpenDir(fd);
        if (handle == IntPtr.Zero)
        {
            var err = Libc.Errno();
            Libc.Close(fd);
            throw new IOException($"cannot read the directory: errno {err}");
        }
        try
        {
            var self = FdStat.Of(fd);
            if (self.Dev != dir.Key.Dev || self.Ino != dir.Key.Ino) return; // replaced since its parent was read
            old.Clear();
            if (!dir.IsNew) _index.ChildStamps(dir.Id, old.Add);
            ReadEntries(dir, fd, handle, old);
            // Not seen here: deleted, unless another directory turns out to hold it (renamed).
            foreach (var gone in old.Untaken()) _moves.Missing(gone);
        }
        finally
        {
            Libc.CloseDir(handle);
        }
    }

    /// <summary>Every entry of the open directory; the counts are added once for the directory, not bumped per entry by every thread.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // per entry of a scan: optimized from its first call (see ScanRun)
    private void ReadEntries(DirWork dir, int fd, IntPtr handle, DirRows old)
    {
        var counts = new DirCounts();
        try
        {
            while (true)
            {
                // readdir's end and its failure differ only by errno (the import clears it before the call).
                var ent = Libc.ReadDir(handle);
                if (ent == null)
                {
                    var err = Libc.Errno();
                    if (err != 0) throw new IOException($"cannot list the directory: errno {err}");
                    return;
                }
                var name = ent->Name;
                if (name[0] == '.' && (name[1] == 0 || (name[1] == '.' && name[2] == 0))) continue;
                Entry(dir, fd, name, old, ref counts);
            }
        }
        finally
        {
            counts.AddTo(_counts);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // per entry of a scan: optimized from its first call (see ScanRun)
    private void Entry(DirWork dir, int fd, byte* rawName, DirRows old, ref DirCounts counts)
    {
        if (!NativeEntry.Stat(fd, rawName, out var st, out var errno))
        {
            if (errno == Errno.ENOENT) return; // removed since readdir: its old row, if any, stays in `old`
            throw new IOException($"cannot stat an entry: errno {errno}");
        }
        var nameLength = 0;
        while (rawName[nameLength] != 0) nameLength++;
        var rawSpan = new ReadOnlySpan<byte>(rawName, nameLength);
        var type = EntryStat.TypeOf(st);
        var key = EntryStat.KeyOf(st);
        counts.Entries++;
        if (type == EntryRow.TypeDir) counts.Directories++;

        long id;
        bool isNew;
        string? name = null;
        var found = old.TryTake(rawSpan, out var prev);
        if (found && prev.Key == key && prev.Type == type)
        {
            // The same node: write it only if an attribute changed.
            id = prev.Id;
            isNew = false;
            if (!EntryStat.Same(prev, st))
            {
                name = Encoding.UTF8.GetString(rawSpan);
                // A symlink's target never changes (a new target is a new inode): it is taken from
                // its row, not read again, which would move the link's atime.
                var target = type == EntryRow.TypeSymlink ? _index.GetEntry(prev.Id)?.Target ?? ReadLink(fd, rawName, ref st) : null;
                _index.PutEntry(EntryStat.Row(id, dir.Id, name, st, target, _generation));
                counts.Writes++;
                counts.Changed++;
                if (type == EntryRow.TypeFile) SyncTier(fd, rawName, nameLength, key, dir, name);
            }
        }
        else
        {
            // Another node took the name: park the old row (the name is unique) until the walk
            // shows whether it was renamed elsewhere or deleted.
            name = Encoding.UTF8.GetString(rawSpan);
            if (found) _moves.Missing(prev.Id, () => Park(prev.Id));
            var target = type == EntryRow.TypeSymlink ? ReadLink(fd, rawName, ref st) : null;
            var moved = FindRenamed(key, type, dir.Id, name, st, target);
            isNew = moved is null;
            id = moved ?? _index.NewEntryId();
            if (isNew)
            {
                _index.PutEntry(EntryStat.Row(id, dir.Id, name, st, target, _generation));
                counts.Writes++;
                counts.New++;
            }
            if (type == EntryRow.TypeFile) SyncTier(fd, rawName, nameLength, key, dir, name);
        }

        // A mountpoint is recorded, never entered.
        if (type == EntryRow.TypeDir && st.Dev == _rootDev) _queue.Add(new DirWork(id, dir.Child(name ?? Encoding.UTF8.GetString(rawSpan)), key, isNew));
    }

    /// <summary>Moves a row whose name another node took out of the way (the name is unique), as it was committed.</summary>
    private void Park(long id)
    {
        if (_index.GetEntry(id) is { } row) Put(row with { ParentId = -id });
    }

    /// <summary>
    /// A symlink's target. Reading it moves the link's atime, so the link is stat'ed again after:
    /// the row must hold what the next scan will see, or that scan finds it changed.
    /// </summary>
    private static string? ReadLink(int fd, byte* rawName, ref StatX st)
    {
        var target = NativeEntry.ReadLink(fd, rawName);
        if (NativeEntry.Stat(fd, rawName, out var after, out _) && after.Ino == st.Ino) st = after;
        return target;
    }

    /// <summary>
    /// A new name whose inode the index already has elsewhere: a rename. Its row moves here
    /// (a directory keeps its subtree). Only for inodes with one name: a hard-linked file's new
    /// name may be a new link, so it counts as new.
    /// </summary>
    private long? FindRenamed(FileKey key, string type, long parentId, string name, in StatX st, string? target)
    {
        if (_indexWasEmpty || (type != EntryRow.TypeDir && st.Nlink != 1)) return null;
        foreach (var candidate in _index.EntriesOf(key))
        {
            if (candidate.Type != type || (candidate.ParentId == parentId && candidate.Name == name)) continue;
            var row = EntryStat.Row(candidate.Id, parentId, name, st, target, _generation);
            if (_moves.TryClaim(candidate.Id, () => Put(row)))
            {
                Count(ref _counts.Renamed);
                return candidate.Id;
            }
        }
        return null;
    }

    /// <summary>
    /// Copies a new or changed file's stub record into the tier table. The record is read only
    /// then: setting an xattr moves the ctime, so an unchanged file has an unchanged record.
    /// </summary>
    private void SyncTier(int fd, byte* rawName, int nameLength, FileKey key, DirWork dir, string name)
    {
        byte[]? value;
        try
        {
            value = NativeEntry.ReadStubXattr(fd, rawName, nameLength);
        }
        catch (IOException e)
        {
            Interlocked.Increment(ref _counts.Errors);
            Log.Warn(Source, $"{dir.Child(name)}: {e.Message}");
            return;
        }
        if (value is null)
        {
            if (_tierWasEmpty) return;
            _index.Remove(key);
            Interlocked.Increment(ref _counts.Writes);
            return;
        }
        try
        {
            _index.Upsert(new TierRow { Key = key, Record = StubXattr.Decode(value), Path = dir.Child(name) });
            Interlocked.Increment(ref _counts.TierRecords);
            Interlocked.Increment(ref _counts.Writes);
        }
        catch (CorruptStubException e)
        {
            // Never guessed at: the tier row stays as it was, the file is reported.
            Interlocked.Increment(ref _counts.Errors);
            Log.Warn(Source, $"{dir.Child(name)}: {e.Message}");
        }
    }
}
