using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace TierFs.Tiering.Control;

/// <summary>
/// The `tierfs` command's end of a mount's control socket: one connection, one request, its
/// replies read as they come. Disposing (or cancelling) hangs up, which cancels the request in
/// the mount process. Every failure is a <see cref="ControlException"/> with one clear sentence.
/// </summary>
public sealed class ControlClient : IAsyncDisposable, IDisposable
{
    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(10);

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly string _mountPoint;
    private bool _used;

    private ControlClient(Socket socket, string mountPoint)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _mountPoint = mountPoint;
    }

    /// <param name="socketPath">The mount's socket (/run/tierfs/NAME.sock).</param>
    /// <param name="mountPoint">Only for messages.</param>
    public static async Task<ControlClient> ConnectAsync(string socketPath, string mountPoint, TimeSpan? timeout = null, CancellationToken ct = default)
    {
        var limit = timeout ?? DefaultConnectTimeout;
        if (!File.Exists(socketPath)) throw NoDaemon(mountPoint);
        // Only root's daemon may be talked to: a socket or directory anyone else owns or can
        // replace could be a planted fake collecting the request.
        if ((Posix.RootOwned.Problem(Path.GetDirectoryName(Path.GetFullPath(socketPath))!, Posix.RootOwned.Kind.Directory)
             ?? Posix.RootOwned.Problem(socketPath, Posix.RootOwned.Kind.Socket)) is { } problem)
            throw new ControlException($"refusing to talk to the mount daemon for {mountPoint}: {problem}");
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
            bounded.CancelAfter(limit);
            await socket.ConnectAsync(SocketFile.Endpoint(socketPath), bounded.Token);
            return new ControlClient(socket, mountPoint);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            socket.Dispose();
            throw new ControlException($"the TierFs mount daemon for {mountPoint} did not answer within {limit.TotalSeconds:0}s");
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw e.SocketErrorCode switch
            {
                SocketError.AccessDenied => new ControlException($"permission denied on {socketPath}", e),
                SocketError.ConnectionRefused or SocketError.AddressNotAvailable or SocketError.AddressFamilyNotSupported => NoDaemon(mountPoint),
                _ => new ControlException($"cannot reach the TierFs mount daemon for {mountPoint}: {e.Message}", e),
            };
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static ControlException NoDaemon(string mountPoint) =>
        new($"no TierFs mount daemon answers for {mountPoint} (is it mounted?)");

    /// <summary>
    /// Sends the request and yields each reply up to and including the final
    /// <see cref="EndMessage"/> or <see cref="ErrorMessage"/>. One request per connection.
    /// </summary>
    public async IAsyncEnumerable<ControlMessage> RunAsync(ControlRequest request, [EnumeratorCancellation] CancellationToken ct = default)
    {
        if (_used) throw new InvalidOperationException("one request per connection");
        _used = true;
        // Cancelling hangs up at once: the daemon sees the end of the stream and cancels the work.
        await using var hangUp = ct.Register(() => _socket.Dispose());
        try
        {
            await _stream.WriteAsync(ControlProtocol.EncodeRequest(request), ct);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
        {
            ct.ThrowIfCancellationRequested();
            throw Broken(e);
        }
        var reader = new JsonLineReader(_stream);
        while (true)
        {
            string? line;
            try
            {
                line = await reader.ReadLineAsync(ct);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
            {
                ct.ThrowIfCancellationRequested();
                throw Broken(e);
            }
            if (line is null) throw Broken(null);
            ControlMessage? message;
            try { message = ControlProtocol.DecodeMessage(line); }
            catch (ControlException e) { throw new ControlException($"the TierFs mount daemon for {_mountPoint} sent a {e.Message}", e); }
            if (message is null) continue;
            yield return message;
            if (message is EndMessage or ErrorMessage) yield break;
        }
    }

    private ControlException Broken(Exception? e) =>
        new($"the TierFs mount daemon for {_mountPoint} closed the connection before the request finished (did it stop?)", e);

    public ValueTask DisposeAsync() => _stream.DisposeAsync();

    public void Dispose() => _stream.Dispose();
}
