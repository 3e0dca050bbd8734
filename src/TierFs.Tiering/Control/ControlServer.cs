using System.Collections.Concurrent;
using System.Net.Sockets;
using TierFs.Common;

namespace TierFs.Tiering.Control;

/// <summary>
/// The mount process's end of the control socket: accepts `tierfs state|archive|release|
/// migrate|recall` clients, each served on its own task by the one <see cref="ITierCommands"/>.
/// The socket is mode 0666: each request carries its caller's credentials from the kernel
/// (<see cref="Caller"/>), and the commands decide what a non-root caller may do
/// (<see cref="CallerGate"/>). Non-root callers are limited in how many connections they hold
/// (<see cref="ConnectionSlots"/>) and how long a request they send. It is removed on Dispose. See <see cref="ControlProtocol"/> for the wire form.
/// </summary>
public sealed class ControlServer : IDisposable
{
    private const string Source = "control";

    private readonly Socket _listener;
    private readonly ITierCommands _commands;
    private readonly ControlServerOptions _options;
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly ConcurrentDictionary<long, Task> _connections = new();
    private readonly Task _acceptLoop;
    private readonly ConnectionSlots _slots;
    private long _nextId;
    private int _disposed;

    public string SocketPath { get; }

    private ControlServer(string socketPath, ITierCommands commands, ControlServerOptions options)
    {
        SocketPath = Path.GetFullPath(socketPath);
        _commands = commands;
        _options = options;
        _slots = new ConnectionSlots(options.MaxConnectionsPerUser, options.MaxUserConnections);
        _listener = SocketFile.Listen(SocketPath);
        _acceptLoop = Task.Run(AcceptLoopAsync);
        Log.Info(Source, $"listening on {SocketPath}");
    }

    /// <summary>Creates the socket (replacing a stale one) and starts accepting. Throws IOException if it cannot.</summary>
    public static ControlServer Start(string socketPath, ITierCommands commands, ControlServerOptions? options = null) =>
        new(socketPath, commands, options ?? new ControlServerOptions());

    /// <summary>Connections being served now.</summary>
    public int ActiveConnections => _connections.Count;

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                var client = await _listener.AcceptAsync(_stopping.Token);
                Serve(client);
            }
            catch (OperationCanceledException) { break; }
            catch (ObjectDisposedException) { break; }
            catch (Exception e)
            {
                // Out of descriptors, or a client that vanished mid-accept: keep listening.
                Log.Error(Source, "accepting a control connection failed", e);
                try { await Task.Delay(100, _stopping.Token); } catch (OperationCanceledException) { break; }
            }
        }
    }

    private void Serve(Socket client)
    {
        // Who is calling is known at connect, before anything is read from them.
        Caller? caller = null;
        string? refusal;
        IDisposable? slot = null;
        try
        {
            caller = Caller.Of(client);
            slot = _slots.TryTake(caller, out refusal);
        }
        catch (Exception e) when (e is ControlException or SocketException) { refusal = e.Message; }
        if (slot is null)
        {
            // Not logged: a user repeating this must not fill the log; the caller is told.
            ControlConnection.RefuseAtOnce(client, refusal!);
            return;
        }
        var id = Interlocked.Increment(ref _nextId);
        var registered = new TaskCompletionSource();
        _connections[id] = Task.Run(async () =>
        {
            await registered.Task; // so that the entry exists before it is removed below
            using var cut = _abort.Token.Register(client.Dispose);
            try
            {
                await new ControlConnection(client, caller!, _commands, _options).ServeAsync(_stopping.Token, _abort.Token);
            }
            catch (Exception e)
            {
                Log.Error(Source, "a control connection failed", e);
            }
            finally
            {
                client.Dispose();
                slot.Dispose();
                _connections.TryRemove(id, out _);
            }
        });
        registered.SetResult();
    }

    /// <summary>Stops accepting, cancels running requests (they get ShutdownGrace to end), removes the socket.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        try { File.Delete(SocketPath); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        _stopping.Cancel();
        _listener.Dispose();
        Wait(_acceptLoop, TimeSpan.FromSeconds(1));
        var open = _connections.Values.ToArray();
        if (!Wait(Task.WhenAll(open), _options.ShutdownGrace))
        {
            Log.Warn(Source, $"{_connections.Count} control request(s) did not end within {_options.ShutdownGrace.TotalSeconds:0}s; closing them");
            _abort.Cancel();
            Wait(Task.WhenAll(open), TimeSpan.FromSeconds(1));
        }
        // The token sources are not disposed: a request that ignores cancellation may still hold them.
    }

    private static bool Wait(Task task, TimeSpan timeout)
    {
        try { return task.Wait(timeout); }
        catch (AggregateException) { return true; }
    }
}
