using TierFs.IntegrationTests.Harness;
using static TierFs.IntegrationTests.Tiering.TierHarness;

namespace TierFs.IntegrationTests.Tiering;

/// <summary>
/// Users who hold open files can take the daemon's descriptors up to its limit. The daemon used to
/// let them take the last one: it could then accept no control connection, and the .NET thread pool,
/// which needs a pipe to start a thread, died with OutOfMemoryException and took the mount with it.
/// </summary>
public class DescriptorReserveTests
{
    /// <summary>A mount over a directory of <paramref name="files"/> small files ("file i" in each).</summary>
    private static TestMount MountOver(string dir, int files)
    {
        var m = TestMount.Create();
        try
        {
            Directory.CreateDirectory(m.B(dir));
            for (var i = 0; i < files; i++) File.WriteAllText(m.B($"{dir}/f{i}"), $"file {i}");
            m.Mount();
            return m;
        }
        catch
        {
            m.Dispose();
            throw;
        }
    }

    /// <summary>Every descriptor of the process: what its limit counts.</summary>
    private static int Descriptors(int pid) => Directory.GetFiles($"/proc/{pid}/fd").Length;

    /// <summary>The running daemon's descriptor limit, lowered as an administrator would (the hard limit <paramref name="hard"/>, default the same).</summary>
    private static void LowerLimit(int pid, int limit, int? hard = null)
    {
        var prlimit = Proc.Run("prlimit", ["--pid", pid.ToString(), $"--nofile={limit}:{hard ?? limit}"], TimeSpan.FromSeconds(30));
        Assert.True(prlimit.ExitCode == 0, prlimit.ToString());
    }

    [Fact]
    public void Users_holding_files_up_to_the_daemons_limit_get_EMFILE_and_the_daemon_keeps_descriptors_to_serve_and_live()
    {
        const int Files = 600;
        using var m = MountOver("held", Files);
        var pid = DaemonProcess.PidOf(m);
        var limit = Descriptors(pid) + 300;
        const int Steps = 6; // the soft limit may be raised again this far (raising the hard one takes CAP_SYS_RESOURCE)
        LowerLimit(pid, limit, limit + Steps);

        var openBefore = DaemonProcess.OpenDescriptors(pid);
        var held = new List<FileStream>();
        try
        {
            // Each file open through the mount holds one backing descriptor in the daemon.
            IOException? refused = null;
            for (var i = 0; i < Files && refused == null; i++)
            {
                try { held.Add(new FileStream(m.M($"held/f{i}"), FileMode.Open, FileAccess.Read)); }
                catch (IOException e) { refused = e; }
            }
            Assert.True(refused != null, $"all {Files} opens succeeded under a limit of {limit}");
            Assert.True(refused.Message.Contains("Too many open files"), $"{refused.Message}\nits log:\n{m.LogTail()}");
            Assert.True(DaemonProcess.IsAlive(pid), m.LogTail());
            var free = limit - Directory.GetFiles($"/proc/{pid}/fd").Length;
            Assert.True(free >= 32, $"the daemon has {free} descriptors left of {limit}");

            // With every descriptor it lends to users taken, the daemon still serves its commands
            // (each connection is a new socket) and the files that are open.
            for (var round = 0; round < 5; round++)
            {
                var status = Proc.Run(Proc.Tierfs, ["status", m.MountPoint], TimeSpan.FromSeconds(20));
                Assert.True(status.ExitCode == 0, $"{status}\ndaemon alive: {DaemonProcess.IsAlive(pid)}; its log:\n{m.LogTail()}");
            }
            Parallel.For(0, held.Count, new ParallelOptions { MaxDegreeOfParallelism = 16 }, i =>
            {
                using var r = new StreamReader(held[i], leaveOpen: true);
                Assert.Equal($"file {i}", r.ReadToEnd());
            });
            Assert.Contains("nearly reached", m.Log);

            // An open that would truncate or create is refused before it changes anything: `> f` keeps f.
            var truncate = Assert.Throws<IOException>(() => File.WriteAllText(m.M("held/f1"), "new"));
            Assert.Contains("Too many open files", truncate.Message);
            Assert.Equal("file 1", File.ReadAllText(m.B("held/f1")));
            var create = Assert.Throws<IOException>(() => File.WriteAllText(m.M("held/new"), "new"));
            Assert.Contains("Too many open files", create.Message);
            Assert.False(File.Exists(m.B("held/new")), "a refused create left a file behind");

            // Across the border one descriptor at a time (a create needs two: its file's and the new
            // inode's): each create is refused with nothing made, or made whole.
            var made = false;
            for (var step = 1; step <= Steps && !made; step++)
            {
                LowerLimit(pid, limit + step, limit + Steps);
                var name = $"held/border{step}";
                try
                {
                    File.WriteAllText(m.M(name), "new");
                    made = true;
                    Assert.Equal("new", File.ReadAllText(m.B(name)));
                }
                catch (IOException e) when (e.Message.Contains("Too many open files"))
                {
                    Assert.False(File.Exists(m.B(name)), $"a create refused under a limit of {limit + step} left its file behind");
                }
            }
            Assert.True(made, $"no create was served with the limit raised by {Steps}");
        }
        finally
        {
            foreach (var f in held) f.Dispose();
        }

        // With the files closed, everything is served again, new opens and commands alike. The kernel
        // sends the releases of closed files in the background: under load their descriptors go some
        // moments later, and until then the daemon is as near its limit as while they were held.
        Assert.True(DaemonProcess.IsAlive(pid), m.LogTail());
        var open = 0;
        Assert.True(Proc.WaitUntil(() => (open = DaemonProcess.OpenDescriptors(pid)) <= openBefore + 8, TimeSpan.FromSeconds(30)),
            $"the daemon still has {open} files open, {openBefore} before the users held {held.Count}");
        var archive = Tierfs("archive", "-r", m.M("held"));
        Assert.True(archive.ExitCode == 0, $"{archive}\nits log:\n{m.LogTail()}");
        Assert.Equal($"file {Files - 1}", File.ReadAllText(m.M($"held/f{Files - 1}")));
        Assert.Equal(0, m.Unmount().ExitCode);
    }

    [Fact]
    public void A_limit_lowered_on_the_running_daemon_bounds_its_inode_descriptors_and_every_name_is_still_looked_up()
    {
        // Inode descriptors were sized by the limit at start (half of it): after prlimit lowered it,
        // they took what was left and a lookup failed with EMFILE, no file being open.
        const int Files = 1500;
        using var m = MountOver("many", Files);
        var pid = DaemonProcess.PidOf(m);
        var before = Descriptors(pid);
        var limit = before + 600;
        LowerLimit(pid, limit);

        var most = 0;
        for (var i = 0; i < Files; i++)
        {
            var rc = Px.TryStat(m.M($"many/f{i}"), out _);
            Assert.True(rc == 0, $"stat of many/f{i} under a limit of {limit}: {Px.Name(rc)}\nits log:\n{m.LogTail()}");
            if (i % 100 == 0) most = Math.Max(most, Descriptors(pid));
        }
        most = Math.Max(most, Descriptors(pid));
        // Half the limit for inodes, and what the daemon held before (its own files, sockets, the root).
        Assert.True(most <= before + limit / 2, $"the daemon held {most} descriptors under a limit of {limit} ({before} before)");
        Assert.DoesNotContain("nearly reached", m.Log);
        Assert.Equal("file 0", File.ReadAllText(m.M("many/f0")));
        Assert.Equal($"file {Files - 1}", File.ReadAllText(m.M($"many/f{Files - 1}")));
        Assert.Equal(0, m.Unmount().ExitCode);
    }
}
