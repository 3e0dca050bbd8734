using TierFs.Tests.Fakes;
using System.Net.Sockets;
using System.Text;
using TierFs.Tiering.Control;

namespace TierFs.Tests.Control;

public sealed class ControlServerTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly string _dir = Directory.CreateTempSubdirectory("tierfs-ctl-").FullName;

    private string Sock => Path.Combine(_dir, "m.sock");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static async Task<List<ControlMessage>> RunAsync(string socket, ControlRequest request, CancellationToken ct = default)
    {
        await using var client = await ControlClient.ConnectAsync(socket, "/mnt/t", ct: ct);
        var messages = new List<ControlMessage>();
        await foreach (var m in client.RunAsync(request, ct)) messages.Add(m);
        return messages;
    }

    // A socket file nobody listens on, as a daemon killed with SIGKILL leaves: a second name
    // (hard link) for a listening socket outlives the listener.
    private static void MakeStaleSocket(string path)
    {
        var live = path + ".live";
        using (var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            s.Bind(new UnixDomainSocketEndPoint(live));
            s.Listen();
            Commands.Ok("ln", live, path);
        }
        File.Delete(live);
        Assert.True(File.Exists(path));
    }

    private static async Task<string[]> RawExchangeAsync(string socket, string requestLine)
    {
        using var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await s.ConnectAsync(new UnixDomainSocketEndPoint(socket));
        await using var stream = new NetworkStream(s);
        await stream.WriteAsync(Encoding.UTF8.GetBytes(requestLine));
        using var reader = new StreamReader(stream);
        var text = await reader.ReadToEndAsync().WaitAsync(Patience); // the server closes after its answer
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    [Fact]
    public async Task Streams_plan_progress_and_results_then_end_with_the_failure_count()
    {
        var engine = new FakeTierCommands((request, sink, _) =>
        {
            sink.Planned(1, 100);
            sink.Progress("a", 0, 100);
            sink.Progress("a", 100, 100);
            sink.Result(new FileResult("a", true, "released", null));
            sink.Result(new FileResult("nope", false, null, "no such file or directory"));
            return Task.CompletedTask;
        });
        using var server = ControlServer.Start(Sock, engine);

        var messages = await RunAsync(Sock, new ControlRequest(TierOp.Migrate, ["a", "nope"], false));

        Assert.Equal(
        [
            new PlanMessage(1, 100),
            new ProgressMessage("a", 0, 100),
            new ProgressMessage("a", 100, 100),
            new ResultMessage(new FileResult("a", true, "released", null)),
            new ResultMessage(new FileResult("nope", false, null, "no such file or directory")),
            new EndMessage(1),
        ], messages);
        var got = Assert.Single(engine.Requests);
        Assert.Equal(TierOp.Migrate, got.Op);
        Assert.Equal(["a", "nope"], got.Paths);
    }

    [Fact]
    public async Task The_socket_is_mode_0666_whatever_the_umask_and_removed_on_dispose()
    {
        // Any user may connect (the server decides per request from the caller's credentials);
        // the daemon runs with umask 0, which must not leave the directory it makes writable.
        var dir = Path.Combine(_dir, "run");
        var sock = Path.Combine(dir, "m.sock");
        var old = TierFs.Posix.Libc.Umask(0);
        ControlServer server;
        try { server = ControlServer.Start(sock, FakeTierCommands.Answering("resident")); }
        finally { TierFs.Posix.Libc.Umask(old); }
        Assert.Equal((UnixFileMode)0b110_110_110, File.GetUnixFileMode(sock));
        Assert.Equal((UnixFileMode)0b111_101_101, File.GetUnixFileMode(dir));
        Assert.Equal([sock], Directory.GetFileSystemEntries(dir)); // no temporary left behind
        Assert.Single(await RunAsync(sock, new ControlRequest(TierOp.State, ["x"], false)), m => m is EndMessage);
        server.Dispose();
        Assert.False(File.Exists(sock));
    }

    [Fact]
    public async Task The_server_learns_the_caller_from_the_kernel_and_a_refusal_ends_the_request_with_its_reason()
    {
        var engine = new FakeTierCommands((request, _, _) =>
            throw new ControlException($"refused for uid {request.Caller!.Uid} pid {request.Caller.Pid}"));
        using var server = ControlServer.Start(Sock, engine);
        var messages = await RunAsync(Sock, new ControlRequest(TierOp.Migrate, ["a"], false));
        Assert.Equal([new ErrorMessage($"refused for uid 0 pid {Environment.ProcessId}")], messages);
        Assert.Contains($"pid={Environment.ProcessId} uid=0 comm=", Assert.Single(engine.Requests).Caller!.Description);
    }

    [Fact]
    public async Task The_client_refuses_a_socket_or_directory_that_is_not_roots_alone()
    {
        using var server = ControlServer.Start(Sock, FakeTierCommands.Answering("resident"));
        Commands.Ok("chown", "65534", Sock);
        var e = await Assert.ThrowsAsync<ControlException>(() => RunAsync(Sock, new ControlRequest(TierOp.State, ["x"], false)));
        Assert.Equal($"refusing to talk to the mount daemon for /mnt/t: {Sock} is owned by uid 65534, not root", e.Message);
        Commands.Ok("chown", "0", Sock);
        File.SetUnixFileMode(_dir, (UnixFileMode)0b111_111_111);
        e = await Assert.ThrowsAsync<ControlException>(() => RunAsync(Sock, new ControlRequest(TierOp.State, ["x"], false)));
        Assert.Equal($"refusing to talk to the mount daemon for /mnt/t: {_dir} is writable by others (mode 777)", e.Message);
    }

    [Fact]
    public async Task A_stale_socket_is_replaced_and_a_live_one_is_not()
    {
        MakeStaleSocket(Sock);
        Assert.False(SocketFile.IsAnswering(Sock));

        using var server = ControlServer.Start(Sock, FakeTierCommands.Answering("archived"));
        var messages = await RunAsync(Sock, new ControlRequest(TierOp.State, ["f"], false));
        Assert.Equal(new ResultMessage(new FileResult("f", true, "archived", null)), messages[0]);

        var e = Assert.Throws<IOException>(() => ControlServer.Start(Sock, FakeTierCommands.Answering("x")));
        Assert.Contains("already serves", e.Message);
        Assert.True(SocketFile.IsAnswering(Sock)); // the first server still answers
    }

    [Fact]
    public async Task A_client_that_hangs_up_cancels_its_request()
    {
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var engine = new FakeTierCommands(async (request, sink, ct) =>
        {
            sink.Progress("big", 0, 1 << 30);
            try { await Task.Delay(Timeout.Infinite, ct); }
            catch (OperationCanceledException) { cancelled.SetResult(); throw; }
        });
        using var server = ControlServer.Start(Sock, engine);

        var client = await ControlClient.ConnectAsync(Sock, "/mnt/t");
        await using (var messages = client.RunAsync(new ControlRequest(TierOp.Migrate, ["big"], false)).GetAsyncEnumerator())
        {
            Assert.True(await messages.MoveNextAsync());
            Assert.IsType<ProgressMessage>(messages.Current);
        }
        await client.DisposeAsync(); // as a tierfs killed by Ctrl-C

        await cancelled.Task.WaitAsync(Patience);
        Assert.True(SpinWait.SpinUntil(() => server.ActiveConnections == 0, Patience));
    }

    [Fact]
    public async Task Cancelling_the_client_hangs_up_too()
    {
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var engine = new FakeTierCommands(async (_, sink, ct) =>
        {
            sink.Progress("big", 0, 10);
            try { await Task.Delay(Timeout.Infinite, ct); }
            catch (OperationCanceledException) { cancelled.SetResult(); throw; }
        });
        using var server = ControlServer.Start(Sock, engine);
        using var cts = new CancellationTokenSource();

        var run = Task.Run(async () =>
        {
            await using var client = await ControlClient.ConnectAsync(Sock, "/mnt/t");
            await foreach (var m in client.RunAsync(new ControlRequest(TierOp.Recall, ["big"], false), cts.Token))
                if (m is ProgressMessage) await cts.CancelAsync();
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(Patience));
        await cancelled.Task.WaitAsync(Patience);
    }

    [Fact]
    public async Task Two_clients_are_served_at_the_same_time()
    {
        var bothIn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var inside = 0;
        var engine = new FakeTierCommands(async (request, sink, ct) =>
        {
            if (Interlocked.Increment(ref inside) == 2) bothIn.SetResult();
            await bothIn.Task.WaitAsync(ct); // neither finishes until both have started
            sink.Result(new FileResult(request.Paths[0], true, "archived", null));
        });
        using var server = ControlServer.Start(Sock, engine);

        var one = RunAsync(Sock, new ControlRequest(TierOp.Archive, ["one"], false));
        var two = RunAsync(Sock, new ControlRequest(TierOp.Archive, ["two"], false));
        var results = await Task.WhenAll(one, two).WaitAsync(Patience);

        Assert.Equal(new ResultMessage(new FileResult("one", true, "archived", null)), results[0][0]);
        Assert.Equal(new ResultMessage(new FileResult("two", true, "archived", null)), results[1][0]);
        Assert.All(results, r => Assert.Equal(new EndMessage(0), r[^1]));
    }

    [Theory]
    [InlineData("hello\n", "malformed request")]
    [InlineData("{\"op\":\"explode\",\"paths\":[\"a\"]}\n", "unknown op")]
    [InlineData("{\"op\":\"state\",\"paths\":[\"../../etc/shadow\"]}\n", "\"..\"")]
    public async Task A_malformed_request_gets_one_error_line_and_the_server_keeps_serving(string request, string reason)
    {
        var engine = FakeTierCommands.Answering("resident");
        using var server = ControlServer.Start(Sock, engine);

        var lines = await RawExchangeAsync(Sock, request);

        var error = Assert.IsType<ErrorMessage>(ControlProtocol.DecodeMessage(Assert.Single(lines)));
        Assert.Contains(reason, error.Message);
        Assert.Empty(engine.Requests);
        Assert.Contains(await RunAsync(Sock, new ControlRequest(TierOp.State, ["a"], false)), m => m is EndMessage);
    }

    [Fact]
    public async Task A_client_that_connects_and_leaves_does_not_disturb_the_server()
    {
        using var server = ControlServer.Start(Sock, FakeTierCommands.Answering("resident"));
        for (var i = 0; i < 5; i++)
        {
            using var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await s.ConnectAsync(new UnixDomainSocketEndPoint(Sock));
        }
        Assert.Contains(await RunAsync(Sock, new ControlRequest(TierOp.State, ["a"], false)), m => m is EndMessage);
    }

    [Fact]
    public async Task An_engine_that_throws_gives_an_error_line_and_the_server_keeps_serving()
    {
        var calls = 0;
        var engine = new FakeTierCommands((request, sink, _) =>
            Interlocked.Increment(ref calls) == 1 ? throw new InvalidOperationException("index is corrupt") : Task.CompletedTask);
        using var server = ControlServer.Start(Sock, engine);

        var first = await RunAsync(Sock, new ControlRequest(TierOp.State, ["a"], false));
        Assert.Contains("index is corrupt", Assert.IsType<ErrorMessage>(Assert.Single(first)).Message);
        Assert.Equal([new EndMessage(0)], await RunAsync(Sock, new ControlRequest(TierOp.State, ["a"], false)));
    }

    [Fact]
    public async Task Stopping_the_server_cancels_running_requests_and_tells_their_clients()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var engine = new FakeTierCommands(async (_, sink, ct) =>
        {
            started.SetResult();
            await Task.Delay(Timeout.Infinite, ct);
        });
        var server = ControlServer.Start(Sock, engine);
        var run = RunAsync(Sock, new ControlRequest(TierOp.Migrate, ["a"], false));
        await started.Task.WaitAsync(Patience);

        server.Dispose();

        var messages = await run.WaitAsync(Patience);
        Assert.Contains("shutting down", Assert.IsType<ErrorMessage>(Assert.Single(messages)).Message);
    }

    [Fact]
    public async Task Progress_of_a_fast_transfer_is_thinned_out()
    {
        var engine = new FakeTierCommands((_, sink, _) =>
        {
            const long total = 100_000;
            for (long done = 0; done <= total; done += 10) sink.Progress("fast", done, total);
            sink.Result(new FileResult("fast", true, "archived", null));
            return Task.CompletedTask;
        });
        using var server = ControlServer.Start(Sock, engine, new ControlServerOptions { ProgressInterval = TimeSpan.FromSeconds(10) });

        var messages = await RunAsync(Sock, new ControlRequest(TierOp.Archive, ["fast"], false));

        var progress = messages.OfType<ProgressMessage>().ToList();
        Assert.Equal([new ProgressMessage("fast", 0, 100_000), new ProgressMessage("fast", 100_000, 100_000)], progress);
    }

    [Fact]
    public async Task The_client_names_the_mount_when_no_daemon_answers()
    {
        var e = await Assert.ThrowsAsync<ControlException>(() => ControlClient.ConnectAsync(Sock, "/data/proj"));
        Assert.Equal("no TierFs mount daemon answers for /data/proj (is it mounted?)", e.Message);

        // A socket file whose daemon died: refused, same message.
        var left = Path.Combine(_dir, "left.sock");
        MakeStaleSocket(left);
        e = await Assert.ThrowsAsync<ControlException>(() => ControlClient.ConnectAsync(left, "/data/proj"));
        Assert.Equal("no TierFs mount daemon answers for /data/proj (is it mounted?)", e.Message);
    }

    [Fact]
    public async Task A_daemon_that_closes_mid_request_is_a_clear_error()
    {
        // A listener that accepts, reads the request and hangs up without an end line.
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(Sock));
        listener.Listen();
        var serve = Task.Run(async () =>
        {
            using var s = await listener.AcceptAsync();
            await s.ReceiveAsync(new byte[4096]);
            await s.SendAsync(ControlProtocol.EncodeMessage(new ProgressMessage("a", 1, 2)));
        });

        var e = await Assert.ThrowsAsync<ControlException>(() => RunAsync(Sock, new ControlRequest(TierOp.Migrate, ["a"], false)));
        Assert.Contains("closed the connection before the request finished", e.Message);
        await serve;
    }
}
