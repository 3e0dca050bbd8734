using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Amazon.Runtime;
using Amazon.S3;
using TierFs.Remote;

namespace TierFs.IntegrationTests.Harness;

/// <summary>
/// A real s3rver (integration/node_modules, pinned by integration/package.json; `cd integration &&
/// npm ci` installs it) on 127.0.0.1 at a free port, with a temp data directory and one bucket.
/// <see cref="Stop"/> kills it like a crash and <see cref="Start"/> brings it back on the same port
/// and data, for fault tests. Dispose kills it and deletes the data, also after a failed test.
/// s3rver accepts the fixed credentials S3RVER/S3RVER. Launched with logRequests, it logs every
/// answer (<see cref="RequestsBetween"/> reads them), for tests that count the requests TierFs makes.
/// </summary>
public sealed class S3Server : IDisposable
{
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly StringBuilder _output = new();
    private Process? _process;

    private readonly bool _logRequests;

    private S3Server(string bucket, bool logRequests)
    {
        Bucket = bucket;
        _logRequests = logRequests;
        Port = FreePort();
        DataDir = Directory.CreateTempSubdirectory("tierfs-s3rver-").FullName;
    }

    public string Bucket { get; }
    public int Port { get; }
    public string DataDir { get; }
    public string Endpoint => $"http://127.0.0.1:{Port}";
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>What s3rver printed, for failure messages.</summary>
    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    public static S3Server Launch(string bucket = "tierfs-it", bool logRequests = false)
    {
        var server = new S3Server(bucket, logRequests);
        try
        {
            server.Start();
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    /// <summary>Starts s3rver (again) and waits, bounded, until it answers HTTP.</summary>
    public void Start()
    {
        if (IsRunning) throw new InvalidOperationException("s3rver is already running");
        var psi = new ProcessStartInfo("node")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = DataDir,
        };
        foreach (var a in new[] { ScriptPath(), "-d", DataDir, "-a", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--configure-bucket", Bucket })
            psi.ArgumentList.Add(a);
        if (!_logRequests) psi.ArgumentList.Add("--silent");
        // s3rver cuts its log line assuming koa-logger's colour codes are there (else it cuts the method off).
        else psi.Environment["FORCE_COLOR"] = "1";
        Process p;
        try
        {
            p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start node");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"cannot start node for s3rver (is Node.js installed?): {e.Message}", e);
        }
        p.OutputDataReceived += (_, e) => Append(e.Data);
        p.ErrorDataReceived += (_, e) => Append(e.Data);
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        p.StandardInput.Close();
        _process = p;

        var sw = Stopwatch.StartNew();
        while (!Answers())
        {
            if (p.HasExited) throw new InvalidOperationException($"s3rver exited with {p.ExitCode} while starting: {Output}");
            if (sw.Elapsed > StartTimeout)
            {
                Stop();
                throw new TimeoutException($"s3rver did not answer on {Endpoint} within {StartTimeout.TotalSeconds:0} s: {Output}");
            }
            Thread.Sleep(50);
        }
    }

    /// <summary>Kills s3rver (SIGKILL, like a crash) and waits for it to be gone; the data stays.</summary>
    public void Stop()
    {
        var p = _process;
        _process = null;
        if (p is null) return;
        try
        {
            if (!p.HasExited)
            {
                Mono.Unix.Native.Syscall.kill(p.Id, Mono.Unix.Native.Signum.SIGCONT); // a paused server must die too
                p.Kill(entireProcessTree: true);
            }
            p.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
        finally
        {
            p.Dispose();
        }
    }

    /// <summary>Freezes s3rver (SIGSTOP): connections stay open and nothing answers, like a hung server.</summary>
    public void Pause() => Signal(Mono.Unix.Native.Signum.SIGSTOP);

    /// <summary>Thaws a paused s3rver (SIGCONT).</summary>
    public void Resume() => Signal(Mono.Unix.Native.Signum.SIGCONT);

    private void Signal(Mono.Unix.Native.Signum signal)
    {
        var p = _process ?? throw new InvalidOperationException("s3rver is not running");
        if (Mono.Unix.Native.Syscall.kill(p.Id, signal) != 0)
            throw new InvalidOperationException($"kill({p.Id}, {signal}) failed: {Mono.Unix.Native.Stdlib.GetLastError()}");
    }

    /// <summary>
    /// The requests s3rver answered after the HEAD of <paramref name="fromMarker"/> and before the HEAD
    /// of <paramref name="toMarker"/> (keys the test asks for around what it counts: s3rver answers and
    /// logs in order), once the second has reached the log (bounded wait). Needs logRequests.
    /// </summary>
    public List<S3Request> RequestsBetween(string fromMarker, string toMarker)
    {
        if (!_logRequests) throw new InvalidOperationException("s3rver was launched without logRequests");
        bool Marks(S3Request r, string key) => r.Method == "HEAD" && r.Path.EndsWith("/" + key, StringComparison.Ordinal);
        List<S3Request> all = [];
        if (!Proc.WaitUntil(() => (all = S3Request.Parse(Output)).Any(r => Marks(r, toMarker)), TimeSpan.FromSeconds(30)))
            throw new TimeoutException($"s3rver's log shows no HEAD of {toMarker}");
        var from = all.FindIndex(r => Marks(r, fromMarker));
        var to = all.FindIndex(r => Marks(r, toMarker));
        if (from < 0 || to < from) throw new InvalidOperationException($"s3rver's log shows no HEAD of {fromMarker} before {toMarker}");
        return all.GetRange(from + 1, to - from - 1);
    }

    /// <summary>Options for a TierFs store on this server, with its credentials and short timeouts for tests.</summary>
    public S3StoreOptions StoreOptions(string prefix = "", long partSize = 8 * 1024 * 1024) => new()
    {
        Endpoint = Endpoint,
        Bucket = Bucket,
        Prefix = prefix,
        PartSize = partSize,
        RequestTimeout = TimeSpan.FromSeconds(5),
        MaxRetries = 1,
        Credentials = new BasicAWSCredentials(AccessKey, SecretKey),
    };

    /// <summary>A plain SDK client, to look at what the store wrote from the outside.</summary>
    public AmazonS3Client RawClient() => new(new BasicAWSCredentials(AccessKey, SecretKey), new AmazonS3Config
    {
        ServiceURL = Endpoint,
        AuthenticationRegion = "us-east-1",
        ForcePathStyle = true,
        RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
        ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        MaxErrorRetry = 0,
    });

    public void Dispose()
    {
        try
        {
            Stop();
        }
        finally
        {
            try { Directory.Delete(DataDir, recursive: true); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>A port on 127.0.0.1 that nothing listens on right now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// The s3rver script: $TIERFS_S3RVER, or integration/node_modules/s3rver/bin/s3rver.js found
    /// by walking up from the test binaries.
    /// </summary>
    private static string ScriptPath()
    {
        if (Environment.GetEnvironmentVariable("TIERFS_S3RVER") is { Length: > 0 } fromEnv) return fromEnv;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            foreach (var candidate in new[] { Path.Combine(dir.FullName, "node_modules", "s3rver", "bin", "s3rver.js"), Path.Combine(dir.FullName, "integration", "node_modules", "s3rver", "bin", "s3rver.js") })
                if (File.Exists(candidate)) return candidate;
        }
        throw new InvalidOperationException("s3rver is not installed: run `cd integration && npm ci` (or set TIERFS_S3RVER to s3rver.js)");
    }

    private bool Answers()
    {
        try
        {
            using var client = new TcpClient();
            if (!client.ConnectAsync(IPAddress.Loopback, Port).Wait(1000)) return false;
            using var stream = client.GetStream();
            stream.ReadTimeout = 2000;
            stream.Write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"u8);
            var buffer = new byte[16];
            var n = stream.Read(buffer);
            return n >= 8 && Encoding.ASCII.GetString(buffer, 0, n).StartsWith("HTTP/1.", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is SocketException or IOException or AggregateException)
        {
            return false;
        }
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }
}
