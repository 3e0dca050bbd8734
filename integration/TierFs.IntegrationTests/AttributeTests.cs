using System.Text;
using TierFs.IntegrationTests.Harness;

namespace TierFs.IntegrationTests;

/// <summary>
/// lookup/getattr and setattr (chmod, chown, truncate, utimensat) through the mount, each compared
/// with the same calls on a plain directory, and each stat checked against the backing inode at
/// once (no waiting out the attribute cache).
/// </summary>
public class AttributeTests(MountFixture f) : IClassFixture<MountFixture>
{
    [Fact]
    public void Lookup_and_getattr_of_every_file_type()
    {
        Differential.Same(f, "types", s =>
        {
            File.WriteAllText(s.P("file"), "twelve bytes");
            s.Do("mkdir dir", Px.Mkdir(s.P("dir"), 0x1C0));
            s.Do("symlink", Px.Symlink("file", s.P("link")));
            s.Do("symlink dangling", Px.Symlink("nowhere/at/all", s.P("dangling")));
            s.Do("mkfifo", Px.Mknod(s.P("fifo"), Px.S_IFIFO | 0x1A0));
            s.Do("mknod chr 1:3", Px.Mknod(s.P("null"), Px.S_IFCHR | 0x1B6, (1 << 8) | 3));
            s.Do("link", Px.Link(s.P("file"), s.P("hard")));
            foreach (var n in new[] { "", "file", "dir", "link", "dangling", "fifo", "null", "hard", "missing", "dir/missing" })
                s.Stat(n);
            // stat that follows the symlink lands on the file.
            var followed = Px.Stat(s.P("link"), follow: true);
            s.Note($"stat -L link: {followed.Portable}");
            s.Note($"link and file share an inode: {followed.Ino == Px.Stat(s.P("file")).Ino}");
            s.Note($"hard and file share an inode: {Px.Stat(s.P("hard")).Ino == Px.Stat(s.P("file")).Ino}");
            s.List("");
        });
    }

    [Fact]
    public void Files_made_in_the_backing_dir_are_seen_with_their_exact_attributes()
    {
        var (_, mounted, backing) = f.NewDirs("existing");
        File.WriteAllBytes(Path.Combine(backing, "data"), new byte[100_000]);
        Directory.CreateDirectory(Path.Combine(backing, "sub/deeper"));
        File.WriteAllText(Path.Combine(backing, "sub/deeper/leaf"), "leaf");
        Assert.Equal(0, Px.Symlink("sub/deeper/leaf", Path.Combine(backing, "sl")));
        Assert.Equal(0, Px.Lchown(Path.Combine(backing, "data"), 1234, 5678));
        Assert.Equal(0, Px.Chmod(Path.Combine(backing, "data"), 0x124));
        Assert.Equal(0, Px.Utimens(Path.Combine(backing, "data"), new Ts(1_000_000_000, 123_456_789), new Ts(1_200_000_000, 987_654_321)));

        foreach (var rel in new[] { "data", "sub", "sub/deeper", "sub/deeper/leaf", "sl" })
        {
            var m = Px.Stat(Path.Combine(mounted, rel));
            var b = Px.Stat(Path.Combine(backing, rel));
            Assert.Equal(b.Full, m.Full);
        }
        Assert.Equal("leaf", File.ReadAllText(Path.Combine(mounted, "sl")));
        Assert.Equal(0, Px.TryReadlink(Path.Combine(mounted, "sl"), out var target));
        Assert.Equal("sub/deeper/leaf", target);
    }

    [Fact]
    public void Chmod_shows_the_new_mode_at_once()
    {
        Differential.Same(f, "chmod", s =>
        {
            File.WriteAllText(s.P("f"), "x");
            s.Do("mkdir d", Px.Mkdir(s.P("d")));
            s.Do("symlink", Px.Symlink("f", s.P("l")));
            foreach (var mode in new uint[] { 0x1FF, 0x000, 0x9ED /* 04755 */, 0x5ED /* 02755 */, 0x3FF /* 01777 */, 0x180, 0xFFF })
            {
                s.Stat("f");
                s.Do($"chmod f {Convert.ToString(mode, 8)}", Px.Chmod(s.P("f"), mode));
                s.Stat("f");
                s.Do($"chmod d {Convert.ToString(mode, 8)}", Px.Chmod(s.P("d"), mode));
                s.Stat("d");
            }
            // chmod through a symlink changes the target, not the link.
            s.Do("chmod via link", Px.Chmod(s.P("l"), 0x1A4));
            s.Stat("f");
            s.Stat("l");
            s.Do("chmod missing", Px.Chmod(s.P("missing"), 0x1A4));
        });
    }

