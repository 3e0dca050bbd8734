// Metadata sync over a large index: builds an index of N file rows (~1000 per directory, 20% with a
// full tier record), publishes the namespace to a directory remote tier (the first publication:
// a snapshot), makes 1,000 changes (500 renames, 250 changed files, 250 unlinks) and syncs again
// (a delta), renames a top directory holding a tenth of the tree and syncs, then loads the latest
// generation back with the reader and builds the west mount's view of it (the managed memory each
// holds: the heap's size after a full collection, less before), then 1,000 more changes are synced
// and followed as a west mount does (the delta applied to a copy, a new view, what changed). Prints
// a markdown table, with each step's peak RSS (the process's high-water mark, reset before the step).
// Usage: nssyncbench [--files N] [--dir DIR] [--archived SHARE]
//        nssyncbench --publish-only ARCHIVE [--files N] [--archived SHARE]: publishes the first
//        generation to the directory remote tier ARCHIVE (prefix east/, pair heb) and keeps it
//        (what integration/bench/import-run.sh imports from).
using System.Diagnostics;
using TierFs.Index;
using TierFs.Namespace;
using TierFs.Records;
using TierFs.Remote;
using TierFs.West;

var files = 1_000_000;
var dir = "/var/tmp";
var archivedShare = 0.20;
string? publishOnly = null;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--files": files = int.Parse(args[++i]); break;
        case "--dir": dir = args[++i]; break;
        case "--archived": archivedShare = double.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); break;
        case "--publish-only": publishOnly = args[++i]; break;
        default: Console.Error.WriteLine($"nssyncbench: unknown argument {args[i]}"); return 2;
    }
}

