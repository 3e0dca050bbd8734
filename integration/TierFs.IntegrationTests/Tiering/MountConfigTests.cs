using TierFs.IntegrationTests.Harness;

namespace TierFs.IntegrationTests.Tiering;

/// <summary>`tierfs mount --config`: a bad configuration or an unusable remote tier mounts nothing and says why.</summary>
public class MountConfigTests
{
    private static readonly Dictionary<string, string> Credentials = new()
    {
        ["AWS_ACCESS_KEY_ID"] = S3Server.AccessKey,
        ["AWS_SECRET_ACCESS_KEY"] = S3Server.SecretKey,
    };

    private static (RunResult Result, TestMount Mount) MountWith(string yaml, Dictionary<string, string>? env = null)
    {
        return TestMount.Attempt(m =>
        {
            var config = TierHarness.WriteConfig(m.Root, yaml);
            string[] args = ["mount", "--config", config, m.Backing, m.MountPoint, "--state-dir", m.StateDir];
            return env is null ? Proc.Run(Proc.Tierfs, args) : ProcEnv.Run(Proc.Tierfs, args, env);
        });
    }

    [Theory]
    [InlineData("remote:\n  type: s3\n  bukcet: tier\n", 2, "remote.bukcet: unknown key")]
    [InlineData("remote:\n  type: s3\n", 2, "remote.bucket: is required with type: s3")]
    [InlineData("remote:\n  concurrency: lots\n", 2, "remote.concurrency: expected a whole number")]
    [InlineData("remote:\n  type: directory\n  path: /nonexistent/archive\n", 1, "/nonexistent/archive")]
    public void Bad_configuration_is_refused_by_key_and_nothing_is_mounted(string yaml, int exit, string expected)
    {
        var (r, m) = MountWith(yaml);
        using (m)
        {
            Assert.True(r.ExitCode == exit, r.ToString());
            Assert.Contains(expected, r.Stderr);
            Assert.Single(r.Stderr.Trim().Split('\n'));
            Assert.False(m.IsMounted);
        }
    }

    [Fact]
    public void Unreachable_endpoint_is_named_and_nothing_is_mounted()
    {
        var port = S3Server.FreePort(); // nothing listens there
        var (r, m) = MountWith($"remote:\n  type: s3\n  endpoint: http://127.0.0.1:{port}\n  bucket: tier\n  request_timeout: 2s\n", Credentials);
        using (m)
        {
            Assert.True(r.ExitCode != 0, r.ToString());
            Assert.Contains($"127.0.0.1:{port}", r.Stderr);
            Assert.DoesNotContain("credentials", r.Stderr);
            Assert.False(m.IsMounted);
            Assert.False(Proc.WaitUntil(() => m.IsMounted, TimeSpan.FromMilliseconds(200)));
        }
    }

    [Fact]
    public void Missing_bucket_is_named_and_nothing_is_mounted()
    {
        using var s3 = S3Server.Launch("present");
        var (r, m) = MountWith($"remote:\n  type: s3\n  endpoint: {s3.Endpoint}\n  bucket: absent\n", Credentials);
        using (m)
        {
            Assert.True(r.ExitCode != 0, r.ToString());
            Assert.Contains("absent", r.Stderr);
            Assert.DoesNotContain("credentials", r.Stderr);
            Assert.False(m.IsMounted);
        }
    }

    [Fact]
    public void Missing_credentials_are_one_clear_line()
    {
        using var s3 = S3Server.Launch("present");
        // No keys in the environment and a home without ~/.aws: nothing for the SDK to find.
        var home = Directory.CreateTempSubdirectory("tierfs-it-home-").FullName;
        var env = new Dictionary<string, string> { ["AWS_ACCESS_KEY_ID"] = "", ["AWS_SECRET_ACCESS_KEY"] = "", ["HOME"] = home, ["AWS_EC2_METADATA_DISABLED"] = "true" };
        RunResult r;
        TestMount m;
        try
        {
            (r, m) = MountWith($"remote:\n  type: s3\n  endpoint: {s3.Endpoint}\n  bucket: present\n", env);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
        using (m)
        {
            Assert.True(r.ExitCode != 0, r.ToString());
            Assert.True(r.Stderr.Contains("no AWS credentials found"), r.Stderr);
            Assert.Single(r.Stderr.Trim().Split('\n'));
            Assert.False(m.IsMounted);
        }
    }
}
