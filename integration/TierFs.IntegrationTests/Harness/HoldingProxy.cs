using System.Diagnostics;
using System.Globalization;

namespace TierFs.IntegrationTests.Harness;

/// <summary>
/// A TCP proxy in front of the S3 server that holds one answer midway: the first GET whose request
/// line holds <c>marker</c> and whose Range starts at byte 0 (the first part of a recall) has its
/// first <c>limit</c> bytes passed, then nothing more until the test creates <see cref="ReleaseFile"/>
/// (or 20 s pass). <see cref="HoldingFile"/> appears when the hold begins. Every other byte passes
/// unchanged. What shows, on a real server, that a reader is served before a part has landed.
/// With <c>method</c> "HEAD" (and <c>limit</c> 0), it holds the answer to the first HEAD of the marker
/// instead: a release that confirms the remote copy waits there. Dispose stops it and removes its files.
/// </summary>
public sealed class HoldingProxy : IDisposable
{
    private const string Script = """
        import os, socket, sys, threading, time
        up_port, marker, limit, holding, release, method = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]
        taken = threading.Lock()
        held = [False]

        def requests(c, u, state):
            buf, body = b'', 0
            while True:
                d = c.recv(65536)
                if not d:
                    u.shutdown(socket.SHUT_WR); return
                buf += d
                while True:  # each request head, its body skipped (requests and answers alternate)
                    if body:
                        n = min(body, len(buf)); buf, body = buf[n:], body - n
                        if body: break
                    i = buf.find(b'\r\n\r\n')
                    if i < 0: break
                    lines = buf[:i].decode('latin-1').split('\r\n'); buf = buf[i + 4:]
                    h = {k.strip().lower(): v.strip() for k, _, v in (l.partition(':') for l in lines[1:])}
                    body = int(h.get('content-length', '0'))
                    if lines[0].startswith(method + ' ') and marker in lines[0] and (method != 'GET' or h.get('range', '').startswith('bytes=0-')):
                        with taken:
                            if not held[0]:
                                held[0] = True; state['hold'] = 'armed'
                u.sendall(d)

        def answers(u, c, state):
            sent = 0
            while True:
                d = u.recv(65536)
                if not d:
                    c.shutdown(socket.SHUT_WR); return
                if state.get('hold') == 'armed':  # the held answer starts here: the one before it was read whole
                    state['hold'], sent = 'counting', 0
                if state.get('hold') == 'counting':
                    room = limit - sent
                    if len(d) > room:
                        c.sendall(d[:room]); open(holding, 'w').close()
                        end = time.time() + 20
                        while not os.path.exists(release) and time.time() < end: time.sleep(0.01)
                        state['hold'] = 'done'; d = d[room:]
                    else:
                        sent += len(d)
                c.sendall(d)

        def serve(c):
            u = socket.create_connection(('127.0.0.1', up_port))
            state = {}
            for t in (threading.Thread(target=requests, args=(c, u, state), daemon=True), threading.Thread(target=answers, args=(u, c, state), daemon=True)): t.start()

        s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', 0)); s.listen(64)
        print(s.getsockname()[1], flush=True)
        while True:
            c, _ = s.accept()
            try: serve(c)
            except OSError: c.close()
        """;

    private readonly Process _process;
    private readonly string _dir = Directory.CreateTempSubdirectory("tierfs-proxy-").FullName;

    public HoldingProxy(int upstreamPort, string marker, int limit, string method = "GET")
    {
        var psi = Proc.StartInfo("python3", ["-c", Script, upstreamPort.ToString(CultureInfo.InvariantCulture), marker,
            limit.ToString(CultureInfo.InvariantCulture), HoldingFile, ReleaseFile, method]);
        _process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start the proxy");
        var line = _process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
        Port = int.Parse(line ?? throw new InvalidOperationException($"the proxy ended: {_process.StandardError.ReadToEnd()}"), CultureInfo.InvariantCulture);
    }

    public int Port { get; }

    public string Endpoint => $"http://127.0.0.1:{Port}";

    public string HoldingFile => Path.Combine(_dir, "holding");

    public string ReleaseFile => Path.Combine(_dir, "release");

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
            _process.Dispose();
        }
        finally
        {
            Directory.Delete(_dir, recursive: true);
        }
    }
}
