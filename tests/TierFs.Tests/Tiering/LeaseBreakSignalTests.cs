using System.Text;
using TierFs.Posix;
using TierFs.Tests.Fakes;
using TierFs.Tiering.Engine;

namespace TierFs.Tests.Tiering;

/// <summary>
/// The kernel signals a lease's taker (SIGIO, whose default action ends the process) when another open
/// breaks the lease. The release's lease must not cost the daemon its life: before the fix, this test
/// ended the test host with signal 29.
/// </summary>
public unsafe class LeaseBreakSignalTests : IDisposable
{
    private const int F_GETLEASE = 1025;
    private readonly string _dir = Directory.CreateTempSubdirectory("tierfs-lease-").FullName;

    [Fact]
    public void An_open_that_breaks_the_release_lease_waits_for_it_and_the_process_lives()
    {
        var path = Path.Combine(_dir, "f");
        File.WriteAllText(path, "data");
        var wfd = Open(path, Libc.O_WRONLY);
        try
        {
            Assert.Equal(0, StubStore.TakeWriteLease(wfd));
            Assert.True(LeaseBreakSignal.Ignored());
            var opened = -1;
            var opener = new Thread(() => opened = Open(path, Libc.O_RDONLY));
            opener.Start();
            // The opener waits in the kernel, which now asks the taker to give the lease up.
            Await.Until(() => Libc.FcntlInt(wfd, F_GETLEASE, 0) != Libc.F_WRLCK, TimeSpan.FromSeconds(10), "the open breaks the lease");
            Assert.True(opener.IsAlive, "the open did not wait for the lease");
            StubStore.DropLease(wfd);
            Assert.True(opener.Join(TimeSpan.FromSeconds(10)), "the open still waits after the lease was dropped");
            Assert.True(opened >= 0, "the open failed");
            Libc.Close(opened);
        }
        finally
        {
            Libc.Close(wfd);
        }
    }

    private static int Open(string path, int flags)
    {
        fixed (byte* p = Encoding.UTF8.GetBytes(path + "\0")) return Libc.OpenAt(Libc.AT_FDCWD, p, flags | Libc.O_CLOEXEC, 0);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
