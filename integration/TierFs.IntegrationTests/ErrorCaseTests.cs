using TierFs.IntegrationTests.Harness;

namespace TierFs.IntegrationTests;

/// <summary>
/// The errors a program gets back: ENOENT, EEXIST, ENOTEMPTY, ENOTDIR, EISDIR, ELOOP,
/// ENAMETOOLONG, EINVAL, and EXDEV across filesystems — the same errno on the mount as on a
/// plain directory, and nothing changed by a failed call.
/// </summary>
public class ErrorCaseTests(MountFixture f) : IClassFixture<MountFixture>
{
    [Fact]
    public void Every_call_fails_with_the_same_errno_as_on_a_plain_directory()
    {
        var longName = new string('n', 256);
        Differential.Same(f, "errors", s =>
        {
            File.WriteAllText(s.P("file"), "data");
            s.Do("mkdir dir", Px.Mkdir(s.P("dir")));
            File.WriteAllText(s.P("dir/child"), "x");
            s.Do("mkdir empty", Px.Mkdir(s.P("empty")));
            s.Do("symlink loop1", Px.Symlink("loop2", s.P("loop1")));
            s.Do("symlink loop2", Px.Symlink("loop1", s.P("loop2")));
            s.Do("symlink dirlink", Px.Symlink("dir", s.P("dirlink")));

            // ENOENT
            s.Do("stat missing", Px.TryStat(s.P("missing"), out _));
            s.Do("stat missing/x", Px.TryStat(s.P("missing/x"), out _));
            s.Do("open missing", Px.TryOpen(s.P("missing"), Px.O_RDONLY, out _));
            s.Do("create in missing dir", Px.TryOpen(s.P("missing/new"), Px.O_CREAT | Px.O_WRONLY, out _));
            s.Do("unlink missing", Px.Unlink(s.P("missing")));
            s.Do("rmdir missing", Px.Rmdir(s.P("missing")));
            s.Do("rename missing", Px.Rename(s.P("missing"), s.P("x")));
            s.Do("rename into missing dir", Px.Rename(s.P("file"), s.P("missing/file")));
            s.Do("link missing", Px.Link(s.P("missing"), s.P("x")));
            s.Do("chmod missing", Px.Chmod(s.P("missing"), 0x1FF));
            s.Do("chown missing", Px.Lchown(s.P("missing"), 1, 1));
            s.Do("truncate missing", Px.Truncate(s.P("missing"), 0));
            s.Do("utimens missing", Px.Utimens(s.P("missing"), Px.Now, Px.Now));
            s.Do("setxattr missing", Px.SetXattr(s.P("missing"), "user.a", "1"u8));
            s.Do("getxattr missing", Px.TryGetXattr(s.P("missing"), "user.a", out _));
            s.Do("listxattr missing", Px.TryListXattr(s.P("missing"), out _));
            s.Do("readlink missing", Px.TryReadlink(s.P("missing"), out _));
            s.Do("mknod in missing dir", Px.Mknod(s.P("missing/p"), Px.S_IFIFO | 0x1A4));
            s.Do("symlink in missing dir", Px.Symlink("t", s.P("missing/l")));
            s.Do("trailing slash on dir", Px.TryStat(s.P("dir") + "/", out _));

            // EEXIST
            s.Do("mkdir existing file", Px.Mkdir(s.P("file")));
            s.Do("mkdir existing dir", Px.Mkdir(s.P("dir")));
            s.Do("mknod existing", Px.Mknod(s.P("file"), Px.S_IFIFO | 0x1A4));
            s.Do("symlink existing", Px.Symlink("t", s.P("file")));
            s.Do("link onto existing", Px.Link(s.P("file"), s.P("dir")));
            s.Do("O_CREAT|O_EXCL existing", Px.TryOpen(s.P("file"), Px.O_CREAT | Px.O_EXCL | Px.O_WRONLY, out _));
            s.Do("O_CREAT|O_EXCL on a symlink", Px.TryOpen(s.P("dirlink"), Px.O_CREAT | Px.O_EXCL | Px.O_WRONLY, out _));
            s.Do("RENAME_NOREPLACE existing", Px.Rename(s.P("file"), s.P("empty"), Px.RENAME_NOREPLACE));

            // ENOTEMPTY
            s.Do("rmdir non-empty", Px.Rmdir(s.P("dir")));
            s.Do("rename dir over non-empty dir", Px.Rename(s.P("empty"), s.P("dir")));

            // ENOTDIR
            s.Do("stat file/x", Px.TryStat(s.P("file/x"), out _));
            s.Do("open file/x", Px.TryOpen(s.P("file/x"), Px.O_RDONLY, out _));
            s.Do("mkdir file/x", Px.Mkdir(s.P("file/x")));
            s.Do("rmdir file", Px.Rmdir(s.P("file")));
            s.Do("rename dir over file", Px.Rename(s.P("empty"), s.P("file")));
            s.Do("O_DIRECTORY file", Px.TryOpen(s.P("file"), Px.O_RDONLY | Px.O_DIRECTORY, out _));
            s.Do("trailing slash on file", Px.TryStat(s.P("file") + "/", out _));

            // EISDIR
            s.Do("open dir O_WRONLY", Px.TryOpen(s.P("dir"), Px.O_WRONLY, out _));
            s.Do("open dir O_RDWR", Px.TryOpen(s.P("dir"), Px.O_RDWR, out _));
            s.Do("O_CREAT on a dir", Px.TryOpen(s.P("dir"), Px.O_CREAT | Px.O_WRONLY, out _));
            s.Do("unlink dir", Px.Unlink(s.P("dir")));
            s.Do("rename file over dir", Px.Rename(s.P("file"), s.P("empty")));
            s.Do("truncate dir", Px.Truncate(s.P("dir"), 0));

            // ELOOP, ENAMETOOLONG, EINVAL
            s.Do("open symlink loop", Px.TryOpen(s.P("loop1"), Px.O_RDONLY, out _));
            s.Do("stat -L symlink loop", Px.TryStat(s.P("loop1"), out _, follow: true));
            s.Do("O_NOFOLLOW on symlink", Px.TryOpen(s.P("dirlink"), Px.O_RDONLY | Px.O_NOFOLLOW, out _));
            s.Do("create 256-byte name", Px.TryOpen(s.P(longName), Px.O_CREAT | Px.O_WRONLY, out _));
            s.Do("mkdir 256-byte name", Px.Mkdir(s.P(longName)));
            s.Do("stat 256-byte name", Px.TryStat(s.P(longName), out _));
            s.Do("rename onto 256-byte name", Px.Rename(s.P("file"), s.P(longName)));
            s.Do("create 255-byte name", Px.TryOpen(s.P(longName[..255]), Px.O_CREAT | Px.O_WRONLY, out var fd255));
            if (fd255 >= 0) Px.Close(fd255);
            s.Do("rename dir into its child", Px.Rename(s.P("dir"), s.P("dir/sub")));
            s.Do("rename . ", Px.Rename(s.P("dir/."), s.P("x")));
            s.Do("rmdir .", Px.Rmdir(s.P("dir/.")));
            s.Do("rmdir ..", Px.Rmdir(s.P("dir/..")));
            s.Do("readlink of a file", Px.TryReadlink(s.P("file"), out _));
            s.Do("link dir (EPERM)", Px.Link(s.P("dir"), s.P("dir2")));

            // Nothing changed by the failures.
            s.List("");
            s.List("dir");
            s.Content("file");
            s.Stat("dir");
            s.Stat("empty");
        });
    }

