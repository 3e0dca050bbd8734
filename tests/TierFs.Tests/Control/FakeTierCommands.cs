using TierFs.Tiering.Control;

namespace TierFs.Tests.Control;

/// <summary>An engine stand-in: runs the given body for each request and remembers the requests.</summary>
internal sealed class FakeTierCommands(Func<ControlRequest, IControlSink, CancellationToken, Task> body) : ITierCommands
{
    private readonly List<ControlRequest> _requests = [];

    public IReadOnlyList<ControlRequest> Requests
    {
        get { lock (_requests) return [.. _requests]; }
    }

    public Task RunAsync(ControlRequest request, IControlSink sink, CancellationToken ct)
    {
        lock (_requests) _requests.Add(request);
        return body(request, sink, ct);
    }

    /// <summary>Answers every path with the given state (or fails paths named "missing*").</summary>
    public static FakeTierCommands Answering(string state) => new((request, sink, _) =>
    {
        foreach (var p in request.Paths)
        {
            if (Path.GetFileName(p).StartsWith("missing", StringComparison.Ordinal))
                sink.Result(new FileResult(p, false, null, "no such file or directory"));
            else sink.Result(new FileResult(p, true, state, null));
        }
        return Task.CompletedTask;
    });
}
