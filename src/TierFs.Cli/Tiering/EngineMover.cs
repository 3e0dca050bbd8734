using TierFs.Daemon;
using TierFs.Tiering.Control;
using TierFs.Tiering.Engine;

namespace TierFs.Cli.Tiering;

/// <summary>The daemon's workers move files through the engine; the mount tells who has them open.</summary>
public sealed class EngineMover(TierEngine engine, IMountView mount) : IFileMover
{
    public Task<PolicyFileResult> MoveAsync(PolicyCandidate file, TierOp op, TimeSpan minAge, IProgress<long>? progress, CancellationToken ct) =>
        engine.RunForPolicyAsync(file.Path, Key(file.Key), op, minAge, progress, ct);

    public bool InUse(TierFs.Index.FileKey key) => mount.OpenHandles(Key(key)) > 0;

    private static FileKey Key(TierFs.Index.FileKey k) => new(k.Dev, k.Ino);
}
