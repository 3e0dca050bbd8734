using System.Text;
using TierFs.Posix;
using TierFs.Records;
using TierFs.Tiering.Config;
using TierFs.Tiering.Control;
using TierFs.Tiering.Engine;

namespace TierFs.Tests.Fakes;

/// <summary>
/// A real <see cref="TierEngine"/> over a temp directory (its backing root, files and trusted.*
/// records: the tests run as root) with a fake remote tier, mount and journal. Commands go in as
/// the control socket hands them over; opens as the overlay's MakeLocal does.
/// </summary>
public sealed class EngineHarness : IDisposable
{
    private readonly int _rootFd;

    public EngineHarness(FakeRemoteStore? remote = null, TierFsConfig? config = null, MemoryJournal? journal = null)
    {
        Root = Directory.CreateTempSubdirectory("tierfs-engine-").FullName;
        _rootFd = OpenPath(Root);
        Remote = remote ?? new FakeRemoteStore();
        Journal = journal ?? new MemoryJournal();
        Config = config ?? new TierFsConfig { Remote = new RemoteConfig { DeleteGrace = TimeSpan.Zero } };
        Engine = new TierEngine(_rootFd, Config, Remote, Mount, Journal);
    }

    public string Root { get; }
    public TierFsConfig Config { get; }
    public FakeRemoteStore Remote { get; }
    public FakeMountView Mount { get; } = new();
    public MemoryJournal Journal { get; }
    public TierEngine Engine { get; }

    public string PathOf(string name) => System.IO.Path.Combine(Root, name);

    public void Write(string name, byte[] data) => File.WriteAllBytes(PathOf(name), data);

    public byte[] Read(string name) => File.ReadAllBytes(PathOf(name));

    /// <summary>
    /// One command on one file; its result. A release refused because the file is open outside the
    /// mount is tried again, for a bounded time: the test process forks children (other tests run
    /// commands) that hold a copy of every descriptor it has open at that moment until they exec,
    /// the file's own among them, and the release's lease sees them, rightly.
    /// </summary>
    public async Task<FileResult> Run(TierOp op, string name, CancellationToken ct = default, ResolveChoice resolve = ResolveChoice.None, bool force = false, Caller? caller = null)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var sink = new Sink();
            await Engine.RunAsync(new ControlRequest(op, [name], false, Resolve: resolve, Force: force) { Caller = caller }, sink, ct);
            var result = Assert.Single(sink.Results);
            if (result.Ok || result.Error?.StartsWith("in use (open outside the mount", StringComparison.Ordinal) != true || DateTime.UtcNow > until)
                return result;
            await Task.Delay(20, ct);
        }
    }

    /// <summary>What an open through the mount does first: 0, or the negative errno the open fails with.</summary>
    public int Open(string name, Opener? opener = null)
    {
        var fd = OpenPath(PathOf(name));
        try
        {
            var st = StubStore.Stat(fd);
            return Engine.MakeLocal(fd, new FileKey(st.Dev, st.Ino), st, truncatingToZero: false, opener);
        }
        finally
        {
            Libc.Close(fd);
        }
    }

    public FileKey Key(string name)
    {
        var st = Stat(name);
        return new FileKey(st.Dev, st.Ino);
    }

    public StatX Stat(string name)
    {
        var fd = OpenPath(PathOf(name));
        try { return StubStore.Stat(fd); }
        finally { Libc.Close(fd); }
    }

    /// <summary>The record in the file's xattr (the truth), or null.</summary>
    public StubRecord? Record(string name)
    {
        var fd = OpenPath(PathOf(name));
        try { return StubStore.Read(fd); }
        finally { Libc.Close(fd); }
    }

    public void SetRecord(string name, StubRecord record)
    {
        var fd = OpenPath(PathOf(name));
        try { StubStore.Write(fd, record); }
        finally { Libc.Close(fd); }
    }

    /// <summary>Whether the backing file holds any data extent (a stub holds none).</summary>
    public bool HoldsData(string name)
    {
        using var handle = File.OpenHandle(PathOf(name));
        return StubStore.HoldsData((int)handle.DangerousGetHandle());
    }

    public void Dispose()
    {
        Engine.Dispose();
        Libc.Close(_rootFd);
        Directory.Delete(Root, recursive: true);
    }

    public static unsafe int OpenPath(string path)
    {
        fixed (byte* p = Encoding.UTF8.GetBytes(path + "\0"))
        {
            var fd = Libc.OpenAt(Libc.AT_FDCWD, p, Libc.O_PATH | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0);
            if (fd < 0) throw new IOException($"cannot open {path}: errno {Libc.Errno()}");
            return fd;
        }
    }

    private sealed class Sink : IControlSink
    {
        public List<FileResult> Results { get; } = [];

        public void Progress(string path, long done, long total) { }

        public void Result(FileResult result)
        {
            lock (Results) Results.Add(result);
        }
    }
}

/// <summary>Bounded waits for conditions another thread makes true (never a bare sleep).</summary>
public static class Await
{
    public static void Until(Func<bool> condition, TimeSpan bound, string what)
    {
        var deadline = DateTime.UtcNow + bound;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"not within {bound.TotalSeconds:0.#} s: {what}");
            Thread.Sleep(5);
        }
    }
}
