using TierFs.Daemon;
using TierFs.Tiering.Control;
using TierFs.Tiering.Engine;
using TierFs.Records;

namespace TierFs.Host.Adapters;

/// <summary>The daemon's workers move files through the engine; the mount tells who has them open.</summary>
public sealed class EngineMover(TierEngine engine, IMountView mount) : IFileMover
{
    public Task<PolicyFileResult> MoveAsync(PolicyCandidate file, TierOp op, TimeSpan minAge, IProgress<long>? progress, CancellationToken ct) =>
        engine.RunForPolicyAsync(file.Path, file.Key, op, minAge, progress, ct);

    public bool InUse(FileKey key) => mount.OpenHandles(key) > 0;
}
