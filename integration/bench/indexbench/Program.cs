// Policy evaluation over a large index: builds an index of N file rows (default 1,000,000, ~1000
// per directory) through TierIndex, then times the policy planner on an indexed predicate and on
// a full-table predicate (medians of REPS runs) and reports the index's bytes per file.
// Usage: indexbench [--files N] [--reps N] [--dir DIR] [--keep]
using System.Diagnostics;
using TierFs.Index;
using TierFs.Policies;
using TierFs.Tiering.Config;

var files = 1_000_000;
var reps = 5;
var dir = "/var/tmp";
var keep = false;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--files": files = int.Parse(args[++i]); break;
        case "--reps": reps = int.Parse(args[++i]); break;
        case "--dir": dir = args[++i]; break;
        case "--keep": keep = true; break;
        default: Console.Error.WriteLine($"indexbench: unknown argument {args[i]}"); return 2;
    }
}

var work = Directory.CreateDirectory(Path.Combine(dir, $"indexbench-{Environment.ProcessId}")).FullName;
var dbPath = Path.Combine(work, "index.db");
try
{
    var build = Stopwatch.StartNew();
    using (var index = TierIndex.Open(dbPath))
        TreeGenerator.Fill(index, files, new Random(42));
    build.Stop();
    var bytes = new FileInfo(dbPath).Length;
    Console.Error.WriteLine($"built {files} files in {build.Elapsed.TotalSeconds:F1} s: {bytes} bytes");

    using var opened = TierIndex.Open(dbPath);
    var options = new PlanOptions();
    var cases = new (string Label, PolicyConfig Policy)[]
    {
        ("indexed: size >= 1 GiB", new() { Name = "large", Where = "size >= 1073741824", MaxFiles = 10_000 }),
        ("full table: atime < now() - days(30) AND uid = 1000", new() { Name = "cold-user", Where = "atime < now() - days(30) AND uid = 1000", MaxFiles = 10_000 }),
        ("full table, matching nothing: uid = 4242", new() { Name = "none", Where = "uid = 4242", MaxFiles = 10_000 }),
        ("full table, action release (archived only)", new() { Name = "release", Where = "atime < now() - days(30)", Action = PolicyAction.Release, MaxFiles = 10_000 }),
    };
    Console.WriteLine($"| Measurement ({files:N0} files, schema v{opened.SchemaVersion}, median of {reps}) | Value | Target |");
    Console.WriteLine("|---|---|---|");
    foreach (var (label, policy) in cases)
    {
        PolicyPlanner.Plan(opened, [policy], options); // warm: page cache and JIT
        var times = new List<double>();
        PolicyPlan? plan = null;
        for (var r = 0; r < reps; r++)
        {
            var sw = Stopwatch.StartNew();
            plan = PolicyPlanner.Plan(opened, [policy], options);
            times.Add(sw.Elapsed.TotalSeconds);
            Console.Error.WriteLine($"{label}: {sw.Elapsed.TotalSeconds:F3} s");
        }
        times.Sort();
        var target = label.StartsWith("indexed", StringComparison.Ordinal) ? "< 1 s" : "< 3 s";
        Console.WriteLine($"| {label}, max_files 10000 ({plan!.Files:N0} selected, {plan.Bytes / (1L << 30):N0} GiB) | {times[times.Count / 2]:F2} s | {target} |");
    }
    Console.WriteLine($"| Index size per file (entries + tier rows, indexes, {bytes / (1 << 20):N0} MiB) | {bytes / (double)files:F0} B | ≤ 300 B |");
    Console.WriteLine($"| Build through TierIndex.PutEntry (not a target) | {build.Elapsed.TotalSeconds:F1} s | |");
    return 0;
}
finally
{
    if (!keep) Directory.Delete(work, recursive: true);
    else Console.Error.WriteLine($"kept {dbPath}");
}
