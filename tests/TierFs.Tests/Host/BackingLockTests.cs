using TierFs.Host;
using TierFs.Posix;

namespace TierFs.Tests.Host;

/// <summary>The one-mount-per-tree lock: exclusive, and gone from the runtime directory once let go.</summary>
public sealed class BackingLockTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tierfs-lock-").FullName;
    private readonly SafeRoot _tree;

    public BackingLockTests() => _tree = new SafeRoot(Directory.CreateDirectory(Path.Combine(_dir, "tree")).FullName);

    public void Dispose()
    {
        _tree.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private string RunDir => Path.Combine(_dir, "run");

    [Fact]
    public void A_second_taker_is_refused_naming_the_holder_and_the_file_goes_when_the_holder_lets_go()
    {
        var first = BackingLock.Take(_tree.Fd, "/tree", "/mnt/a", RunDir);
        var file = Assert.Single(Directory.GetFiles(RunDir));
        var refused = Assert.Throws<CommandException>(() => BackingLock.Take(_tree.Fd, "/tree", "/mnt/b", RunDir));
        Assert.Contains("/mnt/a", refused.Message);

        first.Dispose();
        Assert.False(File.Exists(file)); // no file per tree ever mounted left in /run/tierfs
        using var second = BackingLock.Take(_tree.Fd, "/tree", "/mnt/b", RunDir);
        Assert.Single(Directory.GetFiles(RunDir));
    }

    [Fact]
    public void Takers_racing_with_holders_that_remove_the_file_never_hold_it_together()
    {
        // A taker that opened the file just before its holder removed it must not count the lock it
        // then gets on the removed file as the tree's lock.
        var holders = 0;
        var overlaps = 0;
        var taken = 0;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(3);
        var threads = Enumerable.Range(0, 4).Select(i => new Thread(() =>
        {
            while (DateTime.UtcNow < deadline)
            {
                BackingLock held;
                try { held = BackingLock.Take(_tree.Fd, "/tree", $"/mnt/{i}", RunDir); }
                catch (CommandException) { continue; } // held by another: refused, as a second mount is
                if (Interlocked.Increment(ref holders) != 1) Interlocked.Increment(ref overlaps);
                Interlocked.Increment(ref taken);
                Thread.SpinWait(200);
                Interlocked.Decrement(ref holders);
                held.Dispose();
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => Assert.True(t.Join(TimeSpan.FromSeconds(30))));
        Assert.Equal(0, overlaps);
        Assert.True(taken > 100, $"only {taken} takes: the race was not exercised");
        Assert.Empty(Directory.GetFiles(RunDir));
    }

    /// <summary>An O_PATH descriptor of a directory, as the mount holds its backing root.</summary>
    private sealed unsafe class SafeRoot : IDisposable
    {
        public SafeRoot(string path)
        {
            fixed (byte* p = System.Text.Encoding.UTF8.GetBytes(path + "\0"))
                Fd = Libc.OpenAt(Libc.AT_FDCWD, p, Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
            Assert.True(Fd >= 0);
        }

        public int Fd { get; }

        public void Dispose() => Libc.Close(Fd);
    }
}
