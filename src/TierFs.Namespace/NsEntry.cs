using TierFs.Records;

namespace TierFs.Namespace;

/// <summary>One user.* extended attribute of an entry.</summary>
public sealed record NsXattr(string Name, byte[] Value);

/// <summary>
/// One entry of a published namespace: a directory, file, symlink or other node of the east tree,
/// named by its parent's id and its own name (never by path: a renamed directory is one changed
/// entry), with what `ls -l` and a recall need. Ids are the east index's entry ids: stable across
/// renames, never reused. Hard links are several entries with the same <see cref="Ino"/>.
/// </summary>
public sealed record NsEntry
{
    public const char TypeFile = 'f';
    public const char TypeDir = 'd';
    public const char TypeSymlink = 'l';
    public const char TypeOther = 'o';

    public required long Id { get; init; }
    /// <summary>0 for the root (whose name is empty).</summary>
    public required long ParentId { get; init; }
    public required string Name { get; init; }
    public required char Type { get; init; }
    /// <summary>st_mode, type bits included.</summary>
    public long Mode { get; init; }
    public long Uid { get; init; }
    public long Gid { get; init; }
    public long Size { get; init; }
    public long Nlink { get; init; }
    /// <summary>The east inode number: entries sharing it are hard links of one file.</summary>
    public long Ino { get; init; }
    public long AtimeNs { get; init; }
    public long MtimeNs { get; init; }
    public long CtimeNs { get; init; }
    /// <summary>A symlink's target; null for everything else.</summary>
    public string? Target { get; init; }
    public IReadOnlyList<NsXattr> Xattrs { get; init; } = [];
    public TierState State { get; init; }
    /// <summary>
    /// The file's stub record as the engine wrote it (object key, digests, part size, remote), when
    /// its data is in the remote tier (archived, released, lost); null otherwise.
    /// </summary>
    public StubRecord? Record { get; init; }

    /// <summary>The data of this file can be read from the remote tier as it is now east.</summary>
    public bool DataIsRemote => Type == TypeFile && Record is { HasArchive: true } && State is TierState.Archived or TierState.Released or TierState.Lost;

    /// <summary>Same attributes (what a delta would send again); xattrs and record compared by value.</summary>
    public bool SameAs(NsEntry other) =>
        this with { Xattrs = [], Record = null } == other with { Xattrs = [], Record = null } &&
        Xattrs.Count == other.Xattrs.Count &&
        Xattrs.Zip(other.Xattrs).All(p => p.First.Name == p.Second.Name && p.First.Value.AsSpan().SequenceEqual(p.Second.Value)) &&
        Record == other.Record;
}
