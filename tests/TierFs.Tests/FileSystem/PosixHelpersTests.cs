using System.Runtime.InteropServices;
using TierFs.FileSystem;
using TierFs.Posix;

namespace TierFs.Tests.FileSystem;

public unsafe class PosixHelpersTests
{
    [Theory]
    [InlineData(0, "/proc/self/fd/0")]
    [InlineData(7, "/proc/self/fd/7")]
    [InlineData(1234567, "/proc/self/fd/1234567")]
    [InlineData(int.MaxValue, "/proc/self/fd/2147483647")]
    public void ProcFd_formats_a_null_terminated_path(int fd, string expected)
    {
        var buf = stackalloc byte[ProcFd.BufferSize];
        var p = ProcFd.Format(fd, buf);
        Assert.Equal(expected, Marshal.PtrToStringUTF8((IntPtr)p));
    }

    [Theory]
    [InlineData(8u, 1u, 0x801UL)]      // /dev/sda1
    [InlineData(0u, 58u, 0x3aUL)]
    [InlineData(259u, 0u, 0x10300UL)]  // nvme
    [InlineData(4096u, 256u, 0x1000_0010_0000UL)] // glibc makedev(4096, 256)
    public void MakeDev_matches_glibc(uint major, uint minor, ulong expected) =>
        Assert.Equal(expected, Attr.MakeDev(major, minor));

    [Fact]
    public void Statx_mirror_reads_what_the_kernel_reports()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, new byte[12345]);
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
            File.SetLastWriteTimeUtc(path, new DateTime(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc));
            var b = System.Text.Encoding.UTF8.GetBytes(path + "\0");
            StatX st;
            fixed (byte* p = b) Assert.Equal(0, Libc.Statx(Libc.AT_FDCWD, p, 0, StatX.BasicStats, &st));
            Assert.Equal(12345UL, st.Size);
            Assert.Equal(Libc.S_IFREG | 0x1A0u, st.Mode);
            Assert.Equal(new DateTimeOffset(2001, 2, 3, 4, 5, 6, TimeSpan.Zero).ToUnixTimeSeconds(), st.Mtime.Sec);
            Assert.Equal(1u, st.Nlink);
            Assert.Equal(256, sizeof(StatX));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
