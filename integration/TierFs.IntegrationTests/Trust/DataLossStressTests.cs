using System.Collections.Concurrent;
using System.Diagnostics;
using TierFs.IntegrationTests.Harness;
using Xunit.Abstractions;
using static TierFs.IntegrationTests.Tiering.TierHarness;

namespace TierFs.IntegrationTests.Trust;

/// <summary>
/// Many cycles of change, abandoned archive (the file open for writing), migration, release and
/// recall on several files at once, with readers of the others, the delete pass running every
/// second with a one-second grace, and the S3 server frozen under some migrations: after every
/// cycle each file reads back the last bytes written to it, and at the end every stub's object is
/// in the bucket and every queued deletion is of an object no file needs.
/// </summary>
public sealed class DataLossStressTests(ITestOutputHelper output)
{
    private const int Files = 4;
    private const int Cycles = 10;
    private static readonly int[] Sizes = [300_000, 3_300_000, 7_300_000, 10_300_000];

    [Fact]
    public void No_byte_is_lost_through_many_cycles_of_abandoned_and_successful_migrations_with_deletions_and_faults()
    {
        using var s3 = S3Server.Launch();
        using var t = S3TierMount.Start(s3, "stress/", "delete_grace: 1s\nrequest_timeout: 2s\npart_size: 5M", "", "-o", "delete_interval=1");
        var m = t.M;
        var last = new ConcurrentDictionary<string, byte[]>();
        var failures = new ConcurrentQueue<string>();
        var sw = Stopwatch.StartNew();
        var faultGate = new object();
        var faulting = 0;

        // A read during a fault may fail (EIO, the remote is frozen): it is read again once the fault is over.
        // Wrong bytes are never acceptable.
        void ReadBack(string name, string path, byte[] data, int cycle, string when)
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    var back = File.ReadAllBytes(path);
                    if (!back.AsSpan().SequenceEqual(data)) failures.Enqueue($"{name} cycle {cycle}: {when}: read back {back.Length} bytes that differ from the {data.Length} written");
                    return;
                }
                catch (IOException e) when (attempt == 1)
                {
                    output.WriteLine($"{name} cycle {cycle}: {when}: {e.Message}; read again after the fault");
                    Assert.True(Proc.WaitUntil(() => Volatile.Read(ref faulting) == 0, TimeSpan.FromSeconds(60)));
                }
            }
        }

        void Cycle(int file, int cycle)
        {
            var name = $"f{file}.bin";
            var path = m.M(name);
            // One part up to three parts of 5 MiB, and a size that changes every cycle.
            var data = Content(Sizes[file] + cycle * 1013, seed: file * 1000 + cycle);
            File.WriteAllBytes(path, data);
            last[name] = data;

            if (cycle % 2 == 0)
            {
                // Abandoned: the file is open for writing while it is archived.
                var fd = Px.Open(path, Px.O_WRONLY);
                try { Tierfs("archive", path); }
                finally { Px.Close(fd); }
            }
            if (file == 0 && cycle % 3 == 1)
            {
                // A fault: the server freezes under this migration (others may be hit too); it fails, then is run again.
                lock (faultGate)
                {
                    var migrate = Task.Run(() => Tierfs("migrate", path));
                    Interlocked.Increment(ref faulting);
                    s3.Pause();
                    try { Assert.True(Proc.WaitUntil(() => migrate.IsCompleted, TimeSpan.FromSeconds(60)), "a migration under a frozen server did not end"); }
                    finally
                    {
                        s3.Resume();
                        Interlocked.Decrement(ref faulting);
                    }
                }
            }
            var r = Tierfs("migrate", path);
            if (r.ExitCode != 0)
            {
                // Failed under another file's fault: the data stays local; run it again once the fault is over.
                Assert.True(Proc.WaitUntil(() => Volatile.Read(ref faulting) == 0, TimeSpan.FromSeconds(60)));
                r = Tierfs("migrate", path);
            }
            if (r.ExitCode != 0) failures.Enqueue($"{name} cycle {cycle}: migrate: {r}");
            ReadBack(name, path, data, cycle, "after migrate");
            if (cycle % 3 == 2)
            {
                // Released again without a new upload, and read by another process.
                Tierfs("release", path);
                var sum = Proc.Run("sha256sum", [path], TimeSpan.FromSeconds(60));
                if (sum.ExitCode == 0 && !sum.Stdout.StartsWith(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(data)), StringComparison.Ordinal))
                    failures.Enqueue($"{name} cycle {cycle}: wrong bytes after release and recall: {sum}");
                ReadBack(name, path, data, cycle, "after release");
            }
        }

        Parallel.For(0, Files, new ParallelOptions { MaxDegreeOfParallelism = Files }, file =>
        {
            for (var cycle = 0; cycle < Cycles; cycle++)
            {
                try { Cycle(file, cycle); }
                catch (Exception e) { failures.Enqueue($"f{file}.bin cycle {cycle}: {e.GetType().Name}: {e.Message}"); }
            }
        });
        output.WriteLine($"{Files} files x {Cycles} cycles in {sw.Elapsed.TotalSeconds:0.0} s");
        Assert.True(failures.IsEmpty, string.Join("\n", failures) + "\n" + m.Log);

        // Every file released once more; the delete pass drains; every stub's object is there and reads back.
        foreach (var name in last.Keys) Migrate(m.M(name));
        Assert.True(Proc.WaitUntil(() => t.PendingDeletes().All(p => p.DueMs > DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 5_000), TimeSpan.FromSeconds(30)),
            $"deletions stay queued: {string.Join(", ", t.PendingDeletes())}");
        var live = last.Keys.Select(t.ObjectKeyOf).ToHashSet();
        Assert.All(live, k => Assert.True(t.Exists(k), $"{k} is gone"));
        Assert.Equal(live.Order(StringComparer.Ordinal), t.DataObjects().Keys.Where(live.Contains).Order(StringComparer.Ordinal));
        foreach (var (name, data) in last) Assert.Equal(data, File.ReadAllBytes(m.M(name)));
        output.WriteLine($"objects left in the bucket: {t.DataObjects().Count} for {last.Count} files");
    }
}