    [Fact]
    public void Chown_shows_the_new_owner_at_once_and_clears_setid_bits_like_a_plain_dir()
    {
        Differential.Same(f, "chown", s =>
        {
            File.WriteAllText(s.P("f"), "x");
            s.Do("symlink", Px.Symlink("f", s.P("l")));
            s.Do("mkdir d", Px.Mkdir(s.P("d")));
            s.Stat("f");
            s.Do("chown f 1000:1000", Px.Lchown(s.P("f"), 1000, 1000));
            s.Stat("f");
            s.Do("chown f -1:2000", Px.Lchown(s.P("f"), uint.MaxValue, 2000));
            s.Stat("f");
            s.Do("chown f 3000:-1", Px.Lchown(s.P("f"), 3000, uint.MaxValue));
            s.Stat("f");
            s.Do("lchown l 4000:4000", Px.Lchown(s.P("l"), 4000, 4000));
            s.Stat("l");
            s.Stat("f");
            s.Do("chown d 5:6", Px.Lchown(s.P("d"), 5, 6));
            s.Stat("d");
            // set-id bits: chown of a regular file drops them, even by root.
            s.Do("chmod f 6755", Px.Chmod(s.P("f"), 0xDED));
            s.Stat("f");
            s.Do("chown f 7:7", Px.Lchown(s.P("f"), 7, 7));
            s.Stat("f");
            s.Do("chmod d 2755", Px.Chmod(s.P("d"), 0x5ED));
            s.Do("chown d 8:8", Px.Lchown(s.P("d"), 8, 8));
            s.Stat("d");
            s.Do("chown missing", Px.Lchown(s.P("missing"), 1, 1));
        });
    }

    [Fact]
    public void Truncate_by_path_and_by_descriptor()
    {
        Differential.Same(f, "truncate", s =>
        {
            File.WriteAllText(s.P("f"), "0123456789");
            var before = s.Stat("f")!;
            s.WaitForClockAfter(before.Ctime);
            s.Do("truncate 4", Px.Truncate(s.P("f"), 4));
            var after = s.Stat("f")!;
            s.Note($"mtime moved: {after.Mtime > before.Mtime}, ctime moved: {after.Ctime > before.Ctime}");
            s.Content("f");
            s.Do("truncate 100000 (grow)", Px.Truncate(s.P("f"), 100_000));
            s.Stat("f");
            s.Content("f");
            var fd = Px.Open(s.P("f"), Px.O_RDWR);
            s.Do("ftruncate 7", Px.Ftruncate(fd, 7));
            s.FStat("f", fd, "f");
            s.Stat("f");
            s.Do("ftruncate 0", Px.Ftruncate(fd, 0));
            s.Stat("f");
            Px.Close(fd);
            s.Content("f");
            var ro = Px.Open(s.P("f"), Px.O_RDONLY);
            s.Do("ftruncate on read-only fd", Px.Ftruncate(ro, 1));
            Px.Close(ro);
            s.Do("truncate -1", Px.Truncate(s.P("f"), -1));
            s.Do("truncate dir", Px.Truncate(s.Dir, 0));
            s.Do("truncate missing", Px.Truncate(s.P("missing"), 0));
        });
    }

    [Fact]
    public void Utimensat_with_explicit_times_now_and_omit()
    {
        var t1 = new Ts(1_000_000_000, 111_111_111);
        var t2 = new Ts(1_100_000_000, 222_222_222);
        var t3 = new Ts(1_200_000_000, 333_333_333);
        Differential.Same(f, "utimens", s =>
        {
            File.WriteAllText(s.P("f"), "x");
            s.Do("symlink", Px.Symlink("f", s.P("l")));
            StatInfo St(string label)
            {
                var st = s.Stat("f")!;
                s.Note($"{label}: atime={Rel(st.Atime)} mtime={Rel(st.Mtime)}");
                return st;
            }
            string Rel(Ts t) => t == t1 ? "t1" : t == t2 ? "t2" : t == t3 ? "t3" : t.Sec > 1_500_000_000 ? "recent" : t.ToString();

            s.Do("utimens t1 t2", Px.Utimens(s.P("f"), t1, t2));
            St("explicit");
            var c0 = s.Stat("f")!.Ctime;
            s.WaitForClockAfter(c0);
            s.Do("utimens NOW OMIT", Px.Utimens(s.P("f"), Px.Now, Px.Omit));
            var a = St("atime now, mtime kept");
            s.Note($"ctime moved: {a.Ctime > c0}");
            s.Do("utimens t1 t2", Px.Utimens(s.P("f"), t1, t2));
            s.Do("utimens OMIT NOW", Px.Utimens(s.P("f"), Px.Omit, Px.Now));
            St("atime kept, mtime now");
            s.Do("utimens OMIT t3", Px.Utimens(s.P("f"), Px.Omit, t3));
            St("atime kept, mtime t3");
            s.Do("utimens t3 OMIT", Px.Utimens(s.P("f"), t3, Px.Omit));
            St("atime t3, mtime kept");
            s.Do("utimens t1 t2", Px.Utimens(s.P("f"), t1, t2));
            s.Do("utimens NOW NOW", Px.Utimens(s.P("f"), Px.Now, Px.Now));
            var both = St("both now");
            s.Note($"atime == mtime: {both.Atime == both.Mtime}");
            var c1 = both.Ctime;
            s.WaitForClockAfter(c1);
            s.Do("utimens OMIT OMIT", Px.Utimens(s.P("f"), Px.Omit, Px.Omit));
            s.Note($"OMIT OMIT leaves ctime: {s.Stat("f")!.Ctime == c1}");

            // Through an open descriptor (the setattr carries a file handle).
            var fd = Px.Open(s.P("f"), Px.O_RDWR);
            s.Do("futimens t2 t3", Px.Futimens(fd, t2, t3));
            St("futimens");
            s.Do("futimens NOW OMIT", Px.Futimens(fd, Px.Now, Px.Omit));
            St("futimens now/omit");
            Px.Close(fd);

            // The symlink itself, not its target.
            s.Do("utimens t1 t2 on f", Px.Utimens(s.P("f"), t1, t2));
            s.Do("lutimens t3 t3 on l", Px.Utimens(s.P("l"), t3, t3, follow: false));
            var l = s.Stat("l")!;
            s.Note($"link times: {Rel(l.Atime)} {Rel(l.Mtime)}");
            St("target untouched");
            s.Do("utimens missing", Px.Utimens(s.P("missing"), t1, t1));
        });
    }

