using TierFs.Tests.Fakes;
using System.Text;
using TierFs.Posix;

namespace TierFs.Tests.Common;

/// <summary>
/// A create for a caller runs with umask 0 on its own thread only (the kernel applied the caller's
/// already): the rest of the process, and what it starts, keeps the umask it was started with.
/// </summary>
public sealed unsafe class CreatingUmaskTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tierfs-umask-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string ThreadUmask() => Commands.Umask("/proc/thread-self/status");

    [Fact]
    public void The_creating_thread_makes_exact_modes_while_another_thread_keeps_the_umask()
    {
        var before = ThreadUmask();
        Assert.NotEqual("0000", before); // else nothing here could tell
        using var inside = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var path = Path.Combine(_dir, "d");
        var creator = new Thread(() =>
        {
            using (ThreadCredentials.Creating(65534, 65534))
            {
                fixed (byte* p = Encoding.UTF8.GetBytes(path + "\0")) Assert.Equal(0, Libc.MkdirAt(Libc.AT_FDCWD, p, 0x1FF));
                inside.Set();
                release.Wait(TimeSpan.FromSeconds(30));
            }
        });
        creator.Start();
        Assert.True(inside.Wait(TimeSpan.FromSeconds(30)));
        try
        {
            // While the creator holds umask 0, this thread (and a child it would start) does not.
            Assert.Equal(before, ThreadUmask());
            Assert.Equal(before, Commands.Umask());
        }
        finally
        {
            release.Set();
            creator.Join();
        }
        Assert.Equal((UnixFileMode)0x1FF, File.GetUnixFileMode(path)); // 777: no umask of the process's took bits off
        Assert.Equal(before, ThreadUmask());
    }
}
