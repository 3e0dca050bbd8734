using System.Text;
using TierFs.Fuse;
using TierFs.Namespace;
using TierFs.Posix;
using TierFs.Records;
using TierFs.West;

namespace TierFs.Tests.West;

/// <summary>The namespace as the kernel sees it: node numbers stable across generations, hard links one node, what a new generation makes stale.</summary>
public class WestViewTests
{
    private static NsEntry E(long id, long parent, string name, char type = NsEntry.TypeFile, long ino = 0, long mtime = 1_600_000_000_222_222_222, long mode = -1, long nlink = 1) => new()
    {
        Id = id,
        ParentId = parent,
        Name = name,
        Type = type,
        Mode = mode >= 0 ? mode : type switch { NsEntry.TypeDir => 0x41ed, NsEntry.TypeSymlink => 0xa1ff, _ => 0x81a4 },
        Uid = 1234,
        Gid = 567,
        Size = type == NsEntry.TypeFile ? 10 : 4096,
        Nlink = nlink,
        Ino = ino == 0 ? 1000 + id : ino,
        MtimeNs = mtime,
        Target = type == NsEntry.TypeSymlink ? "a" : null,
        State = TierState.Resident,
    };

    private static NamespaceTree Tree(long generation, params NsEntry[] entries)
    {
        var t = new NamespaceTree("heb", generation);
        foreach (var e in entries) t.Put(e);
        return t;
    }

    private static readonly NsEntry[] First =
    [
        E(1, 0, "", NsEntry.TypeDir), E(2, 1, "proj", NsEntry.TypeDir), E(3, 2, "a", ino: 77, nlink: 2), E(4, 1, "b", ino: 77, nlink: 2),
        E(5, 1, "l", NsEntry.TypeSymlink), E(6, 99, "unreachable"), E(8, 1, "x"),
    ];

    [Fact]
    public void The_root_is_node_1_hard_links_share_a_node_and_unreachable_entries_have_none()
    {
        var numbers = new InodeNumbers();
        var v = WestView.Build(Tree(1, First), numbers);
        Assert.Equal(InodeNumbers.Root, v.NodeOf(v.Tree.Root!));
        var proj = v.Child(1, "proj")!;
        var a = v.Child(v.NodeOf(proj), "a")!;
        Assert.Equal(v.NodeOf(a), v.NodeOf(v.Child(1, "b")!));
        Assert.Equal(5, v.Nodes); // root, proj, the linked file, the symlink, x
        Assert.Null(v.Child(1, "unreachable"));
        Assert.Equal(["b", "l", "proj", "x"], v.List(1).Select(e => e.Name));
        Assert.Equal("/proj/a", v.PathOf(a));
    }

    [Fact]
    public void Unchanged_and_renamed_entries_keep_their_nodes_across_generations_and_new_ones_get_new_numbers()
    {
        var numbers = new InodeNumbers();
        var one = WestView.Build(Tree(1, First), numbers);
        var projNode = one.NodeOf(one.Child(1, "proj")!);
        var aNode = one.NodeOf(one.Child(projNode, "a")!);
        // Generation 2: proj renamed, x unlinked, c created, l's mtime changed.
        var two = WestView.Build(Tree(2, E(1, 0, "", NsEntry.TypeDir), E(2, 1, "project", NsEntry.TypeDir), E(3, 2, "a", ino: 77, nlink: 2),
            E(4, 1, "b", ino: 77, nlink: 2), E(5, 1, "l", NsEntry.TypeSymlink, mtime: 1_700_000_000_000_000_000), E(7, 1, "c")), numbers);
        Assert.Equal(projNode, two.NodeOf(two.Child(1, "project")!));
        Assert.Equal(aNode, two.NodeOf(two.Child(projNode, "a")!));
        var cNode = two.NodeOf(two.Child(1, "c")!);
        Assert.DoesNotContain(cNode, new[] { 1UL, projNode, aNode, one.NodeOf(one.Child(1, "l")!) });

        var changes = GenerationChanges.Between(one, two);
        // Names gone or moved: the kernel must forget them; the renamed directory and the file below it stay the same nodes.
        Assert.Equal([(1UL, "proj"), (1UL, "x")], changes.Names.Order().ToList());
        Assert.Contains(one.NodeOf(one.Child(1, "l")!), changes.Nodes);
        Assert.DoesNotContain(aNode, changes.Nodes);
        Assert.DoesNotContain(projNode, changes.Nodes); // renamed, its attributes as they were: only its old name is stale
    }

    private sealed class RecordedKernel : IKernelCache
    {
        public List<string> Calls { get; } = [];
        public void InvalidateNode(ulong node) => Calls.Add($"node {node}");
        public void InvalidateName(ulong parent, string name) => Calls.Add($"name {parent}/{name}");
    }

