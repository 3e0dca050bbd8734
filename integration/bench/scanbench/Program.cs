// scanbench: the TierFs side of integration/bench/scan-run.sh (see the README next to it).
//
//   scanbench mktree ROOT TOP SUB FILES   ROOT/tTT/sSSS/fFFFF: TOP top directories of SUB
//                                         subdirectories each, FILES empty files in every one of
//                                         them (top ones included); refuses an existing ROOT
//   scanbench scan ROOT INDEX THREADS [again]
//                                         one scan of ROOT into the index file INDEX (created if
//                                         missing: a full scan; else an incremental rescan);
//                                         with "again", then two more scans (rescans) in the same
//                                         process: the first right after (the first scan's deferred
//                                         checkpoint runs beside it), the second as the mount
//                                         daemon's rescans, in a process that has scanned before
//
// scan prints one line of key=value per scan on stdout: wall (s, the Scan call only, not the process start
// nor opening the index), cpu (s of this process's CPU over the same interval), entries, new, changed, deleted, writes, errors, rate (entries/s),
// index_bytes (the index file once closed), hwm_kib (VmHWM of this process so far: its peak RSS, scans included).
using System.Diagnostics;
using TierFs.Index;
using TierFs.Scan;

switch (args.FirstOrDefault())
{
    case "mktree" when args.Length == 5:
        MakeTree(args[1], int.Parse(args[2]), int.Parse(args[3]), int.Parse(args[4]));
        return 0;
    case "scan" when args.Length == 4 || (args.Length == 5 && args[4] == "again"):
        return Scan(args[1], args[2], int.Parse(args[3]), args.Length == 5 ? 3 : 1);
    default:
        Console.Error.WriteLine("usage: scanbench mktree ROOT TOP SUB FILES | scanbench scan ROOT INDEX THREADS [again]");
        return 2;
}

static void MakeTree(string root, int top, int sub, int files)
{
    if (Path.Exists(root)) throw new IOException($"{root} exists: refusing to write into it");
    Directory.CreateDirectory(root);
    Parallel.For(0, top, t =>
    {
        var dir = Path.Combine(root, $"t{t:D3}");
        Fill(dir, files);
        for (var s = 0; s < sub; s++) Fill(Path.Combine(dir, $"s{s:D3}"), files);
    });
}

static void Fill(string dir, int files)
{
    Directory.CreateDirectory(dir);
    for (var f = 0; f < files; f++) File.Create(Path.Combine(dir, $"f{f:D4}")).Dispose();
}

static int Scan(string root, string indexPath, int threads, int scans)
{
    var results = new List<(ScanResult Result, double Wall, double Cpu, long HwmKib)>();
    using (var index = TierIndex.Open(indexPath))
    {
        for (var i = 0; i < scans; i++)
        {
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            var result = new Scanner(index, new ScanOptions { Threads = threads }).Scan(root);
            var wall = clock.Elapsed.TotalSeconds;
            results.Add((result, wall, (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds, HighWaterKib()));
        }
    }
    // Closed: the WAL is checkpointed into the file, which is then the whole index.
    var bytes = new[] { "", "-wal" }.Select(s => new FileInfo(indexPath + s)).Where(f => f.Exists).Sum(f => f.Length);
    foreach (var (result, wall, cpu, hwm) in results)
    {
        var c = result.Counts;
        Console.WriteLine(FormattableString.Invariant(
            $"wall={wall:F3} cpu={cpu:F3} entries={c.Entries} new={c.New} changed={c.Changed} deleted={c.Deleted} writes={c.Writes} errors={c.Errors} rate={c.Entries / wall:F0} index_bytes={bytes} hwm_kib={hwm}"));
    }
    return results.All(r => r.Result.Counts.Errors == 0) ? 0 : 1;
}

static long HighWaterKib()
{
    var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
}
