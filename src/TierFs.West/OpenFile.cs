using TierFs.Namespace;
using TierFs.Remote;

namespace TierFs.West;

/// <summary>One open of an archived file: its entry as it was at the open, the verified reader of its object, where a sequential reader is.</summary>
internal sealed class OpenFile(NsEntry entry, string path, VerifiedReader reader)
{
    public NsEntry Entry { get; } = entry;
    public string Path { get; } = path;
    public VerifiedReader Reader { get; } = reader;
    /// <summary>Where the last read ended: a read starting there is sequential.</summary>
    public long NextOffset;

    /// <summary>The cache key of part <paramref name="index"/>: the object and the digest it is verified against.</summary>
    public string PartKey(int index) => $"{Reader.Key}\n{Reader.Expected.Blake3}\n{index}";
}
