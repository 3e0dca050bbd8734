using System.Text.Json;
using TierFs.Tiering.Control;
using TierFs.Tiering.Engine;

namespace TierFs.Ops.Verify;

/// <summary>A verify run's reports as the control socket's data lines: verify-plan, verify-progress, verify-diff.</summary>
internal sealed class SinkReport(IControlSink sink) : IVerifyReport
{
    public void Planned(int files) => sink.Data("verify-plan", JsonSerializer.Serialize(new { files }));

    public void Progress(long done, long files, long differences) =>
        sink.Data("verify-progress", JsonSerializer.Serialize(new { done, files, differences }));

    public void Found(VerifyFinding f, string? repair) => sink.Data("verify-diff", JsonSerializer.Serialize(new
    {
        kind = VerifyKinds.Name(f.Kind),
        path = f.Path,
        objectKey = f.ObjectKey,
        detail = f.Detail,
        repair,
    }));
}
