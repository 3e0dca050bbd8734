using System.Text;
using TierFs.IntegrationTests.Harness;

namespace TierFs.IntegrationTests;

/// <summary>
/// Everything that makes, removes or moves a name: symlink/readlink, mknod (fifo), mkdir, unlink,
/// rmdir, rename (plain, replacing, RENAME_NOREPLACE, RENAME_EXCHANGE) and link — on the mount and
/// on a plain directory, with the same outcomes and the same attributes afterwards.
/// </summary>
public class NameTests(MountFixture f) : IClassFixture<MountFixture>
{
    [Fact]
    public void Symlink_and_readlink()
    {
        var longTarget = string.Concat(Enumerable.Repeat("abcdefghi/", 409)) + "xxxxx"; // 4095 bytes, the most a target may have
        Differential.Same(f, "symlink", s =>
        {
            File.WriteAllText(s.P("file"), "target data");
            foreach (var (name, target) in new[]
                     {
                         ("rel", "file"), ("abs", "/etc/hostname"), ("dangling", "no/such/thing"), ("dots", "../../.."),
                         ("spaces", "a name with spaces\tand tab"), ("utf8", "Ünïcödé/目标"), ("long", longTarget),
                     })
            {
                s.Do($"symlink {name}", Px.Symlink(target, s.P(name)));
                s.Stat(name);
                var e = Px.TryReadlink(s.P(name), out var got);
                s.Note($"readlink {name} -> {Px.Name(e)} {(got == target ? "same target" : "DIFFERENT: " + got)}");
            }
            s.Do("symlink too long", Px.Symlink(longTarget + "y", s.P("toolong")));
            s.Do("symlink over existing", Px.Symlink("x", s.P("file")));
            s.Note($"readlink of a file -> {Px.Name(Px.TryReadlink(s.P("file"), out _))}");
            s.Note($"readlink of missing -> {Px.Name(Px.TryReadlink(s.P("missing"), out _))}");
            s.Note($"read through rel: {File.ReadAllText(s.P("rel"))}");
            s.Do("open dangling", Px.TryOpen(s.P("dangling"), Px.O_RDONLY, out _));
            s.Do("open rel O_NOFOLLOW", Px.TryOpen(s.P("rel"), Px.O_RDONLY | Px.O_NOFOLLOW, out _));
            // O_CREAT through a dangling link creates its target.
            s.Do("symlink to new", Px.Symlink("created-through-link", s.P("tonew")));
            s.Do("creat through link", Px.TryOpen(s.P("tonew"), Px.O_WRONLY | Px.O_CREAT, out var fd));
            if (fd >= 0) Px.Close(fd);
            s.Stat("created-through-link");
            s.Do("unlink link only", Px.Unlink(s.P("rel")));
            s.Stat("file");
            s.List("");
        });
    }

    [Fact]
    public void Mknod_makes_a_working_fifo()
    {
        Differential.Same(f, "fifo", s =>
        {
            s.Do("mkfifo 0640", Px.Mknod(s.P("p"), Px.S_IFIFO | 0x1A0));
            s.Stat("p");
            s.Do("mkfifo again", Px.Mknod(s.P("p"), Px.S_IFIFO | 0x1A0));
            s.Do("mknod regular", Px.Mknod(s.P("r"), Px.S_IFREG | 0x180));
            s.Stat("r");
            // A reader and a writer through the mount meet in the fifo.
            var reader = Px.Open(s.P("p"), Px.O_RDONLY | Px.O_NONBLOCK);
            var writer = Px.Open(s.P("p"), Px.O_WRONLY);
            Px.Write(writer, "through the pipe"u8);
            s.Note($"fifo carried: {Encoding.UTF8.GetString(Px.Read(reader, 100))}");
            Px.Close(writer);
            Px.Close(reader);
            s.Stat("p");
            s.Do("unlink fifo", Px.Unlink(s.P("p")));
            s.Stat("p");
        });
    }

    [Fact]
    public void Mkdir_and_rmdir()
    {
        Differential.Same(f, "mkdir", s =>
        {
            foreach (var mode in new uint[] { 0x1FF, 0x1C0, 0x000, 0x3FF, 0x5FF /* 02777 */ })
            {
                var name = "d" + Convert.ToString(mode, 8);
                s.Do($"mkdir {name}", Px.Mkdir(s.P(name), mode));
                s.Stat(name);
            }
            s.Do("mkdir existing", Px.Mkdir(s.P("d777")));
            s.Do("mkdir nested missing parent", Px.Mkdir(s.P("nope/child")));
            s.Do("mkdir in setgid dir", Px.Mkdir(s.P("d2777/child"), 0x1ED));
            s.Stat("d2777/child");
            File.WriteAllText(s.P("d777/f"), "x");
            s.Do("rmdir non-empty", Px.Rmdir(s.P("d777")));
            s.Do("rmdir file", Px.Rmdir(s.P("d777/f")));
            s.Do("rmdir missing", Px.Rmdir(s.P("missing")));
            s.Do("rmdir dot", Px.Rmdir(s.P("d700/.")));
            s.Do("rmdir empty", Px.Rmdir(s.P("d700")));
            s.Stat("d700");
            s.Do("mkdir again after rmdir", Px.Mkdir(s.P("d700")));
            s.Stat("d700");
            s.Stat("");
            s.List("");
            // fsync of a directory (FUSE fsyncdir).
            var dfd = Px.Open(s.P("d777"), Px.O_RDONLY | Px.O_DIRECTORY);
            s.Do("fsync dir", Px.Fsync(dfd));
            s.Do("fdatasync dir", Px.Fdatasync(dfd));
            Px.Close(dfd);
        });
    }

