using System.Diagnostics;
using TierFs.IntegrationTests.Harness;
using static TierFs.IntegrationTests.Tiering.TierHarness;

namespace TierFs.IntegrationTests.Tiering;

/// <summary>
/// A release drops a file's data under a write lease, and the kernel signals the lease's taker (SIGIO)
/// when another process opens the file meanwhile. Unhandled, that signal ended the daemon: a virus
/// scanner or a backup agent reading the backing tree during a release took the mount down.
/// </summary>
public class LeaseBreakTests
{
    [Fact]
    public void Releases_while_another_process_keeps_opening_the_backing_file_leave_the_daemon_serving_and_the_data_whole()
    {
        using var m = TestMount.Start();
        var data = Content(256 * 1024, 7);
        File.WriteAllBytes(m.M("f.bin"), data);
        Assert.True(Tierfs("archive", m.M("f.bin")).ExitCode == 0);
        var pid = DaemonProcess.PidOf(m);

        // The outside reader: opens and closes the backing file, with short random pauses, so that
        // some releases find it closed (and take the lease) and its next open lands in their lease.
        using var stop = new CancellationTokenSource();
        var opens = 0L;
        var outside = new Thread(() =>
        {
            var rng = new Random(1);
            var clock = Stopwatch.StartNew();
            while (!stop.IsCancellationRequested)
            {
                if (Px.TryOpen(m.B("f.bin"), Px.O_RDONLY, out var fd) == 0)
                {
                    Px.Close(fd);
                    Interlocked.Increment(ref opens);
                }
                var until = clock.Elapsed + TimeSpan.FromMicroseconds(rng.Next(0, 300));
                while (clock.Elapsed < until) Thread.SpinWait(20);
            }
        }) { IsBackground = true };
        outside.Start();
        var released = 0;
        var busy = 0;
        try
        {
            for (var cycle = 0; cycle < 12; cycle++)
            {
                var r = Tierfs("release", m.M("f.bin"));
                Assert.True(DaemonProcess.IsAlive(pid), $"cycle {cycle}: the daemon died during a release ({r})\n{m.LogTail()}");
                if (r.ExitCode == 0 && State(m.M("f.bin")) == "released") released++;
                else if ((r.Stdout + r.Stderr).Contains("in use")) busy++;
                else Assert.Fail($"cycle {cycle}: {r}");
                Assert.Equal(data, File.ReadAllBytes(m.M("f.bin"))); // recalled if it was released
            }
        }
        finally
        {
            stop.Cancel();
            outside.Join();
        }
        Assert.True(released > 0, $"no release got its lease ({busy} found the file in use)");
        Assert.True(Interlocked.Read(ref opens) > 0);
        Assert.True(DaemonProcess.IsAlive(pid), m.LogTail());
        Assert.Equal(0, m.Unmount().ExitCode);
    }
}
