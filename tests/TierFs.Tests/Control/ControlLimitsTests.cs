using System.Diagnostics;
using System.Text.Json;
using TierFs.Tests.Fakes;
using TierFs.Tiering.Control;

namespace TierFs.Tests.Control;

/// <summary>
/// What a non-root user can make the root daemon hold through the 0666 control socket: a request
/// line of at most 1 MiB, refused once it is longer (without reading the rest); a few connections
/// per uid; a bounded excerpt of what they sent in the log. The user is real: a python client run
/// as nobody (setpriv), so the server learns the uid from the kernel as it does in production.
/// </summary>
public sealed class ControlLimitsTests : IDisposable
{
    private const int Nobody = 65534;
    private readonly string _dir = Directory.CreateTempSubdirectory("tierfs-ctl-").FullName;

    public ControlLimitsTests() => File.SetUnixFileMode(_dir, (UnixFileMode)0b111_101_101); // nobody must reach the socket

    private string Sock => Path.Combine(_dir, "m.sock");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // big N: send N bytes of a request line that never ends, then read the answer ({sent, reply}).
    // hold K: open K connections at once, say nothing, and report what each got within 2 s.
    // line TEXT: send TEXT and a newline, print the answer.
    private const string Client = """
        import json, select, socket, sys, time
        def connect():
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.connect(sys.argv[1]); return s
        def read_all(s):
            s.settimeout(10); out = b""
            try:
                while True:
                    b = s.recv(65536)
                    if not b: break
                    out += b
            except OSError: pass
            return out.decode()
        mode = sys.argv[2]
        if mode == "big":
            s = connect(); sent = 0; chunk = b'{"op":"state","paths":["' + b"x" * 65536
            try:
                while sent < int(sys.argv[3]):
                    s.sendall(chunk); sent += len(chunk)
                s.shutdown(socket.SHUT_WR)
            except OSError: pass
            print(json.dumps({"sent": sent, "reply": read_all(s)}))
        elif mode == "hold":
            socks = [connect() for _ in range(int(sys.argv[3]))]
            time.sleep(2); ready, _, _ = select.select(socks, [], [], 0)
            print(json.dumps([read_all(s) if s in ready else "" for s in socks]))
        else:
            s = connect(); s.sendall(sys.argv[3].encode() + b"\n"); print(json.dumps(read_all(s)))
        """;

    private static T AsNobody<T>(params string[] args)
    {
        var psi = new ProcessStartInfo("setpriv", [$"--reuid={Nobody}", $"--regid={Nobody}", "--clear-groups", "/usr/bin/python3", "-c", Client, .. args])
        { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        var error = p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(60_000));
        Assert.True(p.ExitCode == 0, error);
        return JsonSerializer.Deserialize<T>(output)!;
    }

    private sealed record BigResult(int sent, string reply);

    [Fact]
    public void A_users_request_line_over_1_MiB_is_refused_without_reading_the_rest()
    {
        using var server = ControlServer.Start(Sock, FakeTierCommands.Answering("resident"));
        var got = AsNobody<BigResult>(Sock, "big", (8 << 20).ToString());
        Assert.Contains($"a line longer than {ControlProtocol.MaxUserLineBytes} bytes", got.reply);
        // The daemon stopped reading at the limit: the client could not get 8 MiB into it (what
        // it managed is the limit plus the sockets' buffers).
        Assert.True(got.sent < 3 << 20, $"the client sent {got.sent} bytes");
    }

    [Fact]
    public async Task A_user_holds_a_few_connections_at_once_and_root_still_gets_through()
    {
        var options = new ControlServerOptions();
        using var server = ControlServer.Start(Sock, FakeTierCommands.Answering("resident"), options);
        var holding = Task.Run(() => AsNobody<string[]>(Sock, "hold", "20"));

        // While nobody holds its connections, root is served.
        Assert.True(SpinWait.SpinUntil(() => server.ActiveConnections >= options.MaxConnectionsPerUser, 10_000));
        var root = await ControlClientRunAsync(Sock);
        Assert.Contains(root, m => m is EndMessage);

        var replies = await holding;
        Assert.Equal(20 - options.MaxConnectionsPerUser, replies.Count(r => r.Contains($"too many control connections from uid {Nobody} (at most {options.MaxConnectionsPerUser} at once)")));
        Assert.Equal(options.MaxConnectionsPerUser, replies.Count(r => r.Length == 0)); // served: waiting for their request

        // The slots are given back when the connections end.
        Assert.True(SpinWait.SpinUntil(() => server.ActiveConnections == 0, 10_000));
        Assert.Contains("\"type\":\"end\"", AsNobody<string>(Sock, "line", """{"op":"state","paths":["a"]}"""));
    }

    [Fact]
    public void What_a_user_sent_reaches_the_log_and_the_answer_only_as_a_bounded_excerpt()
    {
        using var server = ControlServer.Start(Sock, FakeTierCommands.Answering("resident"));
        var mark = CapturedLog.Mark();
        var op = "flood" + new string('A', 100_000);
        var reply = AsNobody<string>(Sock, "line", $$"""{"op":"{{op}}","paths":["a"]}""");
        Assert.Contains("unknown op", reply);
        Assert.Contains("floodAAA", reply);
        Assert.True(reply.Length < 1000, $"an answer of {reply.Length} characters");
        var logged = Assert.Single(CapturedLog.Since(mark), l => l.Contains("refused a request from") && l.Contains("floodAAA"));
        Assert.Contains($"uid={Nobody}", logged);
        Assert.True(logged.Length < 500, $"a log line of {logged.Length} characters");
    }

    private static async Task<List<ControlMessage>> ControlClientRunAsync(string socket)
    {
        await using var client = await ControlClient.ConnectAsync(socket, "/mnt/t");
        var messages = new List<ControlMessage>();
        await foreach (var m in client.RunAsync(new ControlRequest(TierOp.State, ["x"], false))) messages.Add(m);
        return messages;
    }
}
