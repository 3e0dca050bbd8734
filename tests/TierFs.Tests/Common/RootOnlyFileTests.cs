using TierFs.Tests.Fakes;
using TierFs.Posix;

namespace TierFs.Tests.Common;

/// <summary>
/// The configuration root acts on is read only when no one else could have written it: neither the
/// file nor a directory on its real path. Runs as root (the tests' temp directory is root's).
/// </summary>
public sealed class RootOnlyFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tierfs-rootonly-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string relative, string text)
    {
        var path = Path.Combine(_dir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        File.SetUnixFileMode(path, (UnixFileMode)0x1A4); // 644
        return path;
    }

    private static string Refused(string path) => Assert.Throws<UntrustedFileException>(() => RootOnlyFile.ReadAllText(path)).Message;

    [Fact]
    public void A_file_root_alone_can_write_is_read_through_a_symlink_and_in_a_sticky_directory()
    {
        var f = Write("etc/tierfs.yaml", "a: 1\n");
        Assert.Equal("a: 1\n", RootOnlyFile.ReadAllText(f));

        // A link an administrator made elsewhere: what counts is the file it leads to and where that is.
        var link = Path.Combine(_dir, "link.yaml");
        File.CreateSymbolicLink(link, f);
        Assert.Equal("a: 1\n", RootOnlyFile.ReadAllText(link));

        // Like /tmp: everyone may add names, no one may replace root's.
        var sticky = Write("shared/tierfs.yaml", "b: 2\n");
        File.SetUnixFileMode(Path.GetDirectoryName(sticky)!, (UnixFileMode)0x3FF); // 1777
        Assert.Equal("b: 2\n", RootOnlyFile.ReadAllText(sticky));
    }

    [Fact]
    public void A_file_another_user_owns_or_could_write_or_replace_is_refused_saying_why()
    {
        var f = Write("etc/tierfs.yaml", "a: 1\n");
        File.SetUnixFileMode(f, (UnixFileMode)0x1B6); // 666
        Assert.Equal($"{f} is writable by others (mode 666)", Refused(f));
        File.SetUnixFileMode(f, (UnixFileMode)0x1B4); // 664: the group's members too
        Assert.Equal($"{f} is writable by others (mode 664)", Refused(f));

        File.SetUnixFileMode(f, (UnixFileMode)0x1A4);
        Commands.Ok("chown", "65534", f);
        Assert.Equal($"{f} is owned by uid 65534, not root", Refused(f));

        // Root's own file in a directory a user owns (their home): they can rename another file onto it.
        var inHome = Write("home/user/tierfs.yaml", "a: 1\n");
        var home = Path.GetDirectoryName(inHome)!;
        Commands.Ok("chown", "65534", home);
        Assert.Equal($"{inHome}: {home} is owned by uid 65534, not root", Refused(inHome));

        // Or a directory further up that others may write (not sticky).
        var deep = Write("open/a/b/tierfs.yaml", "a: 1\n");
        File.SetUnixFileMode(Path.Combine(_dir, "open"), (UnixFileMode)0x1FF); // 777
        Assert.Equal($"{deep}: {Path.Combine(_dir, "open")} is writable by others (mode 777)", Refused(deep));

        // A link in a trusted place to a file in an untrusted one is judged by where it leads.
        var link = Path.Combine(_dir, "link.yaml");
        File.CreateSymbolicLink(link, deep);
        Assert.Equal($"{link}: {Path.Combine(_dir, "open")} is writable by others (mode 777)", Refused(link));
    }

    [Fact]
    public void A_symlink_a_user_made_or_could_have_made_does_not_choose_the_file_even_a_trusted_one()
    {
        var good = Write("etc/tierfs.yaml", "a: 1\n");
        // A user's link (in /tmp, say) to root's own file: the user could point it anywhere.
        var theirs = Path.Combine(_dir, "theirs.yaml");
        File.CreateSymbolicLink(theirs, good);
        Commands.Ok("chown", "-h", "65534", theirs);
        Assert.Equal($"{theirs}: the symlink {theirs} is owned by uid 65534, not root", Refused(theirs));

        // Root's link, but in a directory the user owns: they can put their own in its place.
        var home = Path.Combine(_dir, "home");
        Directory.CreateDirectory(home);
        File.CreateSymbolicLink(Path.Combine(home, "tierfs.yaml"), good);
        Commands.Ok("chown", "65534", home);
        Assert.Equal($"{Path.Combine(home, "tierfs.yaml")}: {home} is owned by uid 65534, not root", Refused(Path.Combine(home, "tierfs.yaml")));

        // A relative link and a "..", walked like any other name.
        var relative = Path.Combine(_dir, "etc", "again.yaml");
        File.CreateSymbolicLink(relative, "../etc/./tierfs.yaml");
        Assert.Equal("a: 1\n", RootOnlyFile.ReadAllText(relative));
    }

    [Fact]
    public async Task A_fifo_is_refused_at_once_and_a_reader_holding_a_lock_does_not_stop_the_read()
    {
        var fifo = Path.Combine(_dir, "fifo.yaml");
        Commands.Ok("mkfifo", "-m", "644", fifo);
        var refused = await Task.Run(() => Refused(fifo)).WaitAsync(TimeSpan.FromSeconds(10)); // a TimeoutException: it waited on the fifo
        Assert.Equal($"{fifo} is not a regular file", refused);

        var f = Write("etc/tierfs.yaml", "a: 1\n");
        using var held = new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.None); // flock(LOCK_EX), as any reader may take
        Assert.Equal("a: 1\n", RootOnlyFile.ReadAllText(f));
    }
}
