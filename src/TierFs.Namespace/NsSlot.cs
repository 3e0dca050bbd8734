namespace TierFs.Namespace;

/// <summary>
/// The fixed fields of one entry of a <see cref="NamespaceTree"/>, held in one array (80 bytes an
/// entry, no object of its own): what stat needs, and the place of the entry's bytes (name, target,
/// xattrs, record: <see cref="EntryBytes"/>) in the tree's arena. Mode, uid, gid and nlink take 32
/// bits; an entry whose values do not fit (only a crafted namespace) is held whole aside (<see cref="Wide"/>).
/// </summary>
internal struct NsSlot
{
    public const byte Alive = 1;
    public const byte HasTarget = 2;
    public const byte HasXattrs = 4;
    public const byte HasRecord = 8;
    /// <summary>The narrow fields do not hold the entry's values: the tree holds the entry whole aside.</summary>
    public const byte Wide = 16;
    public const byte DataIsRemote = 32;
    /// <summary>Put since the tree was last indexed (only while it is being indexed).</summary>
    public const byte Touched = 64;

    public long ParentId;
    public long Ino;
    public long Size;
    public long AtimeNs;
    public long MtimeNs;
    public long CtimeNs;
    /// <summary>Where the entry's bytes start in the arena.</summary>
    public long Bytes;
    public uint Mode;
    public uint Uid;
    public uint Gid;
    public uint Nlink;
    public byte Type;
    public byte State;
    public byte Bits;

    public readonly bool Is(byte bit) => (Bits & bit) != 0;
}
