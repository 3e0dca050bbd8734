using TierFs.Tiering.Control;

namespace TierFs.Host.Adapters;

/// <summary>The control socket's dispatcher: file operations go to the engine, scan/policy/status to the daemon.</summary>
public sealed class MountCommands(ITierCommands engine, ITierCommands daemon) : ITierCommands
{
    public Task RunAsync(ControlRequest request, IControlSink sink, CancellationToken ct) =>
        (request.IsDaemonOp ? daemon : engine).RunAsync(request, sink, ct);
}
