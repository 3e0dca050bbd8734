using System.Diagnostics;
using System.Runtime.InteropServices;
using TierFs.IntegrationTests.Harness;
using static TierFs.IntegrationTests.Tiering.TierHarness;

namespace TierFs.IntegrationTests.Tiering;

/// <summary>
/// FUSE passthrough: the kernel reads a local file opened read-only from the backing file itself.
/// Shown by stopping the daemon (SIGSTOP): such reads still complete, reads through the daemon wait.
/// The kernel allows one mode per inode at a time, so every other open must join the mode its file
/// is open in, and a stub (or a file under recall) must never be read by the kernel alone.
/// </summary>
public class PassthroughTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [DllImport("libc", SetLastError = true)]
    private static extern int gettid();

    /// <summary>
    /// Reads <paramref name="size"/> bytes at <paramref name="offset"/> through <paramref name="fd"/>
    /// while the daemon is stopped; null if the read waits for it (its thread sleeps in a FUSE request).
    /// </summary>
    private static byte[]? ReadWithDaemonStopped(string backing, int pid, int fd, int size, long offset = 0)
    {
        Process.GetProcessById(pid); // still there
        // The backing file's pages warm: a read the kernel serves itself then never sleeps, and any
        // sleep (in a FUSE request, or on a page the daemon is to fill) is a wait for the daemon.
        File.ReadAllBytes(backing);
        var tid = 0;
        byte[]? data = null;
        var reader = new Thread(() =>
        {
            Volatile.Write(ref tid, gettid());
            data = Px.PRead(fd, size, offset);
        });
        var waited = false;
        Proc.Check("kill", "-STOP", pid.ToString());
        try
        {
            reader.Start();
            var bound = Stopwatch.StartNew();
            while (!reader.Join(10) && !waited)
            {
                var t = Volatile.Read(ref tid);
                Assert.True(bound.Elapsed < Bound, $"the read neither ended nor waited on FUSE (wchan {Wchan(t)})");
                waited = t != 0 && WaitsOnFuse($"/proc/self/task/{t}/wchan");
            }
        }
        finally
        {
            Proc.Check("kill", "-CONT", pid.ToString());
        }
        Assert.True(reader.Join(Bound), "the read did not end once the daemon went on");
        return waited ? null : data;
    }

    private static bool WaitsOnFuse(string wchan)
    {
        try { return File.ReadAllText(wchan) is var w && (w.Contains("request_wait_answer", StringComparison.Ordinal) || w.Contains("fuse", StringComparison.Ordinal) || w.Contains("folio_wait", StringComparison.Ordinal)); }
        catch (IOException) { return false; }
    }

    private static string Wchan(int tid)
    {
        try { return File.ReadAllText($"/proc/self/task/{tid}/wchan") + " / " + File.ReadAllText($"/proc/self/task/{tid}/stack").Replace('\n', ' '); }
        catch (IOException e) { return e.Message; }
    }

    [Fact]
    public void A_local_file_opened_read_only_is_read_by_the_kernel_alone_and_not_with_no_passthrough()
    {
        var data = Content(3 << 20, 1);
        foreach (var passthrough in new[] { true, false })
        {
            using var m = TestMount.Create();
            File.WriteAllBytes(m.B("f.bin"), data);
            if (passthrough) m.Mount(); else m.Mount("-o", "no_passthrough");
            var pid = DaemonProcess.PidOf(m);
            var fd = Px.Open(m.M("f.bin"), Px.O_RDONLY);
            try
            {
                var read = ReadWithDaemonStopped(m.B("f.bin"), pid, fd, data.Length);
                if (passthrough) Assert.True(read is not null && read.AsSpan().SequenceEqual(data), "a read-only open of a local file waited for the daemon");
                else Assert.Null(read);
                Assert.Equal(data, Px.PRead(fd, data.Length, 0));
            }
            finally
            {
                Px.Close(fd);
            }
            Assert.Equal(0, m.Unmount().ExitCode);
        }
    }

    [Fact]
    public void A_recalled_stub_is_read_by_the_kernel_alone_and_not_released_under_such_a_reader()
    {
        using var m = TestMount.Start();
        var data = Content(5 << 20, 2);
        File.WriteAllBytes(m.M("s.bin"), data);
        Migrate(m.M("s.bin"));
        Assert.Equal("released", State(m.M("s.bin")));
        var pid = DaemonProcess.PidOf(m);

        // Opened as a stub: its reads are answered through its recall (a handle answered while the
        // recall still runs stays the daemon's; StreamingRecallTests hold a recall and read holes).
        var stubFd = Px.Open(m.M("s.bin"), Px.O_RDONLY);
        try { Assert.Equal(data, Px.PRead(stubFd, data.Length, 0)); }
        finally { Px.Close(stubFd); }
        Assert.Equal("archived", State(m.M("s.bin")));
        // Open nowhere now: the next reader is the kernel's alone.
        var fd = Px.Open(m.M("s.bin"), Px.O_RDONLY);
        try { Assert.Equal(data, ReadWithDaemonStopped(m.B("s.bin"), pid, fd, data.Length)); }
        finally { Px.Close(fd); }
        // A file open in passthrough is not released under its reader.
        fd = Px.Open(m.M("s.bin"), Px.O_RDONLY);
        try
        {
            Tierfs("release", m.M("s.bin"));
            Assert.Equal("archived", State(m.M("s.bin")));
            Assert.Equal(data, Px.PRead(fd, data.Length, 0));
        }
        finally
        {
            Px.Close(fd);
        }
        Assert.Equal(0, m.Unmount().ExitCode);
    }

    [Fact]
    public void A_writer_joins_readers_the_kernel_serves_its_writes_are_seen_and_dirty_the_archived_copy_and_no_page_goes_stale()
    {
        using var m = TestMount.Start();
        var data = Content(1 << 20, 3);
        var path = m.M("w.bin");
        File.WriteAllBytes(path, data);
        // Through the page cache first (the daemon's mode), so that stale pages would show later.
        Assert.Equal(data, File.ReadAllBytes(path));
        var archive = Tierfs("archive", path);
        Assert.True(archive.ExitCode == 0, archive.ToString());
        Assert.Equal("archived", State(path));
        var pid = DaemonProcess.PidOf(m);

        var reader = Px.Open(path, Px.O_RDONLY);
        try
        {
            Assert.NotNull(ReadWithDaemonStopped(m.B("w.bin"), pid, reader, 4096)); // the kernel's
            var writer = Px.Open(path, Px.O_RDWR);
            try
            {
                Px.PWrite(writer, "HELLO"u8, 0);
                Assert.Equal("HELLO"u8.ToArray(), Px.PRead(reader, 5, 0));
            }
            finally
            {
                Px.Close(writer);
            }
        }
        finally
        {
            Px.Close(reader);
        }
        Assert.Equal("dirty", State(path));
        Assert.Equal("HELLO"u8.ToArray(), File.ReadAllBytes(m.B("w.bin"))[..5]);

        // Then a writer through the daemon, and a reader that joins it: both see every byte so far.
        var w2 = Px.Open(path, Px.O_WRONLY);
        try
        {
            Px.PWrite(w2, "WORLD"u8, 5);
            var r2 = Px.Open(path, Px.O_RDONLY);
            try
            {
                Assert.Null(ReadWithDaemonStopped(m.B("w.bin"), pid, r2, 4096, 512 << 10)); // joined the daemon's mode (no page cached there)
                Assert.Equal("HELLOWORLD"u8.ToArray(), Px.PRead(r2, 10, 0));
            }
            finally
            {
                Px.Close(r2);
            }
        }
        finally
        {
            Px.Close(w2);
        }
        var expected = data.ToArray();
        "HELLOWORLD"u8.CopyTo(expected);
        Assert.Equal(expected, File.ReadAllBytes(path));
        Assert.Equal(expected, File.ReadAllBytes(m.B("w.bin")));
        Assert.Equal(0, m.Unmount().ExitCode);
    }

    [Fact]
    public void A_flock_taken_through_a_handle_the_kernel_serves_ends_when_that_handle_is_closed()
    {
        using var m = TestMount.Start();
        var path = m.M("locked.bin");
        File.WriteAllBytes(path, Content(2 << 20, 5));
        const int LOCK_EX = 2, LOCK_NB = 4;
        var a = Px.Open(path, Px.O_RDONLY);
        var b = Px.Open(path, Px.O_RDONLY);
        try
        {
            Assert.Equal(0, Px.Flock(a, LOCK_EX | LOCK_NB));
            Assert.NotEqual(0, Px.Flock(b, LOCK_EX | LOCK_NB)); // held by a
            Px.Close(a);
            a = -1;
            // a's lock goes with a, though the kernel still serves b from the same backing file
            // (awaited: a child that a parallel test forks meanwhile shares a until it execs).
            Assert.True(Proc.WaitUntil(() => Px.Flock(b, LOCK_EX | LOCK_NB) == 0, Bound), "a's lock outlived a");
        }
        finally
        {
            if (a >= 0) Px.Close(a);
            Px.Close(b);
        }
        Assert.Equal(0, m.Unmount().ExitCode);
    }

    [Fact]
    public void A_handle_the_kernel_still_serves_after_its_daemon_was_killed_keeps_the_file_from_being_released()
    {
        using var m = TestMount.Start();
        var data = Content(2 << 20, 6);
        var path = m.M("kept.bin");
        File.WriteAllBytes(path, data);
        var archive = Tierfs("archive", path);
        Assert.True(archive.ExitCode == 0, archive.ToString());
        var fd = Px.Open(path, Px.O_RDONLY);
        try
        {
            // The daemon dies; the kernel goes on serving the handle from the backing file.
            var pid = DaemonProcess.PidOf(m);
            Proc.Check("kill", "-KILL", pid.ToString());
            Assert.True(Proc.WaitUntil(() => !DaemonProcess.IsAlive(pid), Bound), "the daemon did not die");
            Assert.Equal(data, Px.PRead(fd, data.Length, 0));

            // A new daemon cannot see that handle among its own, but must not drop the data under it.
            m.Mount();
            var release = Tierfs("release", path);
            Assert.Equal("archived", State(path));
            Assert.Contains("open outside the mount", m.Log);
            Assert.Equal(data, Px.PRead(fd, data.Length, 0));
            Assert.NotEqual(0, release.ExitCode);
        }
        finally
        {
            Px.Close(fd);
        }
        // With the old handle closed, the file is released as usual.
        var again = Tierfs("release", path);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal("released", State(path));
        Assert.Equal(data, File.ReadAllBytes(path));
        Assert.Equal(0, m.Unmount().ExitCode);
    }
}
