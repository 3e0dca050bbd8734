using System.Security.Cryptography;
using TierFs.IntegrationTests.Harness;

namespace TierFs.IntegrationTests.Tiering;

/// <summary>Helpers for tests of migration through `tierfs` commands on a real mount.</summary>
internal static class TierHarness
{
    /// <summary>Deterministic, incompressible content of a given size.</summary>
    public static byte[] Content(int size, int seed)
    {
        var data = new byte[size];
        new Random(seed).NextBytes(data);
        return data;
    }

    /// <summary>Text lines, for vim (which rewrites line endings it does not like).</summary>
    public static string Text(int lines, string tag) =>
        string.Concat(Enumerable.Range(0, lines).Select(i => $"{tag} line {i:D6} of the acceptance file\n"));

    public static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    public static RunResult Tierfs(params string[] args) => Proc.Run(Proc.Tierfs, args, TimeSpan.FromSeconds(120));

    public static void Migrate(string path)
    {
        var r = Tierfs("migrate", path);
        Assert.True(r.ExitCode == 0, $"migrate {path}: {r}");
    }

    /// <summary>What `tierfs state` prints for one path: "STATE[,flags]".</summary>
    public static string State(string path)
    {
        var r = Tierfs("state", path);
        Assert.True(r.ExitCode == 0, $"state {path}: {r}");
        var line = r.Stdout.Trim();
        Assert.EndsWith(" " + path, line);
        return line[..^(path.Length + 1)];
    }

    /// <summary>
    /// Awaits (bounded) that `tierfs state` prints <paramref name="expected"/>: a streaming recall
    /// serves the last byte before it ends (its fsync, the file's times, the record), so a reader
    /// may see EOF while the state still says "recalling 100%".
    /// </summary>
    public static void AssertStateBecomes(string expected, string path)
    {
        var last = "";
        Proc.WaitUntil(() => (last = State(path)) == expected, TimeSpan.FromSeconds(30));
        Assert.Equal(expected, last);
    }

    /// <summary>The attributes a stub must keep, as one comparable string (not blocks).</summary>
    public static string Kept(StatInfo s) =>
        $"ino={s.Ino} size={s.Size} mode={Convert.ToString(s.Mode, 8)} nlink={s.Nlink} uid={s.Uid} gid={s.Gid} atime={s.Atime} mtime={s.Mtime} ctime={s.Ctime}";

    /// <summary>Reads a file with vim (ex mode, no vimrc, no swap) and returns what vim wrote out.</summary>
    public static string ReadWithVim(string path, string scratchDir)
    {
        var output = Path.Combine(scratchDir, $"vim-out-{Guid.NewGuid():N}");
        var r = Proc.Run("vim", ["-Nu", "NONE", "-n", "-es", "-c", $"w! {output}", "-c", "qa!", path], TimeSpan.FromSeconds(60));
        Assert.True(r.ExitCode == 0, $"vim could not open {path}: {r}");
        var text = File.ReadAllText(output);
        File.Delete(output);
        return text;
    }

    public static string WriteConfig(string dir, string yaml)
    {
        var path = Path.Combine(dir, "tierfs.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }
}
