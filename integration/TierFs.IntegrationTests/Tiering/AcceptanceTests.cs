using TierFs.IntegrationTests.Harness;
using static TierFs.IntegrationTests.Tiering.TierHarness;

namespace TierFs.IntegrationTests.Tiering;

/// <summary>
/// The case TierFs exists for (PRODUCT.md): a file made under the mount, read in vim,
/// forward-migrated, stat'ed unchanged, and read in vim again, transparently recalled.
/// On the embedded default remote tier (a directory).
/// </summary>
public class AcceptanceTests
{
    [Fact]
    public void Create_stat_vim_migrate_stat_unchanged_vim_again()
    {
        using var m = TestMount.Start();
        Directory.CreateDirectory(m.M("proj"));
        var path = m.M("proj/notes.txt");
        var text = Text(20000, "acceptance"); // ~900 KB: releasing it frees real blocks
        File.WriteAllText(path, text);

        Assert.Equal(text, ReadWithVim(path, m.Root));
        Assert.Equal("resident", State(path));
        var before = Px.Stat(path);
        Assert.True(before.Blocks > 0);

        Migrate(path);
        Assert.Equal("released", State(path));
        var after = Px.Stat(path);
        Assert.Equal(Kept(before), Kept(after));
        Assert.Equal(0, after.Blocks); // du shows the space freed
        Assert.True(Px.Stat(m.B("proj/notes.txt")).Blocks * 512 <= 16 * 1024, "the backing stub still holds data blocks");
        // Listing and stat never recall.
        Assert.Contains("notes.txt", Proc.Check("ls", "-l", m.M("proj")).Stdout);
        Assert.Equal("released", State(path));

        Assert.Equal(text, ReadWithVim(path, m.Root));
        Assert.Equal("archived", State(path));
        var recalled = Px.Stat(path);
        Assert.Equal((before.Ino, before.Size, before.Mtime), (recalled.Ino, recalled.Size, recalled.Mtime));
        Assert.True(recalled.Blocks > 0);
        Assert.Contains("recalled proj/notes.txt", m.Log.Replace(m.MountPoint + "/", ""));
    }

    [Fact]
    public void Editing_a_stub_in_vim_writes_it_and_leaves_it_dirty()
    {
        using var m = TestMount.Start();
        var path = m.M("edit.txt");
        File.WriteAllText(path, Text(2000, "old"));
        Migrate(path);
        Assert.Equal("released", State(path));

        // backupcopy=yes: vim writes into the same file (the inode stays), as with a hard-linked file.
        var r = Proc.Run("vim", ["-Nu", "NONE", "-es", "-c", "set backupcopy=yes", "-c", "%s/^old/new/", "-c", "wq", path], TimeSpan.FromSeconds(60), workDir: Path.GetDirectoryName(path));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(Text(2000, "new"), File.ReadAllText(path));
        Assert.Equal("dirty", State(path));
        Assert.Empty(Directory.GetFiles(m.MountPoint, "*.swp", SearchOption.AllDirectories).Concat(Directory.GetFiles(m.MountPoint, ".*.sw?")));

        // Migrating again uploads the new content, and it comes back.
        Migrate(path);
        Assert.Equal("released", State(path));
        Assert.Equal(Text(2000, "new"), File.ReadAllText(path));
    }

    [Fact]
    public void Cat_cp_python_and_mmap_read_stubs()
    {
        using var m = TestMount.Start();
        var data = Content(3 * 1024 * 1024 + 17, seed: 7);
        var names = new[] { "cat.bin", "cp.bin", "py.bin", "mmap.bin" };
        foreach (var n in names) File.WriteAllBytes(m.M(n), data);
        var expected = Hash(m.M("cat.bin"));
        foreach (var n in names) Migrate(m.M(n));
        foreach (var n in names) Assert.Equal("released", State(m.M(n)));

        var cat = Path.Combine(m.Root, "cat.out");
        Assert.Equal(0, Proc.Run("sh", "-c", $"cat '{m.M("cat.bin")}' > '{cat}'").ExitCode);
        Assert.Equal(expected, Hash(cat));

        var cp = Path.Combine(m.Root, "cp.out");
        Proc.Check("cp", m.M("cp.bin"), cp);
        Assert.Equal(expected, Hash(cp));

        var py = Proc.Check("python3", "-c", $"import hashlib;print(hashlib.sha256(open('{m.M("py.bin")}','rb').read()).hexdigest().upper())");
        Assert.Equal(expected, py.Stdout.Trim());

        var mm = Proc.Check("python3", "-c",
            $"import mmap,hashlib,os;f=open('{m.M("mmap.bin")}','rb');mm=mmap.mmap(f.fileno(),0,prot=mmap.PROT_READ);print(hashlib.sha256(mm[:]).hexdigest().upper())");
        Assert.Equal(expected, mm.Stdout.Trim());
        foreach (var n in names) Assert.Equal("archived", State(m.M(n)));
    }

    [Fact]
    public void Hard_links_and_renames_keep_the_stub()
    {
        using var m = TestMount.Start();
        var data = Content(500_000, seed: 3);
        File.WriteAllBytes(m.M("a"), data);
        Px.Link(m.M("a"), m.M("b"));
        Migrate(m.M("a"));
        Assert.Equal("released", State(m.M("b"))); // one inode, one state
        Assert.Equal(0, Px.Rename(m.M("a"), m.M("renamed")));
        Assert.Equal("released", State(m.M("renamed")));
        var ino = Px.Stat(m.M("b")).Ino;

        Assert.Equal(data, File.ReadAllBytes(m.M("renamed")));
        Assert.Equal(data, File.ReadAllBytes(m.M("b")));
        Assert.Equal(ino, Px.Stat(m.M("renamed")).Ino);
        Assert.Equal(2u, Px.Stat(m.M("b")).Nlink);
        Assert.Equal("archived", State(m.M("b")));
    }

    [Fact]
    public async Task Concurrent_opens_of_one_stub_download_it_once()
    {
        using var m = TestMount.Start();
        var data = Content(8 * 1024 * 1024, seed: 11);
        File.WriteAllBytes(m.M("shared.bin"), data);
        var expected = Hash(m.M("shared.bin"));
        Migrate(m.M("shared.bin"));

        var readers = Enumerable.Range(0, 8).Select(i => Task.Run(() =>
            Proc.Check("sh", "-c", $"sha256sum '{m.M("shared.bin")}'").Stdout.Split(' ')[0].ToUpperInvariant())).ToArray();
        var hashes = await Task.WhenAll(readers).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.All(hashes, h => Assert.Equal(expected, h));
        var recalls = m.Log.Split('\n').Count(l => l.Contains("recalled ") && l.Contains("shared.bin"));
        Assert.Equal(1, recalls);
    }

    [Fact]
    public void Truncating_a_stub_to_zero_needs_no_download_and_archive_again_works()
    {
        using var m = TestMount.Start();
        File.WriteAllBytes(m.M("t.bin"), Content(1_000_000, seed: 5));
        Migrate(m.M("t.bin"));
        // The shell's redirection opens with O_TRUNC (.NET opens first and truncates after).
        Proc.Check("sh", "-c", $"printf short > '{m.M("t.bin")}'");
        Assert.Equal("short", File.ReadAllText(m.M("t.bin")));
        Assert.DoesNotContain("recalled t.bin", m.Log);
        Assert.Equal("dirty", State(m.M("t.bin")));
        Migrate(m.M("t.bin"));
        Assert.Equal("short", File.ReadAllText(m.M("t.bin")));
    }
}
