using System.Text;
using TierFs.IntegrationTests.Harness;

namespace TierFs.IntegrationTests;

/// <summary>Extended attributes (user.*), statfs/df and access(2), on the mount and on a plain directory.</summary>
public class XattrStatfsAccessTests(MountFixture f) : IClassFixture<MountFixture>
{
    [Fact]
    public void User_xattrs_set_get_list_remove()
    {
        var big = new byte[4000];
        new Random(9).NextBytes(big);
        Differential.Same(f, "xattr", s =>
        {
            File.WriteAllText(s.P("f"), "x");
            s.Do("mkdir d", Px.Mkdir(s.P("d")));
            s.Do("symlink", Px.Symlink("f", s.P("l")));
            void Get(string rel, string name, int size = 65536)
            {
                var e = Px.TryGetXattr(s.P(rel), name, out var v, size);
                s.Note($"get {rel} {name} (buffer {size}) -> {Px.Name(e)} {(e == 0 ? $"{v.Length} bytes {Scenario.Hash(v)}" : "")}");
            }
            void List(string rel, int size = 65536)
            {
                var e = Px.TryListXattr(s.P(rel), out var names, size);
                s.Note($"list {rel} (buffer {size}) -> {Px.Name(e)} [{string.Join(' ', names.Where(n => !n.StartsWith("security.", StringComparison.Ordinal)))}]");
            }

            var st0 = s.Stat("f")!;
            s.WaitForClockAfter(st0.Ctime);
            s.Do("set user.a", Px.SetXattr(s.P("f"), "user.a", "1"u8));
            var st1 = s.Stat("f")!; // checked against the backing file: ctime must be current
            s.Note($"setxattr moved ctime: {st1.Ctime > st0.Ctime}");
            s.Do("set user.big", Px.SetXattr(s.P("f"), "user.big", big));
            s.Do("set user.empty", Px.SetXattr(s.P("f"), "user.empty", ReadOnlySpan<byte>.Empty));
            s.Do("set user.utf8 name", Px.SetXattr(s.P("f"), "user.ключ", Encoding.UTF8.GetBytes("значение")));
            Get("f", "user.a");
            Get("f", "user.big");
            Get("f", "user.big", 0);   // length query
            Get("f", "user.big", 100); // too small
            Get("f", "user.empty");
            Get("f", "user.ключ");
            Get("f", "user.missing");
            List("f");
            List("f", 0);
            List("f", 5);
            s.Do("XATTR_CREATE existing", Px.SetXattr(s.P("f"), "user.a", "2"u8, Px.XATTR_CREATE));
            s.Do("XATTR_REPLACE missing", Px.SetXattr(s.P("f"), "user.nope", "2"u8, Px.XATTR_REPLACE));
            s.Do("XATTR_REPLACE existing", Px.SetXattr(s.P("f"), "user.a", "22"u8, Px.XATTR_REPLACE));
            Get("f", "user.a");
            s.Do("set value too large", Px.SetXattr(s.P("f"), "user.huge", new byte[70_000]));
            s.Do("set name too long", Px.SetXattr(s.P("f"), "user." + new string('n', 300), "x"u8));
            s.Do("set unknown namespace", Px.SetXattr(s.P("f"), "bogus.x", "x"u8));
            s.Do("set trusted.* as root", Px.SetXattr(s.P("f"), "trusted.t", "t"u8));
            Get("f", "trusted.t");
            var st2 = s.Stat("f")!;
            s.WaitForClockAfter(st2.Ctime);
            s.Do("remove user.a", Px.RemoveXattr(s.P("f"), "user.a"));
            var st3 = s.Stat("f")!;
            s.Note($"removexattr moved ctime: {st3.Ctime > st2.Ctime}");
            s.Do("remove user.a again", Px.RemoveXattr(s.P("f"), "user.a"));
            Get("f", "user.a");
            List("f");

            s.Do("set on dir", Px.SetXattr(s.P("d"), "user.dir", "dv"u8));
            Get("d", "user.dir");
            List("d");
            // user.* is not allowed on symlinks; the l* calls do not follow.
            s.Do("set on symlink", Px.SetXattr(s.P("l"), "user.s", "x"u8));
            Get("l", "user.s");
            List("l");
            s.Do("remove on symlink", Px.RemoveXattr(s.P("l"), "user.s"));
            s.Do("set on missing", Px.SetXattr(s.P("missing"), "user.a", "x"u8));
            // Kept through a rename and visible through a hard link.
            s.Do("rename f g", Px.Rename(s.P("f"), s.P("g")));
            s.Do("link g h", Px.Link(s.P("g"), s.P("h")));
            Get("h", "user.big");
            if (s.OnMount)
            {
                // The values are the backing file's own.
                Assert.Equal(0, Px.TryGetXattr(Path.Combine(s.BackingDir!, "g"), "user.big", out var v));
                Assert.Equal(big, v);
            }
        });
    }

