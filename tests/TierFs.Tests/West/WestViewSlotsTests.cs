using System.Text;
using TierFs.Fuse;
using TierFs.Index;
using TierFs.Namespace;
using TierFs.Posix;
using TierFs.Records;
using TierFs.Tests.Namespace;
using TierFs.West;

namespace TierFs.Tests.West;

/// <summary>
/// The west mount over the compact tree: xattrs, hard links and listings answered in place, a
/// generation followed by its deltas (applied to a copy) the same as loaded whole, and a crafted
/// namespace (ids out of order or negative, a name given twice, bad names, a loop) still refused.
/// </summary>
public sealed class WestViewSlotsTests : IDisposable
{
    private static readonly FuseContext Ctx = new(0, 0, 1, 0);

    // The part caches' directories: a cache's directory outlives the cache (it is the mount's).
    private readonly string _dir = Directory.CreateTempSubdirectory("tierfs-west-slots-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static NsEntry E(long id, long parent, string name, char type = NsEntry.TypeFile, long ino = 0, long nlink = 1) => new()
    {
        Id = id, ParentId = parent, Name = name, Type = type, Mode = type == NsEntry.TypeDir ? 0x41ed : 0x81a4, Uid = 7, Gid = 8,
        Size = 10, Nlink = nlink, Ino = ino == 0 ? id : ino, MtimeNs = 1_600_000_000_000_000_000 + id, State = TierState.Resident,
    };

    private static NamespaceTree Tree(params NsEntry[] entries)
    {
        var t = new NamespaceTree("heb", 1);
        foreach (var e in entries) t.Put(e);
        return t;
    }

    private static unsafe int Lookup(WestFileSystem fs, ulong parent, string name, out FuseEntry entry)
    {
        entry = default;
        fixed (byte* p = Encoding.UTF8.GetBytes(name + "\0")) return fs.Lookup(Ctx, parent, new FuseName(p), ref entry);
    }

    private static unsafe int GetXattr(WestFileSystem fs, ulong node, string name, Span<byte> buffer)
    {
        fixed (byte* p = Encoding.UTF8.GetBytes(name + "\0")) return fs.GetXattr(Ctx, node, new FuseName(p), buffer);
    }

    private static WestFileSystem Fs(WestView view, PartCache cache) => new(view, null!, cache, new WestOptions());

    private PartCache Cache() => new(Path.Combine(_dir, Guid.NewGuid().ToString("N")), 1 << 20);

    [Fact]
    public void Xattrs_hard_links_symlinks_and_listings_are_answered_from_the_slots()
    {
        var view = WestView.Build(Tree(
            E(1, 0, "", NsEntry.TypeDir),
            E(2, 1, "x.h5") with { Xattrs = [new NsXattr("user.project", "heb"u8.ToArray()), new NsXattr("user.owner", "ops team"u8.ToArray())] },
            E(3, 1, "one", ino: 77, nlink: 2), E(4, 1, "two", ino: 77, nlink: 2),
            E(5, 1, "l", NsEntry.TypeSymlink) with { Target = "x.h5" }), new InodeNumbers());
        using var cache = Cache();
        var fs = Fs(view, cache);

        Assert.Equal(0, Lookup(fs, 1, "x.h5", out var x));
        Assert.Equal(3, GetXattr(fs, x.Ino, "user.project", default));
        var value = new byte[16];
        Assert.Equal(8, GetXattr(fs, x.Ino, "user.owner", value));
        Assert.Equal("ops team", Encoding.UTF8.GetString(value, 0, 8));
        Assert.Equal(-Errno.ERANGE, GetXattr(fs, x.Ino, "user.owner", new byte[2]));
        Assert.Equal(-Errno.ENODATA, GetXattr(fs, x.Ino, "user.none", value));
        var names = new byte[64];
        var length = fs.ListXattr(Ctx, x.Ino, names);
        Assert.Equal("user.project\0user.owner\0", Encoding.UTF8.GetString(names, 0, length));
        Assert.Equal(length, fs.ListXattr(Ctx, x.Ino, default));
        Assert.Equal(-Errno.ERANGE, fs.ListXattr(Ctx, x.Ino, new byte[3]));

        Assert.Equal(0, Lookup(fs, 1, "one", out var one));
        Assert.Equal(0, Lookup(fs, 1, "two", out var two));
        Assert.Equal(one.Ino, two.Ino);
        var attr = default(FuseAttr);
        var timeout = 0.0;
        Assert.Equal(0, fs.GetAttr(Ctx, one.Ino, default, ref attr, ref timeout));
        Assert.Equal((2U, 7U, 8U, Libc.S_IFREG | 0x1a4), (attr.Nlink, attr.Uid, attr.Gid, attr.Mode));
        Assert.Equal(4, view.Nodes); // the root, x.h5, the linked file, l

        Assert.Equal(0, Lookup(fs, 1, "l", out var l));
        Assert.Equal(4UL, l.Attr.Size); // a symlink's size is its target's length
        var target = new byte[16];
        Assert.Equal(4, fs.ReadLink(Ctx, l.Ino, target));
        Assert.Equal(-Errno.EINVAL, fs.ReadLink(Ctx, x.Ino, target));
        Assert.Equal(-Errno.ENOENT, Lookup(fs, 1, "x.h", out _));
        Assert.Equal(-Errno.ENOTDIR, Lookup(fs, x.Ino, "a", out _));
        Assert.Equal(["l", "one", "two", "x.h5"], view.ListSlots(view.SlotOf(InodeNumbers.Root)).ToArray().Select(s => Encoding.UTF8.GetString(view.Node(s).Name)));
    }

    [Fact]
    public async Task A_generation_followed_by_its_delta_is_the_generation_loaded_whole_and_the_one_served_is_left_as_it_was()
    {
        using var t = new NamespaceTestTree();
        await t.Publisher().PublishAsync(CancellationToken.None);
        var reader = t.Reader();
        var first = (await reader.ReadPointerAsync(CancellationToken.None))!;
        var one = await reader.LoadAsync(first, null, CancellationToken.None);
        var numbers = new InodeNumbers();
        var view1 = WestView.Build(one, numbers);
        var projNode = view1.NodeOf(one.Lookup("proj")!);

        t.Put(NamespaceTestTree.Row(2, 1, "project", EntryRow.TypeDir)); // mv proj project
        t.Index.DeleteEntryTree(6); // rm top.txt
        t.Put(NamespaceTestTree.Row(20, 3, "new.bin", size: 7)); // a new file below the renamed directory
        t.Put(NamespaceTestTree.Row(21, 1, "aaa", EntryRow.TypeDir)); // a name before every other one
        var rearchived = NamespaceTestTree.Tier(4, 5 << 20, StubRecord.StateReleased);
        t.Index.Upsert(rearchived with { Record = rearchived.Record! with { Generation = 2, ObjectKey = $"data/00/{4:x32}/2.fedcba9876543210" } }); // a.h5's data in another object
        t.Index.Flush();
        var r = await t.Publisher().PublishAsync(CancellationToken.None);
        Assert.False(r.Snapshot);
        var second = (await reader.ReadPointerAsync(CancellationToken.None))!;

        var followed = await reader.LoadAfterAsync(one, first.Chain, second, CancellationToken.None);
        var whole = await reader.LoadAsync(second, null, CancellationToken.None);

        Assert.Equal(2, followed.Generation);
        Assert.Equal(whole.Count, followed.Count);
        foreach (var e in whole.All)
        {
            var f = followed.Get(e.Id)!;
            Assert.True(e.SameAs(f), $"{e} != {f}");
        }
        Assert.Equal(whole.Walk().Select(w => w.Path), followed.Walk().Select(w => w.Path));
        Assert.Equal(["aaa", "link", "project", "top-link.bin"], followed.List(1).Select(e => e.Name));
        Assert.NotNull(followed.Lookup("project/data/new.bin"));
        // The generation served until the switch is as it was.
        Assert.Equal(1, one.Generation);
        Assert.NotNull(one.Lookup("proj/data/a.h5"));
        Assert.NotNull(one.Lookup("top.txt"));
        Assert.Null(one.Lookup("project"));
        Assert.Equal(8, one.Count);

        var view2 = WestView.Build(followed, numbers);
        Assert.Equal(projNode, view2.NodeOf(followed.Lookup("project")!));
        var changes = GenerationChanges.Between(view1, view2);
        Assert.Equal([(1UL, "proj"), (1UL, "top.txt")], changes.Names.Order().ToList());
        Assert.Contains(view1.NodeOf(one.Lookup("proj/data/a.h5")!), changes.Nodes); // its data is read from another object now: its pages go
        Assert.DoesNotContain(projNode, changes.Nodes);
        Assert.DoesNotContain(view1.NodeOf(one.Lookup("link")!), changes.Nodes);
    }

    [Fact]
    public void A_crafted_namespace_ids_out_of_order_or_negative_a_name_given_twice_bad_names_and_a_loop_is_still_refused()
    {
        var tree = Tree(
            E(10, 0, "", NsEntry.TypeDir),
            E(50, 10, "a"),
            E(20, 10, "b"), // an id below one already put
            E(-5, 10, "neg", NsEntry.TypeDir),
            E(-6, -5, "below-neg"),
            E(30, 10, "a"), // the name again: the later one has it
            E(40, 10, "..", NsEntry.TypeDir), E(41, 40, "escaped"),
            E(60, 61, "loop1", NsEntry.TypeDir), E(61, 60, "loop2", NsEntry.TypeDir),
            E(70, 10, "x/y"));
        var view = WestView.Build(tree, new InodeNumbers());

        Assert.Equal(30, view.Child(InodeNumbers.Root, "a")!.Id);
        Assert.Equal(20, view.Child(InodeNumbers.Root, "b")!.Id);
        var neg = view.Child(InodeNumbers.Root, "neg")!;
        var negNode = view.NodeOf(neg);
        Assert.True(negNode > 1UL << 48, $"node {negNode}"); // a number from the table, not the id's
        Assert.Equal(-6, view.Child(negNode, "below-neg")!.Id);
        Assert.Equal(-5, view.Entry(negNode)!.Id);
        Assert.Null(view.Child(InodeNumbers.Root, ".."));
        Assert.Null(view.Child(InodeNumbers.Root, "x/y"));
        Assert.Equal(["..", "x/y"], view.Refused.Select(e => e.Name).Order(StringComparer.Ordinal));
        Assert.Equal(["a", "b", "neg"], view.List(InodeNumbers.Root).Select(e => e.Name));
        Assert.Equal(5, view.Nodes); // the root, a, b, neg, below-neg
        // Held but never reached: the entry that lost its name, what is below "..", the loop.
        foreach (var id in new long[] { 50, 41, 60, 61 })
        {
            Assert.NotNull(tree.Get(id));
            Assert.Null(view.Entry(InodeNumbers.OfId(id)!.Value));
            Assert.Throws<KeyNotFoundException>(() => view.NodeOf(tree.Get(id)!));
        }
        // The root is node 1 only, never its id's.
        Assert.Null(view.Entry(InodeNumbers.OfId(10)!.Value));
        Assert.Equal("/neg/below-neg", view.PathOf(view.Child(negNode, "below-neg")!));
    }
}