    [Fact]
    public void Rename_and_link_to_another_filesystem_fail_with_EXDEV()
    {
        var shm = Path.Combine("/dev/shm", $"tierfs-it-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(shm);
        try
        {
            var n = 0;
            Differential.Same(f, "exdev", s =>
            {
                var other = Path.Combine(shm, $"run{n++}");
                Directory.CreateDirectory(other);
                File.WriteAllText(Path.Combine(other, "theirs"), "from tmpfs");
                File.WriteAllText(s.P("mine"), "from here");
                s.Do("mkdir d", Px.Mkdir(s.P("d")));
                s.Do("rename file to /dev/shm", Px.Rename(s.P("mine"), Path.Combine(other, "mine")));
                s.Do("rename dir to /dev/shm", Px.Rename(s.P("d"), Path.Combine(other, "d")));
                s.Do("rename file from /dev/shm", Px.Rename(Path.Combine(other, "theirs"), s.P("theirs")));
                s.Do("RENAME_EXCHANGE across", Px.Rename(s.P("mine"), Path.Combine(other, "theirs"), Px.RENAME_EXCHANGE));
                s.Do("link to /dev/shm", Px.Link(s.P("mine"), Path.Combine(other, "mine")));
                s.Do("link from /dev/shm", Px.Link(Path.Combine(other, "theirs"), s.P("theirs")));
                s.Content("mine");
                s.Stat("d");
                // mv copies where rename cannot.
                var mv = Proc.Run("mv", s.P("mine"), Path.Combine(other, "moved"));
                s.Note($"mv across: exit {mv.ExitCode}");
                s.Stat("mine");
                s.Note($"moved content: {File.ReadAllText(Path.Combine(other, "moved"))}");
            });

            // The mount and its own backing directory are two mounts: no rename between them either.
            var (_, mounted, backing) = f.NewDirs("exdev-backing");
            File.WriteAllText(Path.Combine(mounted, "a"), "a");
            Assert.Equal(Px.EXDEV, Px.Rename(Path.Combine(mounted, "a"), Path.Combine(backing, "b")));
            Assert.Equal(Px.EXDEV, Px.Rename(Path.Combine(backing, "a"), Path.Combine(mounted, "b")));
            Assert.Equal(Px.EXDEV, Px.Link(Path.Combine(mounted, "a"), Path.Combine(backing, "b")));
            Assert.True(File.Exists(Path.Combine(mounted, "a")));
        }
        finally
        {
            Directory.Delete(shm, recursive: true);
        }
    }
}