    [Fact]
    public void Unlink_removes_the_name_but_not_open_data()
    {
        Differential.Same(f, "unlink", s =>
        {
            File.WriteAllText(s.P("f"), "still here");
            s.Do("symlink", Px.Symlink("f", s.P("l")));
            s.Do("mkdir d", Px.Mkdir(s.P("d")));
            var fd = Px.Open(s.P("f"), Px.O_RDWR);
            s.Do("unlink symlink", Px.Unlink(s.P("l")));
            s.Stat("f");
            s.Do("unlink f (open)", Px.Unlink(s.P("f")));
            s.Stat("f");
            s.Note($"open fd reads: {Encoding.UTF8.GetString(Px.PRead(fd, 100, 0))}");
            Px.PWrite(fd, "!"u8, 10);
            s.FStat("unlinked", fd);
            Px.Close(fd);
            s.Do("unlink again", Px.Unlink(s.P("f")));
            s.Do("unlink dir", Px.Unlink(s.P("d")));
            s.Do("unlink through file", Px.Unlink(s.P("d/x/y")));
            File.WriteAllText(s.P("g"), "");
            s.Do("unlink file/x", Px.Unlink(s.P("g/x")));
            // A new file under the old name is a new file.
            File.WriteAllText(s.P("f"), "new");
            s.Content("f");
            s.List("");
        });
    }

    [Fact]
    public void Rename_plain_replacing_noreplace_and_exchange()
    {
        Differential.Same(f, "rename", s =>
        {
            File.WriteAllText(s.P("a"), "AAAA");
            File.WriteAllText(s.P("b"), "BB");
            s.Do("mkdir d", Px.Mkdir(s.P("d")));
            s.Do("mkdir e", Px.Mkdir(s.P("e")));
            File.WriteAllText(s.P("e/inside"), "in e");

            s.Do("rename a c", Px.Rename(s.P("a"), s.P("c")));
            s.Stat("a");
            s.Stat("c");
            s.Content("c");

            // Over an existing file: the replaced inode lives on in an open descriptor, with no names.
            var victim = Px.Open(s.P("b"), Px.O_RDONLY);
            var victimIno = Px.FStat(victim).Ino;
            s.Do("rename c b (replace)", Px.Rename(s.P("c"), s.P("b")));
            s.Stat("c");
            s.Stat("b");
            s.Content("b");
            s.FStat("replaced file", victim);
            s.Note($"replaced file still reads: {Encoding.UTF8.GetString(Px.PRead(victim, 10, 0))}");
            s.Note($"b is a different inode now: {Px.Stat(s.P("b")).Ino != victimIno}");
            Px.Close(victim);

            File.WriteAllText(s.P("x"), "XXX");
            s.Do("rename NOREPLACE onto existing", Px.Rename(s.P("x"), s.P("b"), Px.RENAME_NOREPLACE));
            s.Content("x");
            s.Content("b");
            s.Do("rename NOREPLACE onto new", Px.Rename(s.P("x"), s.P("y"), Px.RENAME_NOREPLACE));
            s.Stat("x");
            s.Content("y");

            var bIno = Px.Stat(s.P("b")).Ino;
            var yIno = Px.Stat(s.P("y")).Ino;
            s.Do("rename EXCHANGE b y", Px.Rename(s.P("b"), s.P("y"), Px.RENAME_EXCHANGE));
            s.Content("b");
            s.Content("y");
            s.Note($"inodes swapped: {Px.Stat(s.P("b")).Ino == yIno && Px.Stat(s.P("y")).Ino == bIno}");
            s.Do("rename EXCHANGE file and dir", Px.Rename(s.P("b"), s.P("e"), Px.RENAME_EXCHANGE));
            s.Stat("b");
            s.Stat("e");
            s.Content("b/inside");
            s.Do("rename EXCHANGE with missing", Px.Rename(s.P("y"), s.P("missing"), Px.RENAME_EXCHANGE));
            s.Do("rename NOREPLACE|EXCHANGE", Px.Rename(s.P("y"), s.P("e"), Px.RENAME_NOREPLACE | Px.RENAME_EXCHANGE));

            // Directories.
            s.Do("rename dir over empty dir", Px.Rename(s.P("d"), s.P("b/emptied")));
            s.Do("mkdir d2", Px.Mkdir(s.P("d2")));
            s.Do("rename dir over empty dir (existing)", Px.Rename(s.P("d2"), s.P("b/emptied")));
            s.Stat("d2");
            s.Stat("b/emptied");
            s.Do("mkdir d3", Px.Mkdir(s.P("d3")));
            s.Do("rename dir over non-empty dir", Px.Rename(s.P("d3"), s.P("b")));
            s.Do("rename file over dir", Px.Rename(s.P("y"), s.P("d3")));
            s.Do("rename dir over file", Px.Rename(s.P("d3"), s.P("y")));
            s.Do("rename dir into itself", Px.Rename(s.P("b"), s.P("b/emptied/sub")));
            s.Do("rename missing", Px.Rename(s.P("missing"), s.P("z")));
            s.Do("rename to same name", Px.Rename(s.P("y"), s.P("y")));
            s.Content("y");

            // Moving a directory carries its children and open descriptors.
            var inner = Px.Open(s.P("b/inside"), Px.O_RDONLY);
            s.Do("rename b moved", Px.Rename(s.P("b"), s.P("d3/moved")));
            s.Content("d3/moved/inside");
            s.Stat("b/inside");
            s.Note($"open child reads: {Encoding.UTF8.GetString(Px.PRead(inner, 10, 0))}");
            Px.Close(inner);
            s.Stat("d3");
            s.Stat("d3/moved");

            // Two names of one inode: rename one onto the other does nothing.
            s.Do("link y y2", Px.Link(s.P("y"), s.P("y2")));
            s.Do("rename y onto its own link", Px.Rename(s.P("y"), s.P("y2")));
            s.Stat("y");
            s.Stat("y2");
            // Replacing one name of a hard-linked file: the other name's link count drops at once.
            File.WriteAllText(s.P("z"), "zzz");
            s.Do("rename z over y (linked)", Px.Rename(s.P("z"), s.P("y")));
            s.Stat("y2");
            s.Stat("y");
            s.List("");
        });
    }

