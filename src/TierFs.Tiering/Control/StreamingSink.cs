using System.Threading.Channels;

namespace TierFs.Tiering.Control;

/// <summary>
/// The <see cref="IControlSink"/> handed to the engine for one connection: queues each report
/// (the engine's workers never wait on a slow client), thins out progress, counts failures.
/// A single writer drains <see cref="Messages"/> to the socket.
/// </summary>
public sealed class StreamingSink(TimeSpan progressInterval) : IControlSink
{
    private readonly Channel<ControlMessage> _queue =
        Channel.CreateUnbounded<ControlMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ProgressThrottle _throttle = new(progressInterval);
    private int _failed;

    public ChannelReader<ControlMessage> Messages => _queue.Reader;

    public int Failed => Volatile.Read(ref _failed);

    public void Planned(int files, long bytes) => _queue.Writer.TryWrite(new PlanMessage(files, bytes));

    public void Data(string kind, string json) => _queue.Writer.TryWrite(new DataMessage(kind, json));

    public void Progress(string path, long done, long total)
    {
        if (_throttle.ShouldSend(path, done, total)) _queue.Writer.TryWrite(new ProgressMessage(path, done, total));
    }

    public void Result(FileResult result)
    {
        _throttle.Forget(result.Path);
        if (!result.Ok) Interlocked.Increment(ref _failed);
        _queue.Writer.TryWrite(new ResultMessage(result));
    }

    /// <summary>Queues the last line; reports after it are dropped (the engine should not send any).</summary>
    public void Finish(ControlMessage last)
    {
        _queue.Writer.TryWrite(last);
        _queue.Writer.TryComplete();
    }
}
