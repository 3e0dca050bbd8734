using System.Text.Json;
using System.Text.RegularExpressions;
using TierFs.IntegrationTests.Harness;
using static TierFs.IntegrationTests.Daemon.DaemonHarness;
using static TierFs.IntegrationTests.Tiering.TierHarness;

namespace TierFs.IntegrationTests.Daemon;

/// <summary>
/// One mover on a real mount: `tierfs migrate` while a policy run is under way moves no more files
/// at once than schedule.workers, and the command's files start before the job's queue drains.
/// </summary>
public sealed partial class OneMoverMountTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Tierfs_migrate_during_a_policy_run_moves_at_most_schedule_workers_files_at_once()
    {
        const int workers = 2;
        const string config = """
            policies:
              - name: cold
                where: "name LIKE 'job%'"
            schedule:
              workers: 2
              min_age: 0s
            """;
        using var s3 = S3Server.Launch();
        // Debug: the engine logs each transfer's beginning before it starts and its end after it ended.
        using var t = S3TierMount.Start(s3, "one-mover/", remoteYaml: "request_timeout: 300s", topYaml: config,
            mountArgs: ["--no-daemon", "-o", "log_level=debug"]);
        var m = t.M;
        for (var i = 0; i < 6; i++) Write(m.M($"job{i}"), (i + 1) << 16, i);
        var commanded = Enumerable.Range(0, 4).Select(i => m.M($"cmd{i}")).ToArray();
        for (var i = 0; i < commanded.Length; i++) Write(commanded[i], (i + 1) << 15, 10 + i);

        Task<RunResult> run, migrate;
        s3.Pause(); // every upload started waits on the frozen server: nothing ends, so nothing frees a worker
        try
        {
            run = Task.Run(() => ProcEnv.Run(Proc.Tierfs, ["policy", "run", m.MountPoint], S3TierMount.AwsEnv, TimeSpan.FromSeconds(300)));
            Assert.True(Proc.WaitUntil(() => Transfers(m) == workers || run.IsCompleted, Bound), $"the job's uploads did not start: {m.Log}");
            migrate = Task.Run(() => Proc.Run(Proc.Tierfs, ["migrate", .. commanded], TimeSpan.FromSeconds(300)));
            // The command waits in the pool for a worker: all four of its files queued, none moving.
            JsonElement status = default;
            Assert.True(Proc.WaitUntil(() => CommandWaiting(status = Status(m)) == 4 || migrate.IsCompleted, Bound),
                $"the command did not queue: {status}\n{(migrate.IsCompleted ? await migrate : null)}");
            Assert.Equal(workers, status.GetProperty("transfers").GetArrayLength());
            Assert.Equal(workers, status.GetProperty("movers").GetProperty("busy").GetInt32());
            var text = Tierfs("status", m.MountPoint).Stdout;
            Assert.Contains($"workers: {workers} of {workers} busy", text);
            Assert.Matches(@"\n  tierfs migrate by pid=\d+ uid=0 comm=tierfs: 0 moving, 4 waiting\n", text);
        }
        finally
        {
            s3.Resume();
        }
        var runResult = await run.WaitAsync(TimeSpan.FromSeconds(300));
        var migrateResult = await migrate.WaitAsync(TimeSpan.FromSeconds(300));
        Assert.True(runResult.ExitCode == 0, $"policy run: {runResult}\nlog: {m.Log}");
        Assert.True(migrateResult.ExitCode == 0, $"migrate: {migrateResult}\nlog: {m.Log}");
        Assert.Equal(string.Join(" ", Enumerable.Range(0, 4).Select(i => $"cmd{i}=released").Concat(Enumerable.Range(0, 6).Select(i => $"job{i}=released"))), States(m));

        // Replayed from the log in the order it was written, the transfers under way never exceeded the limit.
        var events = TransferLine().Matches(m.Log).Select(x => (Begins: x.Groups[1].Value == "begins", Path: x.Groups[2].Value)).ToList();
        Assert.Equal(10, events.Count(e => e.Begins));
        Assert.Equal(10, events.Count(e => !e.Begins));
        int moving = 0, most = 0;
        foreach (var (begins, _) in events) most = Math.Max(most, moving += begins ? 1 : -1);
        Assert.Equal(workers, most);
        // Fair: the command's first file began before the job's last one did.
        var begun = events.Where(e => e.Begins).Select(e => e.Path).ToList();
        Assert.True(begun.FindIndex(p => p.StartsWith("cmd", StringComparison.Ordinal)) < begun.FindLastIndex(p => p.StartsWith("job", StringComparison.Ordinal)),
            string.Join(", ", begun));
    }

    [Fact]
    public void A_reload_gives_the_pool_the_new_schedule_workers()
    {
        using var m = MountWith("schedule:\n  workers: 3\n");
        Assert.Equal(3, Status(m).GetProperty("movers").GetProperty("limit").GetInt32());
        File.WriteAllText(Path.Combine(m.Root, "tierfs.yaml"), "schedule:\n  workers: 7\n");
        var r = Tierfs("reload", m.MountPoint);
        Assert.True(r.ExitCode == 0 && r.Stdout.Contains("schedule.workers: 3 → 7", StringComparison.Ordinal), r.ToString());
        var status = Status(m);
        Assert.Equal((7, 7), (status.GetProperty("workers").GetInt32(), status.GetProperty("movers").GetProperty("limit").GetInt32()));
    }

    private static int Transfers(TestMount m) => Status(m).GetProperty("transfers").GetArrayLength();

    private static int CommandWaiting(JsonElement status) =>
        status.GetProperty("movers").GetProperty("submissions").EnumerateArray()
            .Where(s => s.GetProperty("kind").GetString() == "command")
            .Sum(s => s.GetProperty("waiting").GetInt32());

    [GeneratedRegex(@" tier: transfer (begins|ends): archiving (\S+)")]
    private static partial Regex TransferLine();
}