    [Fact]
    public void Link_errors()
    {
        Differential.Same(f, "linkerr", s =>
        {
            File.WriteAllText(s.P("f"), "x");
            s.Do("mkdir d", Px.Mkdir(s.P("d")));
            s.Do("symlink", Px.Symlink("f", s.P("l")));
            s.Do("link dir", Px.Link(s.P("d"), s.P("d2")));
            s.Do("link onto existing", Px.Link(s.P("f"), s.P("d")));
            s.Do("link missing", Px.Link(s.P("missing"), s.P("m2")));
            s.Do("link into missing dir", Px.Link(s.P("f"), s.P("nodir/f")));
            s.Do("link a symlink", Px.Link(s.P("l"), s.P("l2")));
            s.Stat("l2");
            s.Stat("l");
            s.Stat("f");
        });
    }

    [Fact]
    public void Unix_socket_bound_on_the_mount()
    {
        Differential.Same(f, "socket", s =>
        {
            using var server = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
            server.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(s.P("sock")));
            server.Listen(1);
            s.Stat("sock");
            using var client = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
            client.Connect(new System.Net.Sockets.UnixDomainSocketEndPoint(s.P("sock")));
            using var accepted = server.Accept();
            client.Send("over the socket"u8);
            var buf = new byte[64];
            var n = accepted.Receive(buf);
            s.Note($"received: {Encoding.UTF8.GetString(buf, 0, n)}");
            s.Do("open a socket", Px.TryOpen(s.P("sock"), Px.O_RDONLY, out _));
            s.Do("unlink the socket", Px.Unlink(s.P("sock")));
        });
    }

    [Fact]
    public void Names_with_odd_characters()
    {
        var names = new[]
        {
            "new\nline", "tab\there", "back\\slash", " leading space", "trailing space ", "-dash", "--", "...", ".hidden",
            "ünïcödé", "日本語のファイル名", "emoji-😀", "quote'\"", "star*?[x]", "percent%s", "colon:semi;", "a=b&c|d",
            string.Concat(Enumerable.Repeat("é", 126)) + "x", // 253 bytes in UTF-8, 255 once renamed
        };
        Differential.Same(f, "names", s =>
        {
            foreach (var n in names)
            {
                File.WriteAllText(s.P(n), n);
                s.Stat(n);
            }
            s.List("");
            foreach (var n in names)
                s.Do($"rename {n.Length}", Px.Rename(s.P(n), s.P(n + ".r")));
            foreach (var n in names)
                s.Note($"content ok: {File.ReadAllText(s.P(n + ".r")) == n}");
            s.Do("mkdir with newline", Px.Mkdir(s.P("dir\nname")));
            s.Do("create 256 bytes in UTF-8", Px.TryOpen(s.P(string.Concat(Enumerable.Repeat("é", 128))), Px.O_CREAT | Px.O_WRONLY, out _));
            s.List("");
        });
    }
}
