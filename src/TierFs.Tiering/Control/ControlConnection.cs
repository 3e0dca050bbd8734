using System.Buffers;
using System.Net.Sockets;
using System.Threading.Channels;
using TierFs.Common;

namespace TierFs.Tiering.Control;

/// <summary>
/// One client of the control socket: read its request line, run it, stream the replies, end
/// with "end" (or "error"). The client sends nothing after its request; when its side closes
/// (it exited, or was interrupted) the request is cancelled. A non-root caller's request line may
/// be at most <see cref="ControlProtocol.MaxUserLineBytes"/>; what a caller sent is logged only as
/// a bounded <see cref="Excerpt"/>.
/// </summary>
internal sealed class ControlConnection(Socket socket, Caller caller, ITierCommands commands, ControlServerOptions options)
{
    private const string Source = "control";
    private const int MaxBatchBytes = 64 * 1024;

    /// <param name="stopping">The server is shutting down: cancel the work.</param>
    /// <param name="abort">The shutdown grace is over: stop writing and reading.</param>
    public async Task ServeAsync(CancellationToken stopping, CancellationToken abort)
    {
        using var owned = socket;
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var reader = new JsonLineReader(stream, caller.IsRoot ? ControlProtocol.MaxLineBytes : ControlProtocol.MaxUserLineBytes);

        var request = await ReadRequestAsync(reader, stream, stopping, abort);
        if (request is null) return;
        request = request with { Caller = caller };
        var what = $"{ControlProtocol.OpName(request.Op)}{(request.Recursive ? " -r" : "")} of {request.Paths.Count} path(s)";
        Log.Info(Source, $"request: {what} from {caller}");

        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var sink = new StreamingSink(options.ProgressInterval);
        var writer = WriteRepliesAsync(stream, sink.Messages, cancel, abort);
        var watcher = WatchForHangUpAsync(reader, cancel, abort);

        ControlMessage last;
        try
        {
            await commands.RunAsync(request, sink, cancel.Token);
            last = cancel.IsCancellationRequested ? Cancelled(stopping, what) : new EndMessage(sink.Failed);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            last = Cancelled(stopping, what);
        }
        catch (ControlException e)
        {
            // Refused (a user asking for what only root may do): the caller's mistake, not the daemon's.
            Log.Warn(Source, $"refused {what} from {caller}: {Excerpt.Of(e.Message)}");
            last = new ErrorMessage(e.Message);
        }
        catch (Exception e)
        {
            Log.Error(Source, $"{what} failed", e);
            last = new ErrorMessage($"the mount daemon failed: {e.Message}");
        }
        sink.Finish(last);
        await writer;
        try { socket.Shutdown(SocketShutdown.Both); } catch (SocketException) { }
        await watcher;
    }

    private static ErrorMessage Cancelled(CancellationToken stopping, string what)
    {
        if (stopping.IsCancellationRequested) return new ErrorMessage("the mount is shutting down; the request was cancelled");
        Log.Info(Source, $"the client left: {what} cancelled");
        return new ErrorMessage("cancelled");
    }

    // Null when the client said nothing usable; a malformed request gets one "error" line.
    private async Task<ControlRequest?> ReadRequestAsync(JsonLineReader reader, Stream stream, CancellationToken stopping, CancellationToken abort)
    {
        try
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            wait.CancelAfter(options.RequestTimeout);
            var line = await reader.ReadLineAsync(wait.Token);
            return line is null ? null : ControlProtocol.DecodeRequest(line);
        }
        catch (OperationCanceledException) { return null; }
        catch (IOException) { return null; }
        catch (ControlException e)
        {
            await RefuseAsync(stream, e.Message, abort);
            return null;
        }
    }

    private async Task RefuseAsync(Stream stream, string message, CancellationToken abort)
    {
        Log.Warn(Source, $"refused a request from {caller}: {Excerpt.Of(message)}");
        try { await stream.WriteAsync(ControlProtocol.EncodeMessage(new ErrorMessage(message)), abort); }
        catch (Exception e) when (e is IOException or OperationCanceledException) { }
    }

    /// <summary>One "error" line and close, for a connection that is not served at all.</summary>
    public static void RefuseAtOnce(Socket socket, string message)
    {
        // A fresh socket's send buffer has room for one short line: this does not block the accept loop.
        try
        {
            socket.Blocking = false;
            socket.Send(ControlProtocol.EncodeMessage(new ErrorMessage(message)));
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException) { }
        finally { socket.Dispose(); }
    }

    // The only writer of the socket: batches what is queued into one write.
    private static async Task WriteRepliesAsync(Stream stream, ChannelReader<ControlMessage> messages, CancellationTokenSource cancel, CancellationToken abort)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        try
        {
            while (await messages.WaitToReadAsync(abort))
            {
                buffer.ResetWrittenCount();
                while (buffer.WrittenCount < MaxBatchBytes && messages.TryRead(out var m)) ControlProtocol.WriteMessage(buffer, m);
                await stream.WriteAsync(buffer.WrittenMemory, abort);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            cancel.Cancel(); // the client is gone: stop the work done for it
        }
    }

    // The client sends nothing after its request: end of stream means it hung up.
    private static async Task WatchForHangUpAsync(JsonLineReader reader, CancellationTokenSource cancel, CancellationToken abort)
    {
        try
        {
            while (await reader.ReadLineAsync(abort) is not null) { }
        }
        catch (Exception e) when (e is IOException or ControlException or OperationCanceledException or ObjectDisposedException) { }
        cancel.Cancel();
    }
}
