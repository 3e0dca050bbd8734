using TierFs.IntegrationTests.Harness;

namespace TierFs.IntegrationTests.Tiering;

/// <summary>The README's sample configuration is what `tierfs policy check` accepts (issue 9, item 17).</summary>
public sealed class ReadmeConfigTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tierfs-it-readme-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>The README of the repository these tests were built from, found by walking up from the test binaries.</summary>
    private static string Readme()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "README.md");
            if (File.Exists(candidate) && Directory.Exists(Path.Combine(dir.FullName, "src", "TierFs.Cli"))) return candidate;
        }
        throw new InvalidOperationException("README.md not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Every ```yaml block of the README.</summary>
    private static List<string> YamlBlocks()
    {
        var blocks = new List<string>();
        List<string>? current = null;
        foreach (var line in File.ReadLines(Readme()))
        {
            if (current is null && line.Trim() == "```yaml") current = [];
            else if (current is not null && line.Trim() == "```")
            {
                blocks.Add(string.Join('\n', current) + "\n");
                current = null;
            }
            else current?.Add(line);
        }
        return blocks;
    }

    [Fact]
    public void The_sample_configuration_passes_policy_check()
    {
        var blocks = YamlBlocks();
        Assert.NotEmpty(blocks);
        foreach (var (block, i) in blocks.Select((b, i) => (b, i)))
        {
            var yaml = block;
            var file = Path.Combine(_dir, $"readme-{i}.yaml");
            // The files a block names (a peer's shared secret) are made here, as the README tells an administrator to.
            foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(yaml, @"secret_file: (\S+)"))
            {
                var secret = Path.Combine(_dir, $"secret-{i}");
                File.WriteAllText(secret, "a-shared-secret-of-32-characters\n");
                File.SetUnixFileMode(secret, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                yaml = yaml.Replace(m.Groups[1].Value, secret, StringComparison.Ordinal);
            }
            File.WriteAllText(file, yaml);
            var r = Proc.TierfsRun("policy", "check", "--config", file);
            Assert.True(r.ExitCode == 0, $"README yaml block {i + 1}:\n{yaml}\n{r}");
            Assert.Matches(@": ok, \d+ polic(y|ies)\n$", r.Stdout);
        }
    }

    [Fact]
    public void A_bad_where_in_the_third_policy_points_at_its_own_line()
    {
        var file = Path.Combine(_dir, "three.yaml");
        File.WriteAllText(file, """
            policies:
              - name: one
                where: "size >= mib(1)"
              - name: two
                where: "size >= kib(4)"
              - name: three
                action: archive
                max_files: 10
                where: "size >= 1M"
            """);
        var r = Proc.TierfsRun("policy", "check", "--config", file);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Equal($"tierfs: {file}:9: policy 'three': where: unrecognized token: \"1M\" (at position 9)\n", r.Stderr);
    }
}
