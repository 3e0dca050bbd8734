using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using TierFs.FileSystem;
using TierFs.Index;
using TierFs.Index.Reading;
using TierFs.Posix;
using TierFs.Records;

namespace TierFs.Scan.Live;

/// <summary>
/// Applies one collection of changes told by the mount: each changed name is looked at again in
/// the backing tree (statx by its directory's descriptor and its name, symlinks not followed) and
/// compared with its row, as a scan would for that one name; each changed node is stat'ed again and
/// its rows (all its hard links) brought up to date. Only what differs is written: new rows, changed
/// attributes, renames (the row keeps its id and its subtree: one write), deletions.
/// What cannot be looked at (a directory not in the index, a node forgotten and unreachable) is left
/// for the next scan; nothing is written from a guess.
/// </summary>
internal sealed unsafe class LiveBatch : IDisposable
{
    private static readonly byte* EmptyPath = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference("\0"u8));
    private static readonly byte* DotPath = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(".\0"u8));

    private readonly TierIndex _index;
    private readonly EntryLookup _lookup;
    private readonly BatchView _view;
    private readonly INodeDescriptors? _nodes;
    private readonly int _rootFd;
    private readonly long _generation;
    private readonly List<NameChange> _work = [];
    private readonly HashSet<(FileKey, string)> _seen = [];
    /// <summary>Targets of the symlinks the mount made, told with this batch's names (whichever of a name's changes comes first).</summary>
    private readonly Dictionary<(FileKey, string), byte[]> _told = [];
    /// <summary>Descriptors of the directories looked in (owned, closed at the end); -1: unreachable.</summary>
    private readonly Dictionary<FileKey, int> _dirFds = [];
    private readonly HashSet<long> _missing = [];
    /// <summary>The directories' rows among <see cref="_missing"/>: rows below them go with them.</summary>
    private readonly List<EntryRow> _missingDirectories = [];
    /// <summary>Whether a directory is still in the tree after this batch (see <see cref="Survives"/>), once asked.</summary>
    private readonly Dictionary<long, bool> _directorySurvives = [];
    private readonly HashSet<long> _moved = [];
    /// <summary>Inodes whose rows are to be brought up to date, with their stat when this batch already took it.</summary>
    private readonly Dictionary<FileKey, StatX?> _refresh = [];

    public LiveBatch(TierIndex index, EntryLookup lookup, INodeDescriptors? nodes, int rootFd, long generation)
    {
        _index = index;
        _lookup = lookup;
        _view = new BatchView(index, lookup);
        _nodes = nodes;
        _rootFd = rootFd;
        _generation = generation;
    }

    /// <summary>Names and nodes left for the next scan (their directory or node could not be reached).</summary>
    public int Skipped { get; private set; }
    public int Writes => _view.Writes;

    /// <summary>Symlinks read back by this batch.</summary>
    public int LinksRead { get; private set; }

    /// <summary>
    /// Symlinks found by listing a directory and not told with their target: put off to the next batch,
    /// where the mount's own change (told a moment after the link was made) brings the target. Reading the
    /// link instead would move its atime; a link still untold then came from behind the mount and is read.
    /// </summary>
    public List<NameChange> Deferred { get; } = [];

    /// <summary>Queues the batch's writes (the caller flushes them).</summary>
    public void Apply(Changes changes)
    {
        _work.AddRange(changes.Names);
        foreach (var told in changes.Names)
            if (told.LinkTarget is { } t) _told.TryAdd((told.Parent, Encoding.UTF8.GetString(told.Name)), t);
        // In order: a directory made in this batch is in the view before the names made in it.
        for (var i = 0; i < _work.Count; i++) Name(_work[i]);
        foreach (var node in changes.Nodes)
        {
            var key = new FileKey(node.Dev, node.Ino);
            if (_refresh.TryGetValue(key, out var known) && known is not null) continue;
            _refresh[key] = StatNode(key);
        }
        // Stat'ed through the mount's node if the kernel holds it, else through one of their names.
        foreach (var key in changes.Keys) _refresh.TryAdd(key, null);
        // A file below a removed directory may have names elsewhere (hard links): their link count
        // dropped, whether or not this batch could look at the names removed inside (a directory
        // the kernel has forgotten cannot be opened once it is gone).
        // One query per removed directory whose parent stays (it covers the ones below it).
        foreach (var dir in _missingDirectories)
            if (_missing.Contains(dir.Id) && !_missing.Contains(dir.ParentId))
                foreach (var key in _lookup.LinkedFilesBelow(dir.Id))
                    _refresh.TryAdd(key, null);
        foreach (var (key, st) in _refresh) Refresh(key, st);
        // Last: a row renamed out of a deleted directory was moved above and survives.
        foreach (var id in _missing) _view.DeleteTree(id);
    }

    private void Name(NameChange change)
    {
        var name = Encoding.UTF8.GetString(change.Name);
        if (!_seen.Add((change.Parent, name))) return;
        var dir = DirectoryRow(change.Parent);
        var dirFd = dir is null ? -1 : DirFd(dir);
        if (dirFd < 0)
        {
            Skipped++;
            return;
        }
        StatX st;
        int err;
        fixed (byte* p = NullTerminated(change.Name))
        {
            err = Libc.Statx(dirFd, p, Libc.AT_SYMLINK_NOFOLLOW, StatX.BasicStats, &st) == 0 ? 0 : Libc.Errno();
            var old = _view.At(dir!.Id, name);
            if (err == Errno.ENOENT)
            {
                if (old is not null) Gone(old);
                return;
            }
            if (err != 0)
            {
                Skipped++;
                return;
            }
            Present(dir.Id, dirFd, p, name, change, st, old);
        }
    }

    /// <summary>The name holds a node now: the same as its row, another node, or a new one.</summary>
    private void Present(long dirId, int dirFd, byte* rawName, string name, NameChange change, StatX st, EntryRow? old)
    {
        var nameBytes = change.Name;
        var key = EntryStat.KeyOf(st);
        var type = EntryStat.TypeOf(st);
        if (type == EntryRow.TypeFile) KeepOwnRecord(dirFd, rawName, nameBytes.Length, key);
        if (old is not null && old.Key == key && old.Type == type)
        {
            var row = EntryStat.Row(old.Id, dirId, name, st, old.Target, _generation);
            if (!row.SameStat(old)) _view.Put(row, old);
            _refresh[key] = st;
            return;
        }
        if (old is not null)
        {
            // Another node took the name: park the old row (the place is unique) until the end
            // shows whether it moved elsewhere or is gone.
            _view.Put(old with { ParentId = -old.Id }, old);
            Gone(old);
        }
        var moved = Renamed(key, type, st, dirId, name);
        string? target = null;
        if (type == EntryRow.TypeSymlink)
        {
            // Reading a link moves its atime: a symlink made through the mount comes with its target, a moved
            // or hard-linked one has it in its rows (a link's target never changes); only one from behind the mount is read.
            if ((change.LinkTarget ?? _told.GetValueOrDefault((change.Parent, name))) is { } t && (ulong)t.Length == st.Size)
                target = Encoding.UTF8.GetString(t);
            else if (_view.RowsOf(key).FirstOrDefault(r => r.Type == type && r.Target is not null)?.Target is { } kept)
                target = kept;
            else if (change is { Listed: true, Deferred: false })
            {
                Deferred.Add(change with { Deferred = true });
                return;
            }
            else
            {
                target = ReadLink(dirFd, rawName, ref st);
                LinksRead++;
            }
        }
        if (moved is not null)
        {
            _view.Put(EntryStat.Row(moved.Id, dirId, name, st, target, _generation), moved);
            _moved.Add(moved.Id);
            _missing.Remove(moved.Id);
            // Its rows below came along; one level is checked against the listing, since a
            // removed directory's inode number may be reused by a new one (no rename at all).
            if (type == EntryRow.TypeDir) Verify(dirFd, nameBytes, key, moved.Id, isNew: false);
        }
        else
        {
            var id = _index.NewEntryId();
            _view.Put(EntryStat.Row(id, dirId, name, st, target, _generation), null);
            // A new directory may not be empty (made in this batch, or moved in from where the
            // index did not see it): its names are looked at too.
            if (type == EntryRow.TypeDir) Verify(dirFd, nameBytes, key, id, isNew: true);
        }
        _refresh[key] = st;
    }

    /// <summary>
    /// A file's name was told: the inode's tier row stays only if the file holds that record. Its
    /// number may be another file's by now: a stub deleted behind the mount leaves its rows, and a
    /// file made through the mount that gets the number, with the stub's size and mtime, would be
    /// given its record (then published to the west), and the scan, finding the stat its row has,
    /// would never read the file's xattr. Names with no row (most) cost one lookup; a row the engine
    /// writes meanwhile stays (only the row looked at is removed).
    /// </summary>
    private void KeepOwnRecord(int dirFd, byte* rawName, int nameLength, FileKey key)
    {
        if (_lookup.RecordIdOf(key) is not { } indexed) return;
        string? held;
        try
        {
            held = NativeEntry.ReadStubXattr(dirFd, rawName, nameLength) is { } value ? StubXattr.Decode(value).FileId : null;
        }
        catch (Exception e) when (e is IOException or CorruptStubException)
        {
            return; // never guessed at, as the scanner does
        }
        // Read by name: what was read is the inode's only if the name still holds it.
        if (held != indexed && NativeEntry.Stat(dirFd, rawName, out var now, out _) && EntryStat.KeyOf(now) == key)
            _index.RemoveRecord(key, indexed);
    }

    /// <summary>The row's name is gone (or taken): deleted at the end unless it turns up elsewhere; its other names change (nlink).</summary>
    private void Gone(EntryRow old)
    {
        if (!_moved.Contains(old.Id)) _missing.Add(old.Id);
        if (old.Type == EntryRow.TypeDir) _missingDirectories.Add(old);
        _refresh.TryAdd(old.Key, null);
    }

    /// <summary>
    /// A row of the same inode elsewhere, which the new name replaces: a rename. Only for
    /// directories and files with one link (a hard-linked file's new name may be a new link), as the scanner does.
    /// </summary>
    private EntryRow? Renamed(FileKey key, string type, in StatX st, long dirId, string name)
    {
        if (type != EntryRow.TypeDir && st.Nlink != 1) return null;
        foreach (var row in _view.RowsOf(key))
        {
            if (row.Type != type || row.Id == EntryRow.RootId || _moved.Contains(row.Id)) continue;
            if (row.ParentId == dirId && row.Name == name) continue;
            return row;
        }
        return null;
    }

    /// <summary>Brings every row of the inode to its current attributes (hard links share them).</summary>
    private void Refresh(FileKey key, StatX? known)
    {
        var rows = _view.RowsOf(key).Where(Survives).ToList();
        if (rows.Count == 0) return;
        var st = known ?? StatKey(key, rows);
        if (st is not { } s)
        {
            Skipped++;
            return;
        }
        foreach (var row in rows)
        {
            var now = EntryStat.Row(row.Id, row.ParentId, row.Name, s, row.Target, _generation);
            if (!now.SameStat(row)) _view.Put(now, row);
        }
    }

    /// <summary>The row stays after this batch: not parked, not gone, not below a directory that is gone.</summary>
    private bool Survives(EntryRow row)
    {
        if (row.ParentId < 0 || _missing.Contains(row.Id)) return false;
        return _missingDirectories.Count == 0 || row.Id == EntryRow.RootId || DirectorySurvives(row.ParentId);
    }

    /// <summary>Walks up from the directory <paramref name="id"/> until a gone one or the root; remembers the answer for every directory on the way.</summary>
    private bool DirectorySurvives(long id)
    {
        var walked = new List<long>();
        var survives = true;
        for (var depth = 0; depth < 4096 && id != EntryRow.RootId; depth++)
        {
            if (_directorySurvives.TryGetValue(id, out var known))
            {
                survives = known;
                break;
            }
            walked.Add(id);
            if (_missing.Contains(id) || _view.Row(id) is not { ParentId: >= 0 } parent)
            {
                survives = false;
                break;
            }
            id = parent.ParentId;
        }
        foreach (var w in walked) _directorySurvives[w] = survives;
        return survives;
    }

    /// <summary>The inode's attributes: through the mount's node if the kernel still holds it, else through one of its names.</summary>
    private StatX? StatKey(FileKey key, List<EntryRow> rows)
    {
        if (StatNode(key) is { } st) return st;
        foreach (var row in rows)
        {
            if (row.Id == EntryRow.RootId || _view.Row(row.ParentId) is not { } dir) continue;
            var dirFd = DirFd(dir);
            if (dirFd < 0) continue;
            StatX s;
            fixed (byte* p = NullTerminated(Encoding.UTF8.GetBytes(row.Name)))
                if (Libc.Statx(dirFd, p, Libc.AT_SYMLINK_NOFOLLOW, StatX.BasicStats, &s) != 0) continue;
            if (EntryStat.KeyOf(s) == key) return s;
        }
        return RootStat(key);
    }

    private StatX? StatNode(FileKey key)
    {
        var fd = _nodes?.Duplicate(key.Dev, key.Ino) ?? -1;
        if (fd < 0) return null;
        try
        {
            return FdStat(fd, key);
        }
        finally
        {
            Libc.Close(fd);
        }
    }

    private StatX? RootStat(FileKey key) => FdStat(_rootFd, key);

    private static StatX? FdStat(int fd, FileKey expected)
    {
        StatX st;
        if (Libc.Statx(fd, EmptyPath, Libc.AT_EMPTY_PATH | Libc.AT_SYMLINK_NOFOLLOW, StatX.BasicStats, &st) != 0) return null;
        return EntryStat.KeyOf(st) == expected ? st : null;
    }

    /// <summary>The directory row of an inode as this batch sees it; null when the index does not have it (yet).</summary>
    private EntryRow? DirectoryRow(FileKey key)
    {
        foreach (var row in _view.RowsOf(key))
            if (row.Type == EntryRow.TypeDir && row.ParentId >= 0 && !_missing.Contains(row.Id)) return row;
        return null;
    }

    /// <summary>
    /// A descriptor of the directory: the mount's node if the kernel holds it, else opened by its
    /// path as this batch sees it, and only if it is the same inode. -1 when neither works.
    /// </summary>
    private int DirFd(EntryRow dir)
    {
        if (_dirFds.TryGetValue(dir.Key, out var fd)) return fd;
        fd = dir.Id == EntryRow.RootId ? Libc.Dup(_rootFd) : -1;
        if (fd < 0 && _nodes is not null) fd = _nodes.Duplicate(dir.Key.Dev, dir.Key.Ino);
        if (fd < 0 && _view.PathOf(dir.Id) is { } path) fd = OpenVerified(_rootFd, Encoding.UTF8.GetBytes(path), dir.Key);
        _dirFds[dir.Key] = fd;
        return fd;
    }

    /// <summary>
    /// Compares a directory's listing with its rows: a name whose row holds another inode number
    /// (or has no row) is looked at like a changed name, a row whose name is not listed is gone.
    /// Names whose row has the listed inode number are not looked at (nor below them).
    /// </summary>
    private void Verify(int parentFd, byte[] name, FileKey key, long id, bool isNew)
    {
        var rows = isNew ? [] : _view.ChildrenOf(id).Where(r => r.ParentId == id).ToDictionary(r => r.Name, StringComparer.Ordinal);
        var fd = OpenVerified(parentFd, name, key);
        if (fd < 0) return;
        _dirFds[key] = fd;
        var listFd = Libc.OpenAt(fd, DotPath, Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC | Libc.O_NOATIME, 0);
        if (listFd < 0) return;
        var dir = Libc.FdOpenDir(listFd);
        if (dir == IntPtr.Zero)
        {
            Libc.Close(listFd);
            return;
        }
        try
        {
            Dirent64* ent;
            while ((ent = Libc.ReadDir(dir)) != null)
            {
                var entName = new ReadOnlySpan<byte>(ent->Name, 256);
                entName = entName[..entName.IndexOf((byte)0)];
                if (entName.SequenceEqual("."u8) || entName.SequenceEqual(".."u8)) continue;
                if (rows.Remove(Encoding.UTF8.GetString(entName), out var row) && row.Key.Ino == ent->Ino) continue;
                _work.Add(new NameChange(key, entName.ToArray(), Listed: true));
            }
        }
        finally
        {
            Libc.CloseDir(dir);
        }
        foreach (var gone in rows.Values) Gone(gone);
    }

    /// <summary>An O_PATH descriptor of <paramref name="path"/> below <paramref name="dirFd"/> if it is the directory <paramref name="key"/>; else -1.</summary>
    private static int OpenVerified(int dirFd, byte[] path, FileKey key)
    {
        int fd;
        fixed (byte* p = NullTerminated(path))
            fd = Libc.OpenAt(dirFd, p, Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0);
        if (fd < 0 || FdStat(fd, key) is not null) return fd;
        Libc.Close(fd);
        return -1;
    }

    /// <summary>A symlink's target; the link is stat'ed again after (reading it moved its atime), as the scanner does.</summary>
    private static string? ReadLink(int dirFd, byte* name, ref StatX st)
    {
        var target = NativeEntry.ReadLink(dirFd, name);
        if (NativeEntry.Stat(dirFd, name, out var after, out _) && after.Ino == st.Ino) st = after;
        return target;
    }

    private static byte[] NullTerminated(byte[] name)
    {
        var z = new byte[name.Length + 1];
        name.CopyTo(z, 0);
        return z;
    }

    public void Dispose()
    {
        foreach (var fd in _dirFds.Values)
            if (fd >= 0) Libc.Close(fd);
    }
}
