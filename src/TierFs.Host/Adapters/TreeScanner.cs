using TierFs.Daemon;
using TierFs.Scan;

namespace TierFs.Host.Adapters;

/// <summary>The daemon's scans go through the keeper, so they never overlap the mount's live index updates.</summary>
public sealed class TreeScanner(IndexKeeper keeper) : ITreeScanner
{
    public ScanResult Scan(ScanOptions options) => keeper.Scan(options);
}
