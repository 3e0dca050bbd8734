using System.Text;
using TierFs.Namespace;
using TierFs.Records;

namespace TierFs.Tests.Namespace;

/// <summary>
/// The compact tree (slots in id order, names and records in an arena, children as sorted ranges)
/// against the plain dictionaries it replaced: every field back as put, lookups and listings the
/// same through random puts, renames, deletes, ids out of order, names given twice and copies.
/// </summary>
public class NamespaceTreeTests
{
    private static StubRecord Record(int seed) => new()
    {
        State = seed % 2 == 0 ? StubRecord.StateArchived : StubRecord.StateReleased,
        FileId = $"{seed:x32}",
        Generation = 1 + seed % 3,
        ObjectKey = $"data/{seed:x32}"[..7] + $"/{seed:x32}/{1 + seed % 3}.{seed * 7919L:x16}",
        Checksum = $"{seed:x32}-1",
        Crc32C = $"{seed:x8}-1",
        Blake3 = new string('b', 64) + "-1",
        PartSize = 16 << 20,
        Size = 1000 + seed,
        MtimeNs = 1_600_000_000_000_000_000 + seed,
        AtimeNs = 1_600_000_000_000_000_001 + seed,
        CtimeNs = 1_600_000_000_000_000_002 + seed,
        Pair = seed % 5 == 0 ? null : "heb",
        Remote = seed % 7 == 0 ? "s3://other/" : "s3://tier/east/",
        ETag = $"\"{seed:x32}\"",
        ArchivedAtMs = 1_700_000_000_000 + seed,
        Flags = (TierFlags)(seed % 3),
        Dirty = seed % 11 == 0,
    };

    private static NsEntry E(long id, long parent, string name, char type = NsEntry.TypeFile, int seed = 0) => new()
    {
        Id = id,
        ParentId = parent,
        Name = name,
        Type = type,
        Mode = type == NsEntry.TypeDir ? 0x41ed : 0x81a4,
        Uid = 1000 + seed % 5,
        Gid = 100,
        Size = type == NsEntry.TypeFile ? 1000 + seed : 4096,
        Nlink = 1,
        Ino = 5000 + id,
        AtimeNs = 1_600_000_000_000_000_001 + seed,
        MtimeNs = 1_600_000_000_000_000_000 + seed,
        CtimeNs = 1_600_000_000_000_000_002 + seed,
        Target = type == NsEntry.TypeSymlink ? $"../t{seed}" : null,
        State = seed % 4 == 1 ? TierState.Archived : TierState.Resident,
        Record = seed % 4 == 1 ? Record(seed) : null,
    };

    private static void AssertSameEntry(NsEntry want, NsEntry? got)
    {
        Assert.NotNull(got);
        Assert.True(want.SameAs(got), $"{want} != {got}");
        Assert.Equal(want.Record, got.Record);
        Assert.Equal(want.Name, got.Name);
    }

    [Fact]
    public void Every_field_comes_back_as_it_was_put_records_xattrs_targets_and_values_too_wide_for_a_slot()
    {
        var tree = new NamespaceTree("heb", 1);
        var entries = new List<NsEntry>
        {
            E(1, 0, "", NsEntry.TypeDir),
            E(2, 1, "archived.h5", seed: 1),
            E(3, 1, "link", NsEntry.TypeSymlink, seed: 3),
            E(4, 1, "héllo wörld ✓ \U0001F600", seed: 5) with
            {
                Xattrs = [new NsXattr("user.project", "heb"u8.ToArray()), new NsXattr("user.empty", []), new NsXattr("user.bin", [0, 255, 10])],
            },
            E(5, 1, "wide", seed: 9) with { Uid = -1, Gid = 1L << 40, Mode = long.MaxValue, Nlink = -3 },
            E(6, 1, "other", NsEntry.TypeOther, seed: 13) with { Mode = 0x11a4, Target = "a target on a fifo" },
            E(7, 1, "empty-target", NsEntry.TypeSymlink) with { Target = "" },
            E(8, 1, "no-key", seed: 17) with { State = TierState.Released, Record = Record(17) with { ObjectKey = "elsewhere/x", FileId = "a" } },
        };
        foreach (var e in entries) tree.Put(e);

        foreach (var e in entries) AssertSameEntry(e, tree.Get(e.Id));
        Assert.Equal(entries.Count, tree.Count);
        Assert.Equal(1, tree.RootId);
        var wide = tree.Node(tree.SlotOf(5));
        Assert.Equal((-1L, 1L << 40, long.MaxValue, -3L), (wide.Uid, wide.Gid, wide.Mode, wide.Nlink));
        var node = tree.Node(tree.SlotOf(4));
        Assert.True(node.TryGetXattr("user.bin"u8, out var value));
        Assert.Equal([0, 255, 10], value.ToArray());
        Assert.False(node.TryGetXattr("user.none"u8, out _));
        Assert.Equal("user.project\0user.empty\0user.bin\0"u8.ToArray(), Names(node));
        Assert.True(tree.Node(tree.SlotOf(2)).DataIsRemote);
        Assert.False(tree.Node(tree.SlotOf(3)).DataIsRemote);
        Assert.True(tree.Node(tree.SlotOf(7)).HasTarget);
        Assert.Equal(0, tree.Node(tree.SlotOf(7)).Target.Length);
        Assert.False(tree.Node(tree.SlotOf(2)).HasTarget);
    }

