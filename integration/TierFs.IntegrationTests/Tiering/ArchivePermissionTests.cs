using TierFs.IntegrationTests.Harness;
using static TierFs.IntegrationTests.Tiering.TierHarness;
using TierFs.Records;

namespace TierFs.IntegrationTests.Tiering;

/// <summary>
/// The directory archive holds every archived file's data: it must be root-only, directories 0700
/// and objects, sidecars and temp files 0600, although the mount daemon runs with umask 0. Before,
/// it was 0777/0666: any user could read a 0600 file's data there, or replace its object.
/// </summary>
public sealed class ArchivePermissionTests
{
    private const UnixFileMode Rwx = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode Rw = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode Open = (UnixFileMode)0x1FF; // 0777

    [Fact]
    public void The_default_archive_is_root_only_and_another_user_can_neither_read_nor_write_it()
    {
        using var m = TestMount.Start();
        Directory.CreateDirectory(m.M("proj"));
        File.WriteAllText(m.M("proj/secret.txt"), "the root-only secret\n");
        Assert.Equal(0, Px.Chmod(m.M("proj/secret.txt"), 0x180)); // 0600
        File.WriteAllBytes(m.M("other.bin"), Content(300_000, seed: 5));
        Migrate(m.M("proj/secret.txt"));
        Migrate(m.M("other.bin"));

        var archive = Path.Combine(m.StateDir, "archive");
        var objectPath = Path.Combine(archive, ObjectKey(m, "proj/secret.txt"));
        Assert.Equal("the root-only secret\n", File.ReadAllText(objectPath));
        AssertRootOnly(archive, expectedFiles: 4); // two objects, two sidecars

        // Only the archive's own modes stand in the way: the test's directories are opened up.
        Assert.Equal(0, Px.Chmod(m.Root, 0x1ED));
        Assert.Equal(0, Px.Chmod(m.StateDir, 0x1ED));
        var read = AsNobody("cat \"$1\"", objectPath);
        Assert.True(read.ExitCode != 0 && !read.Stdout.Contains("secret"), $"uid 65534 read the archived copy of a 0600 file: {read}");
        var planted = Path.Combine(archive, "planted");
        Assert.NotEqual(0, AsNobody("echo x > \"$1\"", planted).ExitCode);
        Assert.False(File.Exists(planted));
        Assert.NotEqual(0, AsNobody("echo forged > \"$1\"", objectPath).ExitCode);
        Assert.Equal("the root-only secret\n", File.ReadAllText(m.M("proj/secret.txt")));
    }

    [Fact]
    public void A_default_archive_an_older_version_left_open_to_all_is_tightened_at_mount()
    {
        using var m = TestMount.Start();
        var data = Content(200_000, seed: 6);
        File.WriteAllBytes(m.M("f.bin"), data);
        Migrate(m.M("f.bin"));
        Assert.Equal(0, m.Unmount().ExitCode);
        // What older versions left: every directory 0777, every file 0666.
        var archive = Path.Combine(m.StateDir, "archive");
        foreach (var d in Directory.GetDirectories(archive, "*", SearchOption.AllDirectories).Append(archive)) File.SetUnixFileMode(d, Open);
        foreach (var f in Directory.GetFiles(archive, "*", SearchOption.AllDirectories)) File.SetUnixFileMode(f, (UnixFileMode)0x1B6);

        m.Mount();

        AssertRootOnly(archive, expectedFiles: 2);
        Assert.Contains(m.Log.Split('\n'), l => l.Contains($"the default archive {archive} was 0777") && l.Contains("now root-only"));
        Assert.Equal(data, File.ReadAllBytes(m.M("f.bin")));
    }

    [Fact]
    public void An_administrators_archive_directory_keeps_its_mode_with_a_warning_and_what_TierFs_creates_in_it_is_root_only()
    {
        using var m = TestMount.Create();
        var archive = Path.Combine(m.Root, "srv-archive");
        Directory.CreateDirectory(archive);
        File.SetUnixFileMode(archive, Open);
        m.Mount("--config", WriteConfig(m.Root, $"remote:\n  type: directory\n  path: {archive}\n  prefix: east/\n"));
        File.WriteAllBytes(m.M("f.bin"), Content(100_000, seed: 7));
        Migrate(m.M("f.bin"));

        Assert.Equal(Open, File.GetUnixFileMode(archive)); // theirs: not chmod'ed
        Assert.Contains(m.Log.Split('\n'), l => l.Contains("WARN") && l.Contains($"{archive} is 0777") && l.Contains("chmod 700"));
        AssertRootOnly(Path.Combine(archive, "east"), expectedFiles: 2);
    }

    /// <summary><paramref name="top"/> and every directory below it 0700, every file 0600 (and there are files).</summary>
    private static void AssertRootOnly(string top, int expectedFiles)
    {
        var directories = Directory.GetDirectories(top, "*", SearchOption.AllDirectories).Append(top).ToList();
        var files = Directory.GetFiles(top, "*", SearchOption.AllDirectories);
        Assert.Equal(expectedFiles, files.Length);
        Assert.All(directories, d => Assert.Equal((d, Rwx), (d, File.GetUnixFileMode(d))));
        Assert.All(files, f => Assert.Equal((f, Rw), (f, File.GetUnixFileMode(f))));
    }

    private static string ObjectKey(TestMount m, string name)
    {
        Assert.Equal(0, Px.TryGetXattr(m.B(name), S3TierMount.StubXattr, out var value));
        return System.Text.Json.JsonDocument.Parse(value).RootElement.GetProperty("key").GetString()!;
    }

    /// <summary>A shell script run as uid/gid 65534 (nobody) with no supplementary groups; $1 is the path.</summary>
    private static RunResult AsNobody(string script, string path) =>
        Proc.RunAsNobody(["sh", "-c", script, "sh", path]);
}
