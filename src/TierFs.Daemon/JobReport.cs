using TierFs.Tiering.Control;

namespace TierFs.Daemon;

/// <summary>
/// What a job tells whoever asked for it (`tierfs policy run`): each file's progress and outcome as
/// it happens (a failure names the file and why; a skipped file's state says why), and the files
/// held back, gathered by reason. Without a sink (a periodic run) only the tally is kept.
/// </summary>
internal sealed class JobReport(IControlSink? sink)
{
    public HeldTally Held { get; } = new();

    public void Moving(PolicyCandidate file, long done) => sink?.Progress(file.Path, done, file.Size);

    public void Done(PolicyCandidate file, string? state) => sink?.Result(new FileResult(file.Path, true, state, null));

    public void Skipped(PolicyCandidate file, string reason, string? detail = null)
    {
        Held.Add(reason, file.Path, detail);
        sink?.Result(new FileResult(file.Path, true, $"skipped: {reason}", null));
    }

    public void Failed(PolicyCandidate file, string? reason) => sink?.Result(new FileResult(file.Path, false, null, reason ?? "failed"));
}