    private static byte[] Names(NsNode node)
    {
        var buffer = new byte[node.XattrNames(default)];
        Assert.Equal(buffer.Length, node.XattrNames(buffer));
        return buffer;
    }

    [Fact]
    public void Names_are_listed_and_found_in_the_order_of_their_UTF8_bytes()
    {
        var tree = new NamespaceTree("heb", 1);
        tree.Put(E(1, 0, "", NsEntry.TypeDir));
        string[] names = ["z", "b", "a", "é", "\U0001F600", "\uFFFD", "A", "a.b", "a-b", "ab"];
        for (var i = 0; i < names.Length; i++) tree.Put(E(10 + i, 1, names[i]));

        var want = names.OrderBy(n => Encoding.UTF8.GetBytes(n), Comparer<byte[]>.Create((x, y) => x.AsSpan().SequenceCompareTo(y))).ToList();
        Assert.Equal(want, tree.List(1).Select(e => e.Name));
        foreach (var n in names) Assert.Equal(n, tree.Lookup(n)!.Name);
        Assert.Null(tree.Lookup("c"));
    }

    [Fact]
    public void A_name_given_twice_in_a_directory_is_the_last_puts_and_the_other_entry_stays_held_but_unreached()
    {
        var tree = new NamespaceTree("heb", 1);
        tree.Put(E(1, 0, "", NsEntry.TypeDir));
        tree.Put(E(2, 1, "n"));
        Assert.Equal(2, tree.Lookup("n")!.Id);
        tree.Put(E(3, 1, "n")); // a crafted namespace: the name again
        Assert.Equal(3, tree.Lookup("n")!.Id);
        tree.Put(E(3, 1, "m")); // the later one moves away: the name is nobody's, as it was in the dictionaries
        Assert.Null(tree.Lookup("n"));
        Assert.Equal(["m"], tree.List(1).Select(e => e.Name));
        Assert.NotNull(tree.Get(2));
        tree.Put(E(2, 1, "n")); // put again: it has its name back
        Assert.Equal(2, tree.Lookup("n")!.Id);
        // Within one batch of puts (no read between), the last put of each entry decides.
        tree.Put(E(4, 1, "k"));
        tree.Put(E(5, 1, "k"));
        tree.Put(E(4, 1, "k"));
        Assert.Equal(4, tree.Lookup("k")!.Id);
        Assert.Equal(["k", "m", "n"], tree.List(1).Select(e => e.Name));
    }

