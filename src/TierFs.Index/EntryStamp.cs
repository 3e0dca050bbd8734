using TierFs.Records;
namespace TierFs.Index;

/// <summary>
/// What a rescan compares of an entry with what statx says now, and its id: the columns of an
/// <see cref="EntryRow"/> without its place, target and scan, read without building a row.
/// </summary>
public readonly record struct EntryStamp(
    long Id, string Type, FileKey Key, long Nlink, long Mode, long Uid, long Gid,
    long Size, long Blocks, long AtimeNs, long MtimeNs, long CtimeNs);

/// <summary>Receives one committed child of a directory; <paramref name="name"/> (UTF-8) is valid only during the call.</summary>
public delegate void ChildStampVisitor(in EntryStamp stamp, ReadOnlySpan<byte> name);
