using TierFs.IntegrationTests.Harness;

namespace TierFs.IntegrationTests.Tiering;

/// <summary>No secret reaches the log or the terminal: not from the endpoint URL, not from the AWS environment.</summary>
public class SecretTests
{
    private static (RunResult Result, TestMount Mount) MountWith(string yaml, IReadOnlyDictionary<string, string> env, params string[] extra)
    {
        return TestMount.Attempt(m =>
        {
            var config = TierHarness.WriteConfig(m.Root, yaml);
            return ProcEnv.Run(Proc.Tierfs, ["mount", "--config", config, m.Backing, m.MountPoint, "--state-dir", m.StateDir, .. extra], env);
        });
    }

    /// <summary>A whole migration and recall at debug level through a mount that came up; then the log must not hold the secret.</summary>
    private static void MigrateAndReadBack(RunResult mounted, TestMount m)
    {
        Assert.True(mounted.ExitCode == 0, $"{mounted}\nlog: {m.Log}");
        File.WriteAllBytes(m.M("f.bin"), TierHarness.Content(200_000, 7));
        TierHarness.Migrate(m.M("f.bin"));
        Assert.Equal(TierHarness.Content(200_000, 7), File.ReadAllBytes(m.M("f.bin")));
        Assert.Contains("DEBUG", m.Log);
        Assert.Contains("recalled", m.Log);
        Assert.DoesNotContain(S3Server.SecretKey, m.Log + mounted.Stderr + mounted.Stdout);
    }

    [Fact]
    public void Credentials_in_the_endpoint_url_are_refused_at_config_load_and_never_shown()
    {
        using var s3 = S3Server.Launch("tier");
        var endpoint = s3.Endpoint.Replace("http://", "http://S3RVER:url-s3cr3t@");
        var (r, m) = MountWith($"remote:\n  type: s3\n  endpoint: {endpoint}\n  bucket: tier\n", S3TierMount.AwsEnv, "--log-level", "debug");
        using (m)
        {
            Assert.True(r.ExitCode == 2, r.ToString());
            Assert.Matches(@"^tierfs: \S+/tierfs\.yaml:\d+: remote\.endpoint: must not hold credentials \(user:secret@host\)", r.Stderr);
            Assert.Single(r.Stderr.Trim().Split('\n'));
            Assert.DoesNotContain("url-s3cr3t", r.Stderr + r.Stdout + m.Log);
            Assert.False(m.IsMounted);
        }
    }

    [Fact]
    public void Keys_from_the_environment_never_reach_the_log_whether_they_work_or_not()
    {
        using var s3 = S3Server.Launch("tier");
        var yaml = $"remote:\n  type: s3\n  endpoint: {s3.Endpoint}\n  bucket: tier\n  request_timeout: 5s\n";

        // Keys the server does not know: the mount may fail, but names neither.
        var wrong = new Dictionary<string, string> { ["AWS_ACCESS_KEY_ID"] = "AKIDTIERFSTESTKEY", ["AWS_SECRET_ACCESS_KEY"] = "env-s3cr3t-TIERFS", ["AWS_REGION"] = "us-east-1" };
        var (r, m) = MountWith(yaml, wrong, "--log-level", "debug");
        using (m)
        {
            var seen = r.Stdout + r.Stderr + m.Log;
            Assert.DoesNotContain("env-s3cr3t-TIERFS", seen);
            Assert.DoesNotContain("AKIDTIERFSTESTKEY", seen);
        }

        // Keys that work, a whole migration and recall at debug level: the log never holds them.
        var (ok, m2) = MountWith(yaml, S3TierMount.AwsEnv, "--log-level", "debug");
        using (m2) MigrateAndReadBack(ok, m2);
    }

    [Fact]
    public void Keys_from_a_credential_process_never_reach_the_log()
    {
        using var s3 = S3Server.Launch("tier");
        var home = Directory.CreateTempSubdirectory("tierfs-it-home-").FullName;
        try
        {
            // An AWS profile whose keys come from a program, as with a vault or SSO helper.
            var helper = Path.Combine(home, "creds.sh");
            File.WriteAllText(helper, $"#!/bin/sh\necho '{{\"Version\": 1, \"AccessKeyId\": \"{S3Server.AccessKey}\", \"SecretAccessKey\": \"{S3Server.SecretKey}\"}}'\n");
            File.SetUnixFileMode(helper, (UnixFileMode)0b111_000_000);
            Directory.CreateDirectory(Path.Combine(home, ".aws"));
            File.WriteAllText(Path.Combine(home, ".aws", "config"), $"[default]\ncredential_process = {helper}\nregion = us-east-1\n");
            var env = new Dictionary<string, string> { ["AWS_ACCESS_KEY_ID"] = "", ["AWS_SECRET_ACCESS_KEY"] = "", ["HOME"] = home, ["AWS_EC2_METADATA_DISABLED"] = "true" };

            var (r, m) = MountWith($"remote:\n  type: s3\n  endpoint: {s3.Endpoint}\n  bucket: tier\n", env, "--log-level", "debug");
            using (m) MigrateAndReadBack(r, m);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }
}