    [Fact]
    public void Lookups_and_listings_match_the_dictionaries_through_random_puts_renames_deletes_odd_ids_and_copies()
    {
        for (var seed = 1; seed <= 20; seed++)
        {
            var rng = new Random(seed);
            var tree = new NamespaceTree("heb", 1);
            var model = new ReferenceTree();
            NamespaceTree? copied = null;
            ReferenceTree? copiedModel = null;
            var dirs = new List<long> { 1 };
            long next = 2;
            void Put(NsEntry e)
            {
                tree.Put(e);
                model.Put(e);
            }
            Put(E(1, 0, "", NsEntry.TypeDir));
            for (var round = 0; round < 30; round++)
            {
                for (var op = 0; op < 40; op++)
                {
                    var roll = rng.Next(100);
                    // Names from a small set, so that a name comes free and is taken again (never two at once: see the test above).
                    var name = $"n{rng.Next(24)}";
                    var parent = dirs[rng.Next(dirs.Count)];
                    if (model.List(parent).Any(e => e.Name == name)) continue;
                    if (roll < 45 || model.Ids.Count < 3)
                    {
                        // New entries in id order, sometimes an id below the others (only a crafted namespace does that).
                        var id = rng.Next(10) == 0 ? -rng.Next(1, 1000) * 1000L - next : next;
                        next++;
                        var dir = rng.Next(4) == 0;
                        Put(E(id, parent, name, dir ? NsEntry.TypeDir : NsEntry.TypeFile, (int)(next % 97)));
                        if (dir) dirs.Add(id);
                    }
                    else if (roll < 75)
                    {
                        var id = model.Ids[rng.Next(model.Ids.Count)];
                        if (id != 1) Put(model.Get(id)! with { ParentId = parent, Name = name, Size = rng.Next(1000) });
                    }
                    else
                    {
                        var id = model.Ids[rng.Next(model.Ids.Count)];
                        if (id == 1) continue;
                        tree.Delete(id);
                        model.Delete(id);
                    }
                }
                AssertSame(model, tree, dirs);
                if (round == 10)
                {
                    // What a west mount does with a delta: a copy changed, the tree it serves left as it is.
                    copied = tree;
                    copiedModel = model.Copy();
                    tree = tree.Copy();
                }
            }
            AssertSame(copiedModel!, copied!, dirs);
        }
    }

    private static void AssertSame(ReferenceTree model, NamespaceTree tree, List<long> dirs)
    {
        Assert.Equal(model.Ids.Count, tree.Count);
        Assert.Equal(model.RootId, tree.RootId);
        foreach (var id in model.Ids) AssertSameEntry(model.Get(id)!, tree.Get(id));
        foreach (var dir in dirs)
        {
            Assert.Equal(model.List(dir).Select(e => (e.Id, e.Name)), tree.List(dir).Select(e => (e.Id, e.Name)));
            foreach (var e in model.List(dir)) Assert.Equal(e.Id, tree.Child(dir, e.Name)?.Id);
        }
        Assert.Equal(model.Walk(), tree.Walk().Select(w => (w.Path, w.Entry.Id)));
    }

    /// <summary>The tree as it was: an entry by id, each directory's names in a dictionary (a later put takes a name).</summary>
    private sealed class ReferenceTree
    {
        private readonly Dictionary<long, NsEntry> _byId = [];
        private readonly Dictionary<long, Dictionary<string, long>> _children = [];

        public long RootId { get; private set; } = -1;
        public List<long> Ids => [.. _byId.Keys];

        public ReferenceTree Copy()
        {
            var copy = new ReferenceTree { RootId = RootId };
            foreach (var (id, e) in _byId) copy._byId[id] = e;
            foreach (var (parent, names) in _children) copy._children[parent] = new Dictionary<string, long>(names);
            return copy;
        }

        public NsEntry? Get(long id) => _byId.GetValueOrDefault(id);

        public void Put(NsEntry e)
        {
            if (_byId.TryGetValue(e.Id, out var old)) Unlink(old);
            _byId[e.Id] = e;
            if (e.ParentId == 0) RootId = e.Id;
            else
            {
                if (!_children.TryGetValue(e.ParentId, out var names)) _children[e.ParentId] = names = [];
                names[e.Name] = e.Id;
            }
        }

        public void Delete(long id)
        {
            if (_byId.Remove(id, out var old)) Unlink(old);
        }

        private void Unlink(NsEntry e)
        {
            if (e.ParentId == 0)
            {
                if (RootId == e.Id) RootId = -1;
                return;
            }
            if (_children.TryGetValue(e.ParentId, out var names) && names.TryGetValue(e.Name, out var at) && at == e.Id) names.Remove(e.Name);
        }

        public List<NsEntry> List(long parent) =>
            _children.TryGetValue(parent, out var names) ? [.. names.OrderBy(n => n.Key, StringComparer.Ordinal).Select(n => _byId[n.Value])] : [];

        public List<(string, long)> Walk()
        {
            var found = new List<(string, long)>();
            if (Get(RootId) is not { } root) return found;
            var stack = new Stack<(string, NsEntry)>();
            stack.Push(("", root));
            while (stack.Count > 0)
            {
                var (path, e) = stack.Pop();
                found.Add((path, e.Id));
                if (e.Type != NsEntry.TypeDir) continue;
                var children = List(e.Id);
                for (var i = children.Count - 1; i >= 0; i--) stack.Push((path.Length == 0 ? children[i].Name : path + "/" + children[i].Name, children[i]));
            }
            return found;
        }
    }
}
