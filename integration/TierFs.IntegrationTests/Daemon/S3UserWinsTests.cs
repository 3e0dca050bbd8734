using TierFs.IntegrationTests.Harness;
using TierFs.IntegrationTests.Remote;
using static TierFs.IntegrationTests.Daemon.DaemonHarness;

namespace TierFs.IntegrationTests.Daemon;

/// <summary>A user's open wins over a migration the daemon has under way (real s3rver, a large upload).</summary>
public sealed class S3UserWinsTests(S3ServerFixture fixture) : IClassFixture<S3ServerFixture>
{
    [Fact]
    public async Task Opening_a_file_during_its_migration_abandons_the_migration_and_releases_nothing()
    {
        const string policy = """
            policies:
              - name: all
                where: "size > 0"
            schedule:
              min_age: 0s
            """;
        using var t = S3TierMount.Start(fixture.Server, "user-wins/", topYaml: policy, mountArgs: "--no-daemon");
        var m = t.M;
        const int size = 512 << 20;
        Write(m.B("big"), size, 1);

        var run = Task.Run(() => ProcEnv.Run(Proc.Tierfs, ["policy", "run", m.MountPoint], S3TierMount.AwsEnv, TimeSpan.FromSeconds(300)));
        // Wait until the upload is under way, then open the file as a user would.
        Assert.True(Proc.WaitUntil(() => UploadedBytes(m) > 0 || run.IsCompleted, TimeSpan.FromSeconds(60)), $"no upload seen: {m.Log}");
        Assert.False(run.IsCompleted, $"the upload ended before the test could open the file: {(run.IsCompleted ? await run : null)}");
        using (var user = File.OpenRead(m.M("big")))
        {
            Assert.Equal(Tiering.TierHarness.Content(16, 1)[0], (byte)user.ReadByte());
            await run.WaitAsync(TimeSpan.FromSeconds(60)); // ends soon after the user's open
        }
        var r = await run;
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("all: migrate 0 files, 0 B, 1 skipped, 0 failed", r.Stdout);
        Assert.Contains("opened by a user", m.Log);
        Assert.Equal("big=resident", States(m));
        Assert.True(Px.Stat(m.B("big")).Blocks * 512 >= size, "data was released");
        Assert.Empty(t.DataObjects());
    }

    private static long UploadedBytes(TestMount m)
    {
        var running = Status(m).GetProperty("running");
        if (running.ValueKind != System.Text.Json.JsonValueKind.Object) return 0;
        var job = running.GetProperty("job");
        return job.ValueKind == System.Text.Json.JsonValueKind.Object ? job.GetProperty("bytes").GetInt64() : 0;
    }
}