    [Fact]
    public void Statfs_reports_the_backing_filesystem()
    {
        var m = Px.StatVfs(f.Mount.MountPoint);
        var b = Px.StatVfs(f.Mount.Backing);
        Assert.Equal(b.Bsize, m.Bsize);
        Assert.Equal(b.Frsize, m.Frsize);
        Assert.Equal(b.Blocks, m.Blocks);
        Assert.Equal(b.Files, m.Files);
        Assert.Equal(b.Namemax, m.Namemax);
        // Free counts move with everyone else's writes; they must be close, not equal.
        Assert.InRange((double)m.Bfree, b.Bfree * 0.99, b.Bfree * 1.01 + 1000);
        Assert.InRange((double)m.Bavail, b.Bavail * 0.99, b.Bavail * 1.01 + 1000);
        Assert.InRange((double)m.Ffree, b.Ffree * 0.99, b.Ffree * 1.01 + 1000);
        // Also from a subdirectory and a file.
        var (_, mounted, _) = f.NewDirs("statfs");
        File.WriteAllText(Path.Combine(mounted, "f"), "x");
        Assert.Equal(b.Blocks, Px.StatVfs(mounted).Blocks);
        Assert.Equal(b.Blocks, Px.StatVfs(Path.Combine(mounted, "f")).Blocks);

        // df shows the mount with the backing filesystem's size.
        var df = Proc.Check("df", "-P", "-k", f.Mount.MountPoint, f.Mount.Backing);
        var lines = df.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        var mountLine = lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var backingLine = lines[2].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(f.Mount.MountPoint, mountLine[^1]);
        Assert.Equal(backingLine[1], mountLine[1]); // total 1K-blocks
        var dfi = Proc.Check("df", "-P", "-i", f.Mount.MountPoint, f.Mount.Backing).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(dfi[2].Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], dfi[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        Assert.Equal(0, Proc.Run("stat", "-f", f.Mount.MountPoint).ExitCode);
    }

    [Fact]
    public void Access_as_root()
    {
        Differential.Same(f, "access", s =>
        {
            foreach (var mode in new uint[] { 0x000, 0x100, 0x040, 0x008, 0x1A4, 0x1ED })
            {
                var name = "f" + Convert.ToString(mode, 8);
                File.WriteAllText(s.P(name), "x");
                Px.Chmod(s.P(name), mode);
                foreach (var (m, label) in new[] { (Px.F_OK, "F"), (Px.R_OK, "R"), (Px.W_OK, "W"), (Px.X_OK, "X"), (Px.R_OK | Px.W_OK | Px.X_OK, "RWX") })
                    s.Do($"access {name} {label}_OK", Px.Access(s.P(name), m));
            }
            s.Do("mkdir d000", Px.Mkdir(s.P("d000"), 0));
            s.Do("access d000 X_OK", Px.Access(s.P("d000"), Px.X_OK));
            s.Do("access missing", Px.Access(s.P("missing"), Px.F_OK));
            s.Do("access file/child", Px.Access(s.P("f0/child"), Px.F_OK));
        });
    }
}