var work = Directory.CreateDirectory(Path.Combine(dir, $"nssyncbench-{Environment.ProcessId}")).FullName;
try
{
    var archive = Directory.CreateDirectory(publishOnly ?? Path.Combine(work, "archive")).FullName;
    using var index = TierIndex.Open(Path.Combine(work, "index.db"));
    var rng = new Random(42);
    TreeGenerator.Fill(index, files, rng, fullRecords: true, archived: archivedShare);
    await using var remote = RemoteStore.Create(new DirectoryStoreOptions { Path = archive, Prefix = "east" });
    var publisher = new NamespacePublisher(remote, index, new PublishOptions { Pair = "heb", ContractValue = "LC_1111,/src,LC_222,/dst", TempDirectory = work });

    PeakRss.Reset();
    var first = await publisher.PublishAsync(CancellationToken.None);
    var firstRss = PeakRss.MiB();
    Console.Error.WriteLine(first);
    if (publishOnly is not null) return 0;

    // 1,000 changes spread over the tree.
    void Change(string suffix)
    {
        var ids = index.Query("SELECT id FROM entries WHERE type = 'f' ORDER BY id").Rows.Select(r => (long)r[0]!).ToList();
        var picked = ids.OrderBy(_ => rng.Next()).Take(1000).ToList();
        for (var i = 0; i < picked.Count; i++)
        {
            var row = index.GetEntry(picked[i])!;
            if (i < 500) index.PutEntry(row with { Name = row.Name + suffix });
            else if (i < 750) index.PutEntry(row with { Size = row.Size + 1, MtimeNs = row.MtimeNs + 1 });
            else index.DeleteEntryTree(row.Id);
        }
        index.Flush();
    }
    Change(".renamed");
    PeakRss.Reset();
    var delta = await publisher.PublishAsync(CancellationToken.None);
    var deltaRss = PeakRss.MiB();
    Console.Error.WriteLine(delta);

    var top = index.Query("SELECT id, parent_id, name FROM entries WHERE name = 'top3'").Rows[0];
    var topRow = index.GetEntry((long)top[0]!)!;
    var below = index.CountTree(topRow.Id) - 1;
    index.PutEntry(topRow with { Name = "top3-moved" });
    index.Flush();
    var rename = await publisher.PublishAsync(CancellationToken.None);
    Console.Error.WriteLine(rename);

    // What the loaded generation holds: the managed heap after the load less before it (both after a
    // full collection, nothing else alive in between), then the same with the west mount's view of it.
    var before = GC.GetTotalMemory(true);
    PeakRss.Reset();
    var loadCpu = Process.GetCurrentProcess().TotalProcessorTime;
    var (gen0, gen2) = (GC.CollectionCount(0), GC.CollectionCount(2));
    var load = Stopwatch.StartNew();
    var reader = new NamespaceReader(remote, "heb", work);
    var pointer = (await reader.ReadPointerAsync(CancellationToken.None))!;
    var tree = await reader.LoadAsync(pointer, null, CancellationToken.None);
    load.Stop();
    // CPU time too: on a shared machine the wall time is mostly the wait for a core.
    loadCpu = Process.GetCurrentProcess().TotalProcessorTime - loadCpu;
    (gen0, gen2) = (GC.CollectionCount(0) - gen0, GC.CollectionCount(2) - gen2);
    var loadRss = PeakRss.MiB();
    var treeBytes = GC.GetTotalMemory(true) - before;
    var viewTime = Stopwatch.StartNew();
    var numbers = new InodeNumbers();
    var view = WestView.Build(tree, numbers);
    viewTime.Stop();
    var viewBytes = GC.GetTotalMemory(true) - before;
    var rssAfter = PeakRss.CurrentMiB();
    if (tree.Count != rename.Entries) throw new InvalidOperationException($"the reader has {tree.Count} entries, the index {rename.Entries}");
    if (tree.Lookup("top3-moved") is null) throw new InvalidOperationException("the renamed directory is not in the namespace");
    if (view.Nodes != tree.Count) throw new InvalidOperationException($"the view shows {view.Nodes} nodes of {tree.Count} entries");

    // What a west mount does at its next refresh after 1,000 more changes: the new delta applied to a
    // copy of the generation it serves, the new view, what the kernel must drop.
    Change(".again");
    var next = await publisher.PublishAsync(CancellationToken.None);
    Console.Error.WriteLine(next);
    var nextPointer = (await reader.ReadPointerAsync(CancellationToken.None))!;
    var followCpu = Process.GetCurrentProcess().TotalProcessorTime;
    var follow = Stopwatch.StartNew();
    var followed = await reader.LoadAfterAsync(tree, pointer.Chain, nextPointer, CancellationToken.None);
    var changes = GenerationChanges.Between(view, WestView.Build(followed, numbers));
    follow.Stop();
    followCpu = Process.GetCurrentProcess().TotalProcessorTime - followCpu;
    if (followed.Count != next.Entries) throw new InvalidOperationException($"the followed generation has {followed.Count} entries, the index {next.Entries}");

    Console.WriteLine($"| Measurement ({first.Entries:N0} entries, {files:N0} files, {archivedShare:P0} with a full tier record) | Value | Peak RSS of the step | Target |");
    Console.WriteLine("|---|---:|---:|---|");
    Console.WriteLine($"| first publication (snapshot): time | {first.Seconds:F2} s ({first.Entries / first.Seconds:N0} entries/s) | {firstRss} MiB | report |");
    Console.WriteLine($"| first publication: bytes uploaded | {first.Bytes:N0} B = {(double)first.Bytes / first.Entries:F1} B/entry | | < 60 B/entry |");
    Console.WriteLine($"| incremental sync of 1,000 changes (500 renames, 250 changed, 250 unlinked) | {delta.Seconds:F3} s, {delta.Bytes:N0} B ({delta.Puts} puts, {delta.Deletes} deletes) | {deltaRss} MiB | < 1 s |");
    Console.WriteLine($"| rename of a directory with {below:N0} entries below it | {rename.Seconds:F3} s, {rename.Bytes:N0} B ({rename.Puts} put) | | one record |");
    Console.WriteLine($"| reader: load the latest generation (snapshot + 2 deltas): time, managed memory it holds | {load.Elapsed.TotalSeconds:F2} s ({loadCpu.TotalSeconds:F2} s CPU, {gen0} collections, {gen2} of them full), {treeBytes / tree.Count} B/entry ({treeBytes / 1048576.0:F0} MiB) | {loadRss} MiB | ≤ 150 B/entry |");
    Console.WriteLine($"| west mount's view of it (node numbers, what is shown): time, managed memory of generation and view | {viewTime.Elapsed.TotalSeconds:F2} s, {viewBytes / tree.Count} B/entry ({viewBytes / 1048576.0:F0} MiB); process resident after: {rssAfter} MiB | | report |");
    Console.WriteLine($"| west mount following the next delta (1,000 more changes): delta applied to a copy, new view, what changed | {follow.Elapsed.TotalSeconds:F2} s ({followCpu.TotalSeconds:F2} s CPU); {changes.Nodes.Count} nodes, {changes.Names.Count} names | | report |");
    return 0;
}
finally
{
    Directory.Delete(work, recursive: true);
}

/// <summary>The process's peak resident set (VmHWM), reset before a step (clear_refs 5) so it is that step's.</summary>
internal static class PeakRss
{
    public static void Reset() => File.WriteAllText("/proc/self/clear_refs", "5");

    public static long MiB() => Status("VmHWM:");

    /// <summary>The process's resident set now (VmRSS).</summary>
    public static long CurrentMiB() => Status("VmRSS:");

    private static long Status(string field) =>
        long.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith(field, StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024;
}
