using System.Security.Cryptography;
using System.Text.Json;
using TierFs.IntegrationTests.Harness;
using static TierFs.IntegrationTests.Tiering.TierHarness;

namespace TierFs.IntegrationTests.Tiering;

/// <summary>
/// Ctrl-C (SIGINT) of a `tierfs recall`, on a real mount over s3rver: the command's wait ends, but
/// a reader that joined its recall still gets every byte (the recall goes on for it); a recall that
/// nobody else waits for is cancelled and the file is a clean stub that a later open recalls. Also
/// when the command is another user's (uid 65534): its Ctrl-C cannot fail someone else's read.
/// </summary>
public sealed class RecallInterruptTests
{
    private const int Size = 24 << 20;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(300);
    private static readonly string[] AsNobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];
    private static readonly string[] AsUser = ["setpriv", "--reuid=1001", "--regid=1001", "--clear-groups"];

    [Fact]
    public async Task A_reader_sharing_an_interrupted_tierfs_recall_gets_the_exact_bytes()
    {
        using var s3 = S3Server.Launch();
        using var t = S3TierMount.Start(s3, "interrupt/", "request_timeout: 300s");
        var m = t.M;
        var data = Stub(m, "big.bin", 41);
        var daemon = DaemonProcess.PidOf(m);

        var reads = await ReadersOutlastAnInterruptedRecall(s3, m, "big.bin", [], [], readers: 1);

        Assert.Equal(Sum(data), Summed(Assert.Single(reads)));
        AssertRecalled(m, "big.bin", data);
        // One recall, accounted to the command that started it, that ended well.
        Assert.Equal(["big.bin,command,0,ok"], RecallRows(m, 1));
        Assert.True(Proc.WaitUntil(() => DaemonProcess.OpenHandles(daemon, m.Backing) == 0, Bound),
            $"the daemon still holds {DaemonProcess.OpenHandles(daemon, m.Backing)} handles");
    }

    [Fact]
    public async Task Another_users_interrupted_recall_cannot_fail_the_reads_that_joined_it()
    {
        using var s3 = S3Server.Launch();
        using var t = S3TierMount.Start(s3, "interrupt-user/", "request_timeout: 300s");
        var m = t.M;
        // The users reach the mount and read the file; uid 65534 recalls it, uid 1001 reads it.
        File.SetUnixFileMode(m.Root, (UnixFileMode)0b111_101_101);
        File.SetUnixFileMode(m.MountPoint, (UnixFileMode)0b111_101_101);
        var data = Stub(m, "shared.bin", 42, (UnixFileMode)0b110_100_100);

        var reads = await ReadersOutlastAnInterruptedRecall(s3, m, "shared.bin", AsNobody, AsUser, readers: 2);

        Assert.All(reads, r => Assert.Equal(Sum(data), Summed(r)));
        AssertRecalled(m, "shared.bin", data);
        Assert.Equal(["shared.bin,command,65534,ok"], RecallRows(m, 1));
    }

    /// <summary>
    /// Cycles of one stub, the command interrupted at another moment each time: before anyone
    /// joined (the recall is cancelled: a clean stub, recalled by the next read), after two readers
    /// joined (they get the bytes), and at once with S3 answering (any moment: the file is then
    /// whole or a clean stub). After each, the bytes are right and the daemon holds no handle.
    /// </summary>
    [Fact]
    public async Task Stress_interrupts_at_any_moment_leave_the_right_bytes_or_a_clean_stub()
    {
        using var s3 = S3Server.Launch();
        using var t = S3TierMount.Start(s3, "interrupt-stress/", "request_timeout: 300s");
        var m = t.M;
        var data = Stub(m, "s.bin", 43);
        var daemon = DaemonProcess.PidOf(m);
        for (var cycle = 0; cycle < 6; cycle++)
        {
            var stub = (t.BackingBlocks("s.bin"), t.Record("s.bin")!.Value.GetRawText());
            switch (cycle % 3)
            {
                case 0:
                    InterruptedAlone(s3, m, "s.bin");
                    Assert.Equal("released", State(m.M("s.bin")));
                    Assert.Equal(stub, (t.BackingBlocks("s.bin"), t.Record("s.bin")!.Value.GetRawText()));
                    break;
                case 1:
                    var reads = await ReadersOutlastAnInterruptedRecall(s3, m, "s.bin", [], [], readers: 2);
                    Assert.All(reads, r => Assert.Equal(Sum(data), Summed(r)));
                    break;
                default:
                    using (var recall = Running.Start(Proc.Tierfs, "recall", m.M("s.bin")))
                    {
                        recall.Interrupt();
                        recall.WaitForExit(Bound);
                    }
                    Assert.True(Proc.WaitUntil(() => TransferOf(m, "s.bin") is null, Bound), $"cycle {cycle}: the recall did not end\n{m.Log}");
                    var state = State(m.M("s.bin"));
                    Assert.Contains(state, new[] { "archived", "released" });
                    if (state == "released") Assert.Equal(stub, (t.BackingBlocks("s.bin"), t.Record("s.bin")!.Value.GetRawText()));
                    break;
            }
            // Whatever became of the command, a read now gets the file.
            Assert.Equal(Sum(data), Summed(Proc.Run("sha256sum", [m.M("s.bin")], Long)));
            AssertRecalled(m, "s.bin", data);
            Assert.True(Proc.WaitUntil(() => DaemonProcess.OpenHandles(daemon, m.Backing) == 0, Bound),
                $"cycle {cycle}: the daemon still holds {DaemonProcess.OpenHandles(daemon, m.Backing)} handles");
            var released = Tierfs("release", m.M("s.bin"));
            Assert.True(released.ExitCode == 0, $"cycle {cycle}: {released}");
        }
        Assert.DoesNotContain("could not put the stub back", m.Log);
    }

    /// <summary>
    /// With S3 frozen: `tierfs recall` (as <paramref name="commander"/>) starts the recall,
    /// <paramref name="readers"/> readers (as <paramref name="reader"/>) open the stub and join it,
    /// the command gets SIGINT and ends, and the daemon counts it out; none of the readers has
    /// ended then. S3 answers again: the readers' results.
    /// </summary>
    private static async Task<RunResult[]> ReadersOutlastAnInterruptedRecall(S3Server s3, TestMount m, string rel, string[] commander, string[] reader, int readers)
    {
        Task<RunResult>[] reads;
        s3.Pause();
        try
        {
            using var recall = Start(commander, Proc.Tierfs, "recall", m.M(rel));
            AwaitTransfer(m, rel, $"\"command by pid={recall.Pid} ", recall);
            reads = [.. Enumerable.Range(0, readers).Select(_ => Task.Run(() => Run(reader, "sha256sum", m.M(rel))))];
            AwaitTransfer(m, rel, $"\"sharing\":{readers + 1},", recall);

            recall.Interrupt();
            var ended = recall.WaitForExit(Bound);
            Assert.True(ended.ExitCode == 130 && ended.Stderr.Contains("interrupted", StringComparison.Ordinal), ended.ToString());
            // The daemon heard the hang-up: the command no longer counts, the readers still wait.
            string seen = "";
            Assert.True(Proc.WaitUntil(() => (seen = TransferOf(m, rel) ?? "").Contains($"\"sharing\":{readers},", StringComparison.Ordinal) || reads.Any(r => r.IsCompleted), Bound),
                $"the command was not counted out: {seen}\n{m.Log}");
            var early = reads.Where(r => r.IsCompleted).Select(r => r.Result.ToString()).ToList();
            Assert.True(early.Count == 0, $"a reader ended before S3 answered again: {string.Join("\n", early)}\n{m.Log}");
        }
        finally
        {
            s3.Resume();
        }
        return await Task.WhenAll(reads).WaitAsync(Long);
    }

    /// <summary>With S3 frozen, `tierfs recall` starts and gets SIGINT with nobody else waiting: the recall ends.</summary>
    private static void InterruptedAlone(S3Server s3, TestMount m, string rel)
    {
        s3.Pause();
        try
        {
            using var recall = Start([], Proc.Tierfs, "recall", m.M(rel));
            AwaitTransfer(m, rel, $"\"command by pid={recall.Pid} ", recall);
            recall.Interrupt();
            var ended = recall.WaitForExit(Bound);
            Assert.True(ended.ExitCode == 130, ended.ToString());
            Assert.True(Proc.WaitUntil(() => TransferOf(m, rel) is null, Bound), $"the recall nobody waits for was not cancelled\n{m.Log}");
        }
        finally
        {
            s3.Resume();
        }
    }

    private static byte[] Stub(TestMount m, string rel, int seed, UnixFileMode? mode = null)
    {
        var data = Content(Size, seed);
        File.WriteAllBytes(m.M(rel), data);
        if (mode is { } mo) File.SetUnixFileMode(m.M(rel), mo);
        Migrate(m.M(rel));
        return data;
    }

    private static void AssertRecalled(TestMount m, string rel, byte[] data)
    {
        Assert.Equal("archived", State(m.M(rel)));
        Assert.Equal(data, File.ReadAllBytes(m.B(rel))); // in the backing file itself
    }

    private static void AwaitTransfer(TestMount m, string rel, string showing, Running recall)
    {
        string seen = "";
        Assert.True(Proc.WaitUntil(() => (seen = TransferOf(m, rel) ?? "").Contains(showing, StringComparison.Ordinal) || recall.HasExited, Bound),
            $"no recall showing {showing}: {seen}\n{m.Log}");
        if (recall.HasExited) Assert.Fail($"the command ended first: {recall.WaitForExit(Bound)}");
    }

    /// <summary>The recall of <paramref name="rel"/> in `tierfs status --json`'s transfers (its JSON), or null.</summary>
    private static string? TransferOf(TestMount m, string rel)
    {
        var r = Tierfs("status", "--json", m.MountPoint);
        Assert.True(r.ExitCode == 0, r.ToString());
        foreach (var x in JsonDocument.Parse(r.Stdout).RootElement.GetProperty("transfers").EnumerateArray())
            if (x.GetProperty("path").GetString() == rel) return x.GetRawText();
        return null;
    }

    /// <summary>The recalls table's rows as "path,trigger,uid,result", once there are <paramref name="count"/>.</summary>
    private static List<string> RecallRows(TestMount m, int count)
    {
        List<string> rows = [];
        Assert.True(Proc.WaitUntil(() =>
        {
            var r = Tierfs("query", m.MountPoint, "SELECT path, trigger, uid, result FROM recalls ORDER BY id", "--format", "csv");
            rows = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToList();
            return r.ExitCode == 0 && rows.Count >= count;
        }, Bound), string.Join("\n", rows));
        return rows;
    }

    private static Running Start(string[] asUser, string program, params string[] args) =>
        asUser.Length == 0 ? Running.Start(program, args) : Running.Start(asUser[0], [.. asUser[1..], program, .. args]);

    private static RunResult Run(string[] asUser, string program, params string[] args) =>
        asUser.Length == 0 ? Proc.Run(program, args, Long) : Proc.Run(asUser[0], [.. asUser[1..], program, .. args], Long);

    private static string Sum(byte[] data) => Convert.ToHexString(SHA256.HashData(data)).ToLowerInvariant();

    /// <summary>The SHA-256 sha256sum printed, or its failure.</summary>
    private static string Summed(RunResult r) => r.ExitCode == 0 ? r.Stdout.Split(' ')[0] : r.ToString();
}
