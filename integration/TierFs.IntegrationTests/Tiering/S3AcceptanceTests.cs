using TierFs.IntegrationTests.Harness;
using TierFs.IntegrationTests.Remote;
using static TierFs.IntegrationTests.Tiering.TierHarness;

namespace TierFs.IntegrationTests.Tiering;

/// <summary>
/// The acceptance case of PRODUCT.md with the remote tier on S3 (a real s3rver, `remote: type: s3`
/// in tierfs.yaml, credentials from the AWS chain), and the commands on whole trees.
/// </summary>
public sealed class S3AcceptanceTests(S3ServerFixture fixture) : IClassFixture<S3ServerFixture>
{
    private readonly S3Server _s3 = fixture.Server;

    [Fact]
    public void Create_stat_vim_migrate_stat_unchanged_vim_again_on_S3()
    {
        using var t = S3TierMount.Start(_s3, "east-acceptance/");
        var m = t.M;
        Directory.CreateDirectory(m.M("proj"));
        var path = m.M("proj/notes.txt");
        var text = Text(20000, "acceptance"); // ~900 KB
        File.WriteAllText(path, text);
        var length = new FileInfo(path).Length;

        Assert.Equal(text, ReadWithVim(path, m.Root));
        Assert.Equal("resident", State(path));
        var before = Px.Stat(path);
        Assert.True(before.Blocks > 0);
        Assert.Empty(t.Objects());

        Migrate(path);
        Assert.Equal("released", State(path));
        var after = Px.Stat(path);
        Assert.Equal(Kept(before), Kept(after)); // ctime too
        Assert.Equal(0, after.Blocks);
        Assert.True(t.BackingBlocks("proj/notes.txt") * 512 <= 16 * 1024, "the backing stub still holds data blocks");

        // The object is in the bucket under the prefix, named by the file's id, with the file's size.
        var id = t.FileIdOf("proj/notes.txt");
        var key = t.ObjectKeyOf("proj/notes.txt");
        Assert.Matches($"^data/{id[..2]}/{id}/1\\.[0-9a-f]{{16}}$", key);
        var objects = t.Objects();
        Assert.Equal([key], objects.Keys);
        Assert.Equal(length, objects[key]);
        Assert.Equal(length, t.Head(key)!.Value.Length);

        Assert.Contains("notes.txt", Proc.Check("ls", "-l", m.M("proj")).Stdout);
        Assert.Equal("released", State(path));

        Assert.Equal(text, ReadWithVim(path, m.Root));
        Assert.Equal("archived", State(path));
        var recalled = Px.Stat(path);
        Assert.Equal((before.Ino, before.Size, before.Mtime), (recalled.Ino, recalled.Size, recalled.Mtime));
        Assert.True(recalled.Blocks > 0);
        // No pair: the archive copy stays.
        Assert.Equal([key], t.Objects().Keys);
        Assert.Contains("recalled proj/notes.txt", m.Log.Replace(m.MountPoint + "/", ""));
    }

    /// <summary>
    /// `tierfs migrate|state|recall -r DIR` over a tree with a hard link, an empty file and a
    /// rename of a stub: one object per inode, a rename never touches S3, a recall through the
    /// other name of a hard link brings back the one inode.
    /// </summary>
    [Fact]
    public void Recursive_commands_hard_links_and_renames_on_S3()
    {
        using var t = S3TierMount.Start(_s3, "east-tree/");
        var m = t.M;
        Directory.CreateDirectory(m.M("dir/sub"));
        var a = Content(300_000, seed: 1);
        var b = Content(2_500_000, seed: 2);
        File.WriteAllBytes(m.M("dir/a"), a);
        File.WriteAllBytes(m.M("dir/sub/b"), b);
        File.WriteAllText(m.M("dir/small"), "tiny");
        File.WriteAllBytes(m.M("dir/empty"), []);
        Assert.Equal(0, Px.Link(m.M("dir/sub/b"), m.M("dir/sub/c")));
        var ino = Px.Stat(m.M("dir/sub/b")).Ino;

        var r = Tierfs("migrate", "-r", m.M("dir"));
        Assert.True(r.ExitCode == 0, r.ToString());
        var states = StatesUnder(m.M("dir"));
        Assert.Equal(["dir/a", "dir/empty", "dir/small", "dir/sub/b", "dir/sub/c"], states.Keys);
        Assert.All(states, s => Assert.Equal("released", s.Value));
        // One object per inode (b and c are one file), each under the prefix with the file's size.
        var objects = t.DataObjects();
        Assert.Equal(4, objects.Count);
        Assert.Equal(a.Length, objects[t.ObjectKeyOf("dir/a")]);
        Assert.Equal(b.Length, objects[t.ObjectKeyOf("dir/sub/b")]);
        Assert.Equal(t.ObjectKeyOf("dir/sub/b"), t.ObjectKeyOf("dir/sub/c"));
        Assert.Equal(0, objects[t.ObjectKeyOf("dir/empty")]);

        // A rename of a stub does not touch the remote tier.
        Assert.Equal(0, Px.Rename(m.M("dir/a"), m.M("dir/a2")));
        Assert.Equal("released", State(m.M("dir/a2")));
        Assert.Equal(objects, t.DataObjects());

        // Recall through the other name of the hard link: the same inode comes back for both names.
        Assert.Equal(b, File.ReadAllBytes(m.M("dir/sub/c")));
        Assert.Equal("archived", State(m.M("dir/sub/b")));
        Assert.Equal(ino, Px.Stat(m.M("dir/sub/b")).Ino);
        Assert.Equal(2u, Px.Stat(m.M("dir/sub/c")).Nlink);

        r = Tierfs("recall", "-r", m.M("dir"));
        Assert.True(r.ExitCode == 0, r.ToString());
        states = StatesUnder(m.M("dir"));
        Assert.Equal(["dir/a2", "dir/empty", "dir/small", "dir/sub/b", "dir/sub/c"], states.Keys);
        Assert.All(states, s => Assert.Equal("archived", s.Value));
        Assert.Equal(a, File.ReadAllBytes(m.M("dir/a2")));
        Assert.Equal(b, File.ReadAllBytes(m.M("dir/sub/b")));
        Assert.Equal("tiny", File.ReadAllText(m.M("dir/small")));
        Assert.Empty(File.ReadAllBytes(m.M("dir/empty")));
        // No pair: every archive copy is kept, nothing uploaded again.
        Assert.Equal(objects, t.DataObjects());
        Assert.Equal(4, m.Log.Split('\n').Count(l => l.Contains("archived ")));
    }

    /// <summary>`tierfs state -r DIR`: relative path below the mount → state.</summary>
    private static SortedDictionary<string, string> StatesUnder(string dir)
    {
        var r = Tierfs("state", "-r", dir);
        Assert.True(r.ExitCode == 0, r.ToString());
        var mountPoint = Path.GetDirectoryName(dir)!;
        var states = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var space = line.IndexOf(' ');
            var path = line[(space + 1)..];
            Assert.StartsWith(dir + "/", path);
            states[Path.GetRelativePath(mountPoint, path)] = line[..space];
        }
        return states;
    }
}
