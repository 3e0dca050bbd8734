// Metadata sync over a large index: builds an index of N file rows (~1000 per directory, 20% with a
// full tier record), publishes the namespace to a directory remote tier (the first publication:
// a snapshot), makes 1,000 changes (500 renames, 250 changed files, 250 unlinks) and syncs again
// (a delta), renames a top directory holding a tenth of the tree and syncs, then loads the latest
// generation back with the reader. Prints a markdown table.
// Usage: nssyncbench [--files N] [--dir DIR]
using System.Diagnostics;
using TierFs.Index;
using TierFs.Namespace;
using TierFs.Records;
using TierFs.Remote;

var files = 100_000;
var dir = "/var/tmp";
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--files": files = int.Parse(args[++i]); break;
        case "--dir": dir = args[++i]; break;
        default: Console.Error.WriteLine($"nssyncbench: unknown argument {args[i]}"); return 2;
    }
}

var work = Directory.CreateDirectory(Path.Combine(dir, $"nssyncbench-{Environment.ProcessId}")).FullName;
try
{
    var archive = Directory.CreateDirectory(Path.Combine(work, "archive")).FullName;
    using var index = TierIndex.Open(Path.Combine(work, "index.db"));
    var rng = new Random(42);
    TreeGenerator.Fill(index, files, rng, fullRecords: true);
    await using var remote = RemoteStore.Create(new DirectoryStoreOptions { Path = archive, Prefix = "east" });
    var publisher = new NamespacePublisher(remote, index, new PublishOptions { Pair = "heb", ContractValue = "LC_1111,/src,LC_222,/dst", TempDirectory = work });

    var first = await publisher.PublishAsync(CancellationToken.None);
    Console.Error.WriteLine(first);

    // 1,000 changes spread over the tree.
    var ids = index.Query("SELECT id FROM entries WHERE type = 'f' ORDER BY id").Rows.Select(r => (long)r[0]!).ToList();
    var picked = ids.OrderBy(_ => rng.Next()).Take(1000).ToList();
    for (var i = 0; i < picked.Count; i++)
    {
        var row = index.GetEntry(picked[i])!;
        if (i < 500) index.PutEntry(row with { Name = row.Name + ".renamed" });
        else if (i < 750) index.PutEntry(row with { Size = row.Size + 1, MtimeNs = row.MtimeNs + 1 });
        else index.DeleteEntryTree(row.Id);
    }
    index.Flush();
    var delta = await publisher.PublishAsync(CancellationToken.None);
    Console.Error.WriteLine(delta);

    var top = index.Query("SELECT id, parent_id, name FROM entries WHERE name = 'top3'").Rows[0];
    var topRow = index.GetEntry((long)top[0]!)!;
    var below = index.CountTree(topRow.Id) - 1;
    index.PutEntry(topRow with { Name = "top3-moved" });
    index.Flush();
    var rename = await publisher.PublishAsync(CancellationToken.None);
    Console.Error.WriteLine(rename);

    var load = Stopwatch.StartNew();
    var before = GC.GetTotalMemory(true);
    var tree = (await new NamespaceReader(remote, "heb", work).LoadAsync(null, CancellationToken.None))!;
    load.Stop();
    var after = GC.GetTotalMemory(true);
    if (tree.Count != rename.Entries) throw new InvalidOperationException($"the reader has {tree.Count} entries, the index {rename.Entries}");
    if (tree.Lookup("top3-moved") is null) throw new InvalidOperationException("the renamed directory is not in the namespace");

    Console.WriteLine($"| Measurement ({first.Entries:N0} entries, {files:N0} files, 20% with a full tier record) | Value | Target |");
    Console.WriteLine("|---|---:|---|");
    Console.WriteLine($"| first publication (snapshot): time | {first.Seconds:F2} s ({first.Entries / first.Seconds:N0} entries/s) | report |");
    Console.WriteLine($"| first publication: bytes uploaded | {first.Bytes:N0} B = {(double)first.Bytes / first.Entries:F1} B/entry | < 60 B/entry |");
    Console.WriteLine($"| incremental sync of 1,000 changes (500 renames, 250 changed, 250 unlinked) | {delta.Seconds:F3} s, {delta.Bytes:N0} B ({delta.Puts} puts, {delta.Deletes} deletes) | < 1 s |");
    Console.WriteLine($"| rename of a directory with {below:N0} entries below it | {rename.Seconds:F3} s, {rename.Bytes:N0} B ({rename.Puts} put) | one record |");
    Console.WriteLine($"| reader: load the latest generation (snapshot + 2 deltas) | {load.Elapsed.TotalSeconds:F2} s, ~{(after - before) / tree.Count} B of managed memory per entry | report |");
    return 0;
}
finally
{
    Directory.Delete(work, recursive: true);
}
