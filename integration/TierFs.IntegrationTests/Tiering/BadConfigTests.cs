using TierFs.IntegrationTests.Harness;

namespace TierFs.IntegrationTests.Tiering;

/// <summary>
/// Bad configurations given to `tierfs mount` (issue 9, item 15): each is one line on stderr naming
/// the file, the line and the key, exit status 2, no stack trace, nothing mounted. These crashed
/// with a .NET stack trace and exit 134 (or mounted with a value the remote store then refused).
/// </summary>
public class BadConfigTests
{
    /// <summary>Mounts with <paramref name="yaml"/> and checks the refusal; returns stderr.</summary>
    private static string RefusedAt(string yaml, int line, string key, IReadOnlyDictionary<string, string>? env = null)
    {
        using var m = TestMount.Create();
        var config = TierHarness.WriteConfig(m.Root, yaml);
        string[] args = ["mount", "--config", config, m.Backing, m.MountPoint, "--state-dir", m.StateDir];
        var r = env is null ? Proc.Run(Proc.Tierfs, args) : ProcEnv.Run(Proc.Tierfs, args, env);
        AssertOneLineRefusal(r, m);
        Assert.StartsWith($"tierfs: {config}:{line}: ", r.Stderr);
        Assert.Contains(key, r.Stderr);
        return r.Stderr;
    }

    internal static void AssertOneLineRefusal(RunResult r, TestMount m)
    {
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Single(r.Stderr.TrimEnd('\n').Split('\n'));
        Assert.DoesNotContain("   at ", r.Stderr);
        Assert.DoesNotContain("Unhandled", r.Stderr);
        Assert.False(m.IsMounted, "mounted anyway");
    }

    [Fact]
    public void A_configuration_another_user_could_write_is_refused_before_anything_in_it_runs()
    {
        using var m = TestMount.Create();
        var config = TierHarness.WriteConfig(m.Root, "log_level: info\n");
        File.SetUnixFileMode(config, (UnixFileMode)0x1B6); // 666
        File.SetUnixFileMode(m.Root, (UnixFileMode)0x1ED); // 755: nobody reaches the file
        // What a user who may write it does: a command for root to run at the next alarm.
        var marker = Path.Combine(m.Root, "owned");
        var planted = Proc.RunAsNobody(["/bin/sh", "-c", $"printf 'alarms:\\n  command: touch {marker}\\n' >> {config}"]);
        Assert.True(planted.ExitCode == 0, planted.ToString());
        Assert.Contains("command: touch", File.ReadAllText(config));

        var r = Proc.Run(Proc.Tierfs, ["mount", "--config", config, m.Backing, m.MountPoint, "--state-dir", m.StateDir]);
        AssertOneLineRefusal(r, m);
        Assert.StartsWith($"tierfs: {config}: refused: {config} is writable by others (mode 666); root acts on this file", r.Stderr);
    }

    [Fact]
    public void A_zero_request_timeout_is_refused() =>
        RefusedAt("remote:\n  type: s3\n  endpoint: http://127.0.0.1:9\n  bucket: tier\n  request_timeout: 0s\n", 5, "remote.request_timeout");

    [Fact]
    public void An_out_of_range_duration_is_refused() =>
        RefusedAt("remote:\n  delete_grace: 99999999999d\n", 2, "remote.delete_grace");

    [Fact]
    public void A_prefix_that_climbs_out_is_refused() =>
        RefusedAt("remote:\n  prefix: ../x/\n", 2, "remote.prefix");

    [Theory]
    [InlineData("/bin/false")]
    [InlineData("/bin/echo not-json")]
    [InlineData("\"/unterminated")]
    [InlineData("/nonexistent/helper")]
    public void A_broken_aws_credential_process_is_refused_naming_its_line(string process)
    {
        using var s3 = S3Server.Launch("present");
        var home = Directory.CreateTempSubdirectory("tierfs-it-home-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(home, ".aws"));
            var awsConfig = Path.Combine(home, ".aws", "config");
            File.WriteAllText(awsConfig, $"[default]\nregion = us-east-1\n\n[profile broken]\nregion = us-east-1\ncredential_process = {process}\n");
            var env = new Dictionary<string, string>
            {
                ["HOME"] = home, ["AWS_PROFILE"] = "broken", ["AWS_ACCESS_KEY_ID"] = "", ["AWS_SECRET_ACCESS_KEY"] = "", ["AWS_EC2_METADATA_DISABLED"] = "true",
            };
            using var m = TestMount.Create();
            var config = TierHarness.WriteConfig(m.Root, $"remote:\n  type: s3\n  endpoint: {s3.Endpoint}\n  bucket: present\n");
            var r = ProcEnv.Run(Proc.Tierfs, ["mount", "--config", config, m.Backing, m.MountPoint, "--state-dir", m.StateDir], env);
            AssertOneLineRefusal(r, m);
            Assert.StartsWith($"tierfs: {awsConfig}:6: credential_process of profile 'broken' failed: ", r.Stderr);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    [Fact]
    public void A_users_aws_profile_in_the_environment_root_was_given_is_refused_before_its_credential_process_runs()
    {
        using var s3 = S3Server.Launch("present");
        using var m = TestMount.Create();
        // A user's home, kept by `sudo -E tierfs mount`: their AWS profile runs a command of theirs.
        var home = Directory.CreateTempSubdirectory("tierfs-it-home-").FullName;
        var marker = Path.Combine(m.Root, "ran-as-root");
        try
        {
            Directory.CreateDirectory(Path.Combine(home, ".aws"));
            var helper = Path.Combine(home, "helper.sh");
            File.WriteAllText(helper, $"#!/bin/sh\ntouch {marker}\n");
            File.SetUnixFileMode(helper, (UnixFileMode)0x1ED); // 755
            var awsConfig = Path.Combine(home, ".aws", "config");
            File.WriteAllText(awsConfig, $"[default]\nregion = us-east-1\ncredential_process = {helper}\n");
            Proc.Check("chown", "-R", "nobody:nogroup", home);
            var env = new Dictionary<string, string> { ["HOME"] = home, ["AWS_ACCESS_KEY_ID"] = "", ["AWS_SECRET_ACCESS_KEY"] = "", ["AWS_EC2_METADATA_DISABLED"] = "true" };
            var config = TierHarness.WriteConfig(m.Root, $"remote:\n  type: s3\n  endpoint: {s3.Endpoint}\n  bucket: present\n");

            var r = ProcEnv.Run(Proc.Tierfs, ["mount", "--config", config, m.Backing, m.MountPoint, "--state-dir", m.StateDir], env);
            Assert.False(File.Exists(marker), "root ran the user's credential_process");
            AssertOneLineRefusal(r, m);
            Assert.StartsWith($"tierfs: {awsConfig}: refused: {awsConfig}: {home} is owned by uid 65534, not root; root runs this AWS profile's credential_process", r.Stderr);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    /// <summary>Every key of the configuration with a value of the wrong type or out of range (the unit tests' table), through `tierfs mount`.</summary>
    [Fact]
    public void Every_key_with_a_wrong_value_is_refused_by_file_line_and_key()
    {
        var failures = new List<string>();
        foreach (var (key, value) in TierFs.Tests.Tiering.ConfigFuzzCases.BadValues)
        {
            var (yaml, line) = TierFs.Tests.Tiering.ConfigFuzzCases.With(key, value);
            try { RefusedAt(yaml, line, key); }
            catch (Exception e) when (e is Xunit.Sdk.XunitException) { failures.Add($"{key}: {value}: {e.Message}"); }
        }
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
    }
}