    [Fact]
    public void Link_count_and_ctime_are_current_on_every_name_after_link_and_unlink()
    {
        Differential.Same(f, "nlink", s =>
        {
            File.WriteAllText(s.P("a"), "shared");
            s.Do("mkdir d", Px.Mkdir(s.P("d")));
            var a0 = s.Stat("a")!; // the kernel now caches a's attributes
            var keep = Px.Open(s.P("a"), Px.O_RDONLY);
            s.WaitForClockAfter(a0.Ctime);

            s.Do("link a b", Px.Link(s.P("a"), s.P("b")));
            var a1 = s.Stat("a")!;
            s.Stat("b");
            s.FStat("open a", keep, "a");
            s.Note($"ctime moved on link: {a1.Ctime > a0.Ctime}");

            s.Do("link a d/c", Px.Link(s.P("a"), s.P("d/c")));
            s.Stat("a");
            s.Stat("b");
            s.Stat("d/c");
            s.WaitForClockAfter(Px.Stat(s.P("a")).Ctime);

            var before = Px.Stat(s.P("b")).Ctime;
            s.Do("unlink a", Px.Unlink(s.P("a")));
            var b1 = s.Stat("b")!;
            s.Stat("d/c");
            s.Stat("a");
            s.FStat("open a", keep, "b");
            s.Note($"ctime moved on unlink: {b1.Ctime > before}");

            s.Do("unlink b", Px.Unlink(s.P("b")));
            s.Stat("d/c");
            s.Do("unlink d/c", Px.Unlink(s.P("d/c")));
            s.FStat("open, all names gone", keep);
            s.Note($"still readable: {Encoding.UTF8.GetString(Px.PRead(keep, 100, 0))}");
            Px.Close(keep);
        });
    }

    [Fact]
    public void Directory_link_counts_follow_mkdir_rmdir_and_rename()
    {
        Differential.Same(f, "dirnlink", s =>
        {
            s.Do("mkdir p", Px.Mkdir(s.P("p")));
            s.Do("mkdir q", Px.Mkdir(s.P("q")));
            s.Stat("p");
            s.Stat("q");
            s.Do("mkdir p/c1", Px.Mkdir(s.P("p/c1")));
            s.Stat("p");
            s.Do("mkdir p/c2", Px.Mkdir(s.P("p/c2")));
            s.Stat("p");
            s.Do("rename p/c2 q/c2", Px.Rename(s.P("p/c2"), s.P("q/c2")));
            s.Stat("p");
            s.Stat("q");
            s.Do("rmdir p/c1", Px.Rmdir(s.P("p/c1")));
            s.Stat("p");
            s.Stat("");
        });
    }

    [Fact]
    public void A_reader_of_the_backing_tree_moves_atime_and_the_mount_shows_it_once_its_attribute_cache_expires()
    {
        var (_, mounted, backing) = f.NewDirs("outside-reader");
        Assert.Equal(0, Px.Mkdir(Path.Combine(mounted, "d"), 0x1ED));
        File.WriteAllText(Path.Combine(mounted, "d", "f"), "x");
        var before = Px.Stat(Path.Combine(mounted, "d")); // the kernel now holds the directory's attributes
        // A listing outside the mount moves the atime (relatime: the first read since the last change).
        Directory.GetFileSystemEntries(Path.Combine(backing, "d"));
        var moved = Px.Stat(Path.Combine(backing, "d"));
        Assert.True(moved.Atime != before.Atime, $"the listing did not move the atime: {moved.Full}");
        var seen = before;
        Assert.True(Proc.WaitUntil(() => (seen = Px.Stat(Path.Combine(mounted, "d"))).Full == Px.Stat(Path.Combine(backing, "d")).Full, TimeSpan.FromSeconds(5)),
            $"the mount still shows {seen.Full}\n  the backing: {moved.Full}");
        // The differential check of a stat allows this difference for as long as the kernel's copy lasts.
        var s = new Scenario(mounted, backing);
        Assert.Equal(0, Px.Mkdir(s.P("d2"), 0x1ED));
        Px.Stat(s.P("d2"));
        Directory.GetFileSystemEntries(Path.Combine(backing, "d2"));
        s.Stat("d2");
    }
}
