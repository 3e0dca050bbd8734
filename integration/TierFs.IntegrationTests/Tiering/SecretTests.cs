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

    /// <summary>
    /// An AWS profile in <paramref name="home"/> whose keys come from a program, as with a vault or SSO
    /// helper: <paramref name="before"/> runs first, <paramref name="fields"/> joins the JSON it prints.
    /// Returns the mount's environment (HOME there, no keys of its own).
    /// </summary>
    private static Dictionary<string, string> CredentialProcess(string home, string before = "", string fields = "")
    {
        var helper = Path.Combine(home, "creds.sh");
        File.WriteAllText(helper, $"#!/bin/sh\n{before}" +
            $"echo '{{\"Version\": 1, \"AccessKeyId\": \"{S3Server.AccessKey}\", \"SecretAccessKey\": \"{S3Server.SecretKey}\"{fields}}}'\n");
        File.SetUnixFileMode(helper, (UnixFileMode)0b111_000_000);
        Directory.CreateDirectory(Path.Combine(home, ".aws"));
        File.WriteAllText(Path.Combine(home, ".aws", "config"), $"[default]\ncredential_process = {helper}\nregion = us-east-1\n");
        return new Dictionary<string, string> { ["AWS_ACCESS_KEY_ID"] = "", ["AWS_SECRET_ACCESS_KEY"] = "", ["HOME"] = home, ["AWS_EC2_METADATA_DISABLED"] = "true" };
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
    public void A_credential_process_runs_with_the_umask_the_daemon_was_started_with_not_the_filesystems_0()
    {
        using var s3 = S3Server.Launch("tier");
        var home = Directory.CreateTempSubdirectory("tierfs-it-home-").FullName;
        try
        {
            // A helper whose keys expire within the SDK's refresh window: it runs again for the
            // requests made once the mount serves, and notes the umask it got each time (a vault or
            // SSO helper writes its token cache with it).
            var umasks = Path.Combine(home, "umasks");
            var env = CredentialProcess(home, $"umask >> {umasks}\nexp=$(date -u -d '+1 min' +%Y-%m-%dT%H:%M:%SZ)\n",
                $", \"Expiration\": \"'$exp'\"");
            var own = TierFs.Tests.Fakes.Commands.Umask();
            Assert.True(own != "0000", "the tests run with umask 0: this test cannot tell the daemon's from it");

            var (r, m) = MountWith($"remote:\n  type: s3\n  endpoint: {s3.Endpoint}\n  bucket: tier\n", env);
            using (m)
            {
                Assert.True(r.ExitCode == 0, $"{r}\nlog: {m.Log}");
                var before = File.ReadAllLines(umasks).Length;
                File.WriteAllBytes(m.M("f.bin"), TierHarness.Content(200_000, 3));
                TierHarness.Migrate(m.M("f.bin"));
                Assert.Equal(TierHarness.Content(200_000, 3), File.ReadAllBytes(m.M("f.bin")));
                var seen = File.ReadAllLines(umasks);
                Assert.True(seen.Length > before, $"the helper did not run again once the mount served ({before} runs)");
                Assert.All(seen, u => Assert.Equal(own, u));
            }
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    [Fact]
    public void A_mount_started_with_umask_0_runs_with_022_and_still_gives_users_their_exact_modes()
    {
        using var m = TestMount.Create();
        var r = Proc.Run("/bin/sh", ["-c", "umask 000; exec \"$0\" \"$@\"", Proc.Tierfs, "mount", m.Backing, m.MountPoint, "--state-dir", m.StateDir]);
        Assert.True(r.ExitCode == 0, r.ToString());
        var daemons = TierFs.IntegrationTests.Harness.DaemonProcess.ProcessesMentioning(m.MountPoint);
        Assert.NotEmpty(daemons);
        foreach (var pid in daemons)
            Assert.Equal("0022", TierFs.Tests.Fakes.Commands.Umask($"/proc/{pid}/status"));

        // A user's own umask 0 still gives them 0666, and 0777 for a directory.
        File.SetUnixFileMode(m.Root, (UnixFileMode)0x1ED); // 755: nobody reaches the mount
        Directory.CreateDirectory(m.M("shared"));
        File.SetUnixFileMode(m.M("shared"), (UnixFileMode)0x1FF);
        var made = Proc.RunAsNobody(["/bin/sh", "-c", $"umask 000; touch {m.M("shared/f")}; mkdir {m.M("shared/d")}"]);
        Assert.True(made.ExitCode == 0, made.ToString());
        Assert.Equal((UnixFileMode)0x1B6, File.GetUnixFileMode(m.M("shared/f")));
        Assert.Equal((UnixFileMode)0x1FF, File.GetUnixFileMode(m.M("shared/d")));
        Assert.Equal(0, m.Unmount().ExitCode);
    }

    [Fact]
    public void Keys_from_a_credential_process_never_reach_the_log()
    {
        using var s3 = S3Server.Launch("tier");
        var home = Directory.CreateTempSubdirectory("tierfs-it-home-").FullName;
        try
        {
            var env = CredentialProcess(home);

            var (r, m) = MountWith($"remote:\n  type: s3\n  endpoint: {s3.Endpoint}\n  bucket: tier\n", env, "--log-level", "debug");
            using (m) MigrateAndReadBack(r, m);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }
}
