using System.Text;
using TierFs.IntegrationTests.Harness;
using TierFs.Namespace;
using TierFs.Records;
using TierFs.Remote;

namespace TierFs.IntegrationTests.West;

/// <summary>What the metadata sync tests share: an east tree to build, its namespace read back, the tree compared entry by entry.</summary>
internal static class WestTree
{
    public static RunResult Tierfs(params string[] args) => ProcEnv.Run(Proc.Tierfs, args, S3TierMount.AwsEnv, TimeSpan.FromSeconds(120));

    public static void Ok(RunResult r)
    {
        if (r.ExitCode != 0) throw new Xunit.Sdk.XunitException($"tierfs failed: {r}");
    }

    public static byte[] Content(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    /// <summary>
    /// Dirs, files of several sizes (0 B to 3 MiB), a symlink, a hard link, a user.* xattr, an owner
    /// and mode of someone else's, made through the mount; the listed files migrated. Returns the files' contents by path.
    /// </summary>
    public static Dictionary<string, byte[]> Build(TestMount m, params string[] migrate)
    {
        var files = new Dictionary<string, byte[]>
        {
            ["empty.txt"] = [],
            ["one.txt"] = "x"u8.ToArray(),
            ["proj/page.bin"] = Content(4096, 1),
            ["proj/odd.bin"] = Content((1 << 20) + 3, 2),
            ["proj/data/big.h5"] = Content(3 << 20, 3),
            ["proj/data/small.dat"] = Content(700, 4),
            ["local-only.txt"] = Encoding.UTF8.GetBytes("never archived"),
        };
        Directory.CreateDirectory(m.M("proj/data/empty-dir"));
        foreach (var (path, data) in files) File.WriteAllBytes(m.M(path), data);
        File.CreateSymbolicLink(m.M("latest"), "proj/data/big.h5");
        File.CreateSymbolicLink(m.M("proj/up"), "../one.txt");
        Assert.Equal(0, Px.Link(m.M("proj/data/small.dat"), m.M("small-link.dat")));
        files["small-link.dat"] = files["proj/data/small.dat"];
        Assert.Equal(0, Px.SetXattr(m.M("proj/odd.bin"), "user.project", "heb"u8));
        Assert.Equal(0, Px.Lchown(m.M("proj/page.bin"), 1234, 567));
        Assert.Equal(0, Px.Chmod(m.M("proj/page.bin"), 0x1A0 /* 0640 */));
        foreach (var path in migrate) Ok(Tierfs("migrate", m.M(path)));
        return files;
    }

    public static IRemoteStore Store(S3Server s3, string prefix) => RemoteStore.Create(s3.StoreOptions(prefix));

    public static async Task<NamespaceTree> LoadAsync(S3Server s3, string prefix, long? generation = null)
    {
        await using var store = Store(s3, prefix);
        return await new NamespaceReader(store, "heb").LoadAsync(generation, CancellationToken.None) ?? throw new Xunit.Sdk.XunitException("no namespace published");
    }

    /// <summary>What the object of <paramref name="generation"/> itself carries: its puts and its deletes (ids).</summary>
    public static async Task<(List<NsEntry> Puts, List<long> Deletes)> RecordsOfAsync(S3Server s3, string prefix, long generation)
    {
        await using var store = Store(s3, prefix);
        var reader = new NamespaceReader(store, "heb");
        var pointer = await reader.ReadPointerAsync(CancellationToken.None) ?? throw new Xunit.Sdk.XunitException("no namespace published");
        var puts = new List<NsEntry>();
        var deletes = new List<long>();
        await reader.ReadAsync(pointer.Chain.Single(c => c.Generation == generation), puts.Add, deletes.Add, CancellationToken.None);
        return (puts, deletes);
    }

    /// <summary>Every entry under <paramref name="root"/> (not following symlinks), relative paths, "" the root itself.</summary>
    public static List<string> Walk(string root)
    {
        var found = new List<string> { "" };
        var stack = new Stack<string>([""]);
        while (stack.Count > 0)
        {
            var dir = stack.Pop();
            foreach (var full in Directory.EnumerateFileSystemEntries(dir.Length == 0 ? root : Path.Combine(root, dir)))
            {
                var rel = Path.GetRelativePath(root, full);
                found.Add(rel);
                if (Px.Stat(full).IsDir) stack.Push(rel);
            }
        }
        found.Sort(StringComparer.Ordinal);
        return found;
    }

    /// <summary>Asserts the namespace holds exactly the tree under <paramref name="root"/>: each entry's type, size, mode, owner, mtime, ctime, nlink, target, user.* xattrs.</summary>
    public static void AssertSame(string root, NamespaceTree tree)
    {
        var east = Walk(root);
        var west = tree.Walk().Select(w => w.Path).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(east, west);
        foreach (var path in east)
        {
            var full = path.Length == 0 ? root : Path.Combine(root, path);
            var st = Px.Stat(full);
            var e = tree.Lookup(path)!;
            var what = $"{(path.Length == 0 ? "/" : path)}: east {st.Full}, west mode={e.Mode:x} uid={e.Uid} gid={e.Gid} size={e.Size} nlink={e.Nlink} mtime={e.MtimeNs} ctime={e.CtimeNs}";
            Assert.True(st.Mode == e.Mode && st.Uid == e.Uid && st.Gid == e.Gid && st.Nlink == e.Nlink, what);
            if (!st.IsDir) Assert.True(st.Size == e.Size, what);
            Assert.True(st.Mtime.Sec * 1_000_000_000 + st.Mtime.Nsec == e.MtimeNs, what);
            Assert.True(st.Ctime.Sec * 1_000_000_000 + st.Ctime.Nsec == e.CtimeNs, what);
            if (st.IsLink) Assert.Equal(new FileInfo(full).LinkTarget, e.Target);
            var xattrs = st.IsLink ? [] : UserXattrs(full);
            Assert.Equal(xattrs, e.Xattrs.Select(x => $"{x.Name}={Encoding.UTF8.GetString(x.Value)}").Order(StringComparer.Ordinal).ToList());
        }
    }

    private static List<string> UserXattrs(string path)
    {
        Assert.Equal(0, Px.TryListXattr(path, out var names));
        return names.Where(n => n.StartsWith("user.", StringComparison.Ordinal))
            .Select(n => { Assert.Equal(0, Px.TryGetXattr(path, n, out var v)); return $"{n}={Encoding.UTF8.GetString(v)}"; })
            .Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// A namespace whoever can write the bucket could craft: a directory named "..", names with '/',
    /// symlinks leading outside (to <paramref name="outside"/>, absolute, and up), a file below a
    /// symlink, and one plain file, ok.txt.
    /// </summary>
    public static List<NsEntry> Crafted(string outside) =>
    [
        Entry(1, 0, "", NsEntry.TypeDir),
        Entry(2, 1, "..", NsEntry.TypeDir),
        Entry(3, 2, "escaped.txt"),
        Entry(4, 1, "../outside/x"),
        Entry(5, 1, "/etc/passwd"),
        Entry(6, 1, "abs-link", NsEntry.TypeSymlink) with { Target = outside },
        Entry(7, 1, "escape", NsEntry.TypeSymlink) with { Target = "../outside" },
        Entry(8, 7, "through.txt"),
        Entry(9, 1, "ok.txt"),
    ];

    /// <summary>An entry of a crafted namespace (a file: released, 3 bytes, a record without a BLAKE3 digest).</summary>
    public static NsEntry Entry(long id, long parent, string name, char type = NsEntry.TypeFile) => new()
    {
        Id = id,
        ParentId = parent,
        Name = name,
        Type = type,
        Mode = type == NsEntry.TypeDir ? 0x41ed : 0x81a4,
        Nlink = 1,
        Ino = id,
        Size = type == NsEntry.TypeFile ? 3 : 0,
        MtimeNs = 1_600_000_000_000_000_000,
        State = type == NsEntry.TypeFile ? TierState.Released : TierState.Resident,
        Record = type == NsEntry.TypeFile
            ? new StubRecord { State = StubRecord.StateReleased, FileId = new string('c', 32), ObjectKey = "data/cc/x/1.0", Checksum = "00-1", PartSize = 1 << 20, Size = 3, MtimeNs = 1_600_000_000_000_000_000 }
            : null,
    };

    // What whoever can write the bucket could put there: a generation and a pointer naming it.
    public static async Task PublishCraftedAsync(S3Server s3, string prefix, IReadOnlyList<NsEntry> entries)
    {
        await using var store = Store(s3, prefix);
        var key = NamespaceLayout.GenerationKey("heb", 1, snapshot: true);
        var body = new MemoryStream();
        using (var records = GenerationObject.BeginWrite(body, new GenerationHeader { Pair = "heb", Generation = 1, Snapshot = true }))
            foreach (var e in entries) records.WritePut(e);
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllBytesAsync(file, body.ToArray());
            using var handle = File.OpenHandle(file);
            await store.UploadAsync(key, handle, body.Length, new Dictionary<string, string>(), null, CancellationToken.None);
        }
        finally
        {
            File.Delete(file);
        }
        var pointer = new NamespacePointer { Pair = "heb", Generation = 1, Chain = [new GenerationRef(1, true, key, body.Length)], Entries = entries.Count };
        await store.PutRecordAsync(NamespaceLayout.PointerKey("heb"), pointer.Encode(), new Dictionary<string, string>(), CancellationToken.None);
    }
}
