using TierFs.IntegrationTests.Harness;

namespace TierFs.IntegrationTests;

/// <summary>
/// flock(2) on the mount behaves as on a local filesystem: a lock ends when its last descriptor is
/// closed, not a moment later, and a process waiting for one can be interrupted by a signal (what
/// `flock -w` and every lock timeout rely on).
/// </summary>
public class LockTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    // Takes the lock through one open, closes it and at once takes it through another, many times over,
    // in a process of its own (a child forked by a parallel test could share this process's descriptors).
    private const string TakeCloseRetake = """
        import fcntl, os, sys
        path, rounds = sys.argv[1], int(sys.argv[2])
        other = os.open(path, os.O_RDONLY)
        for i in range(rounds):
            fd = os.open(path, os.O_RDONLY)
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            os.close(fd)
            try:
                fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                print(f"round {i}: the lock of a closed descriptor was still held")
                sys.exit(3)
            fcntl.flock(other, fcntl.LOCK_UN)
        print("ok")
        """;

    [Fact]
    public void A_lock_ends_when_its_descriptor_is_closed()
    {
        using var m = TestMount.Start();
        File.WriteAllText(m.M("lock"), "");
        var r = Proc.Run("python3", ["-c", TakeCloseRetake, m.M("lock"), "300"], Bound);
        Assert.True(r.ExitCode == 0, $"{r.Stdout}{r.Stderr}");
        // The same from processes that exit while holding the lock (a cron job's `flock -n`).
        for (var i = 0; i < 50; i++)
        {
            var run = Proc.Run("flock", ["--nonblock", "--conflict-exit-code", "42", m.M("lock"), "true"], Bound);
            Assert.True(run.ExitCode == 0, $"run {i}: flock -n found the lock of an exited process held ({run.ExitCode})");
        }
        Assert.Equal(0, m.Unmount().ExitCode);
    }

    [Fact]
    public void A_wait_for_a_lock_ends_at_its_timeout()
    {
        using var m = TestMount.Start();
        File.WriteAllText(m.M("lock"), "");
        using var holder = new Client("""exec 3<"$1/lock"; flock -x 3""", "true", m.MountPoint);
        // flock -w sets an alarm: its signal must end the wait with EINTR, as on a local filesystem.
        var waited = Proc.Run("timeout", ["10", "flock", "--wait", "1", "--conflict-exit-code", "42", m.M("lock"), "true"], Bound);
        Assert.True(waited.ExitCode == 42, $"flock -w 1 on a held lock exited {waited.ExitCode} (124: it was still waiting after 10 s)");
        Assert.NotNull(holder.Continue(Bound));
        Assert.Equal(0, Proc.Run("flock", "--nonblock", m.M("lock"), "true").ExitCode);
        Assert.Equal(0, m.Unmount().ExitCode);
    }
}