    [Fact]
    public void The_kernel_drops_a_changed_directorys_attributes_before_its_changed_names()
    {
        var numbers = new InodeNumbers();
        var one = WestView.Build(Tree(1, First), numbers);
        // Generation 2: x unlinked from the root, whose mtime moved with it.
        var two = WestView.Build(Tree(2, E(1, 0, "", NsEntry.TypeDir, mtime: 1_700_000_000_000_000_000), E(2, 1, "proj", NsEntry.TypeDir),
            E(3, 2, "a", ino: 77, nlink: 2), E(4, 1, "b", ino: 77, nlink: 2), E(5, 1, "l", NsEntry.TypeSymlink)), numbers);
        var x = one.NodeOf(one.Child(1, "x")!);
        var kernel = new RecordedKernel();

        GenerationChanges.Between(one, two).Tell(kernel);

        // A reader who no longer finds x then finds the root's new mtime too, not the one the kernel cached.
        Assert.Equal(["node 1", $"node {x}", "name 1/x"], kernel.Calls);
    }

    [Fact]
    public void Files_of_one_inode_number_are_one_node_only_when_they_are_hard_links()
    {
        // Two files of one east inode number but one link each: two filesystems under the east tree.
        var v = WestView.Build(Tree(1, E(1, 0, "", NsEntry.TypeDir), E(2, 1, "here", ino: 5), E(3, 1, "there", ino: 5)), new InodeNumbers());
        Assert.NotEqual(v.NodeOf(v.Child(1, "here")!), v.NodeOf(v.Child(1, "there")!));
    }

    [Fact]
    public void Entries_whose_names_cannot_be_names_are_left_out_with_everything_below_them()
    {
        var v = WestView.Build(Tree(1, E(1, 0, "", NsEntry.TypeDir), E(2, 1, "ok.txt"), E(3, 1, "..", NsEntry.TypeDir), E(4, 3, "below.txt"),
            E(5, 1, "a/b"), E(6, 1, "."), E(7, 1, "nul\0x"), E(8, 1, "")), new InodeNumbers());
        Assert.Equal(["ok.txt"], v.List(1).Select(e => e.Name));
        Assert.Equal(2, v.Nodes); // the root and ok.txt: nothing below ".." either
        Assert.Equal(5, v.Refused.Count);
        Assert.Null(v.Child(1, ".."));
        // The next generation is compared with what was shown, never with what was left out.
        var next = WestView.Build(Tree(2, E(1, 0, "", NsEntry.TypeDir), E(3, 1, "..", NsEntry.TypeDir)), new InodeNumbers());
        Assert.Equal([(1UL, "ok.txt")], GenerationChanges.Between(v, next).Names);
    }

    [Fact]
    public void A_crafted_mode_cannot_change_an_entrys_type()
    {
        var attr = default(FuseAttr);
        WestView.Fill(E(3, 1, "a", mode: 0x41ff), 5, ref attr);
        Assert.Equal(Libc.S_IFREG | 0x1ff, attr.Mode);
        WestView.Fill(E(3, 1, "d", NsEntry.TypeDir, mode: 0xa1ff), 6, ref attr);
        Assert.Equal(Libc.S_IFDIR | 0x1ff, attr.Mode);
        Assert.Equal(6UL, attr.Ino);
    }

    [Fact]
    public void Lookup_answers_from_the_view_changes_are_EROFS_and_an_east_only_file_is_ENODATA()
    {
        var view = WestView.Build(Tree(1, First), new InodeNumbers());
        var dir = Directory.CreateTempSubdirectory("tierfs-west-view-").FullName;
        try
        {
            using var cache = new PartCache(Path.Combine(dir, "cache"), 1 << 20);
            LookupAndChanges(view, new WestFileSystem(view, null!, cache, new WestOptions()));
        }
        finally
        {
            Directory.Delete(dir, recursive: true); // the cache's directory outlives the cache (it is the mount's)
        }
    }

    private static unsafe void LookupAndChanges(WestView view, WestFileSystem fs)
    {
        var ctx = new FuseContext(0, 0, 1, 0);
        var entry = default(FuseEntry);
        fixed (byte* name = "proj\0"u8)
        {
            Assert.Equal(0, fs.Lookup(ctx, 1, new FuseName(name), ref entry));
            Assert.Equal(-Errno.EROFS, fs.MkDir(ctx, 1, new FuseName(name), 0x1ed, ref entry));
            Assert.Equal(-Errno.EROFS, fs.Unlink(ctx, 1, new FuseName(name)));
        }
        Assert.Equal(Libc.S_IFDIR | 0x1ed, entry.Attr.Mode);
        fixed (byte* name = "missing\0"u8) Assert.Equal(-Errno.ENOENT, fs.Lookup(ctx, 1, new FuseName(name), ref entry));
        var fi = default(FuseFileInfo);
        var a = view.NodeOf(view.Child(1, "b")!);
        Assert.Equal(-WestOptions.EastOnlyErrno, fs.Open(ctx, a, ref fi));
        Assert.Equal(Errno.ENODATA, WestOptions.EastOnlyErrno);
        fi.Flags = 1; // O_WRONLY
        Assert.Equal(-Errno.EROFS, fs.Open(ctx, a, ref fi));
        var buffer = new byte[16];
        Assert.Equal(1, fs.ReadLink(ctx, view.NodeOf(view.Child(1, "l")!), buffer));
        Assert.Equal("a", Encoding.UTF8.GetString(buffer, 0, 1));
    }
}
