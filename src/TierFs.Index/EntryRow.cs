using TierFs.Records;
namespace TierFs.Index;

/// <summary>
/// One row of the <c>entries</c> table: a file, directory, symlink or other node of the backing
/// tree, as its last scan saw it. Times are ns since the epoch (statx gives ns; a whole-second
/// column would call a file touched twice in one second unchanged, and costs only 2-3 bytes less).
/// </summary>
public sealed record EntryRow
{
    public const string TypeFile = "f";
    public const string TypeDir = "d";
    public const string TypeSymlink = "l";
    public const string TypeOther = "o";

    /// <summary>The type a node's st_mode gives it (the type bits, S_IFMT).</summary>
    public static string TypeOfMode(long mode) => (mode & 0xF000) switch
    {
        0x8000 => TypeFile,
        0x4000 => TypeDir,
        0xA000 => TypeSymlink,
        _ => TypeOther,
    };

    /// <summary>The root of the tree is always this id; its parent is 0 and its name empty.</summary>
    public const long RootId = 1;

    public required long Id { get; init; }
    /// <summary>The directory holding it; rows parked during a scan have a negative parent.</summary>
    public required long ParentId { get; init; }
    public required string Name { get; init; }
    public required string Type { get; init; }
    public required FileKey Key { get; init; }
    public long Nlink { get; init; }
    /// <summary>st_mode, type bits included.</summary>
    public long Mode { get; init; }
    public long Uid { get; init; }
    public long Gid { get; init; }
    public long Size { get; init; }
    public long Blocks { get; init; }
    public long AtimeNs { get; init; }
    public long MtimeNs { get; init; }
    public long CtimeNs { get; init; }
    /// <summary>A symlink's target; null for everything else.</summary>
    public string? Target { get; init; }
    /// <summary>The scan generation that last wrote the row (an unchanged row keeps its old one: no write).</summary>
    public long Scan { get; init; }

    /// <summary>Same node with the same attributes: nothing to write. Place (parent, name) and scan are not compared.</summary>
    public bool SameStat(EntryRow other) =>
        Type == other.Type && Key == other.Key && Nlink == other.Nlink && Mode == other.Mode &&
        Uid == other.Uid && Gid == other.Gid && Size == other.Size && Blocks == other.Blocks &&
        AtimeNs == other.AtimeNs && MtimeNs == other.MtimeNs && CtimeNs == other.CtimeNs &&
        Target == other.Target;
}
