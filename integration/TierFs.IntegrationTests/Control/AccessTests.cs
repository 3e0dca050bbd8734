using System.Net.Sockets;
using TierFs.Host;
using TierFs.IntegrationTests.Harness;
using TierFs.IntegrationTests.Tiering;

namespace TierFs.IntegrationTests.Control;

/// <summary>
/// Who may see and touch what, on a real mount, with an unprivileged user (uid 65534, no groups)
/// as the other party: the runtime files cannot be moved, replaced or planted; fakes a non-root
/// owner planted are refused; the state directory is root's; users may run `tierfs state` and
/// `tierfs recall` on files they can read, and nothing else.
/// </summary>
public class AccessTests
{
    private const string Nobody = "65534";
    private static readonly UnixFileMode Open = (UnixFileMode)0b111_101_101;

    /// <summary>Runs a program as uid/gid 65534 without supplementary groups.</summary>
    private static RunResult AsNobody(string program, params string[] args) =>
        Proc.RunAsNobody([program, .. args], TimeSpan.FromSeconds(120));

    private static string Mode(string path) => Convert.ToString((int)File.GetUnixFileMode(path), 8);

    private static TestMount StartReachable()
    {
        var m = TestMount.Start();
        File.SetUnixFileMode(m.Root, Open); // the temp root is 0700: let the user reach the mount
        return m;
    }

    [Fact]
    public void Runtime_files_are_roots_and_cannot_be_moved_replaced_or_planted_by_a_user()
    {
        using var m = StartReachable();
        var record = RuntimeFiles.RecordPath(m.MountPoint);
        var socket = RuntimeFiles.SocketPath(m.MountPoint);
        Assert.Equal("755", Mode(RuntimeFiles.RunDir));
        Assert.Equal("644", Mode(record));
        Assert.Equal("666", Mode(socket)); // users connect; the daemon decides per request

        var dir = RuntimeFiles.RunDir;
        foreach (var (what, program, args) in new (string, string, string[])[]
        {
            ("move the socket away", "mv", [socket, Path.Combine(dir, "moved.sock")]),
            ("remove the socket", "rm", ["-f", socket]),
            ("replace the record", "cp", ["/etc/hostname", record]),
            ("move the record away", "mv", [record, Path.Combine(dir, "moved.json")]),
            ("plant a record", "touch", [Path.Combine(dir, "planted.json")]),
            ("plant a symlink", "ln", ["-s", "/tmp", Path.Combine(dir, "planted.sock")]),
        })
        {
            var r = AsNobody(program, args);
            Assert.True(r.ExitCode != 0, $"uid 65534 could {what}: {r}");
        }
        Assert.Equal(m.MountPoint, RuntimeFiles.Read(m.MountPoint)!.MountPoint);
        Assert.True(File.Exists(socket) && File.Exists(record));
        Assert.False(File.Exists(Path.Combine(dir, "planted.json")) || File.Exists(Path.Combine(dir, "planted.sock")));
    }

    [Fact]
    public void A_record_or_socket_or_directory_a_non_root_owner_planted_is_refused_by_the_cli()
    {
        using var m = StartReachable();
        File.WriteAllText(m.M("f"), "data");
        var fakeRun = Path.Combine(m.Root, "run");
        Directory.CreateDirectory(fakeRun);
        var name = Path.GetFileName(RuntimeFiles.RecordPath(m.MountPoint));
        var fakeRecord = Path.Combine(fakeRun, name);
        File.Copy(RuntimeFiles.RecordPath(m.MountPoint), fakeRecord);
        Proc.Check("chown", Nobody, fakeRecord);

        var r = Proc.Run("env", [$"TIERFS_RUN_DIR={fakeRun}", Proc.Tierfs, "query", m.MountPoint, "SELECT 1"]);
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Equal($"tierfs: refusing the runtime record of {m.MountPoint}: {fakeRecord} is owned by uid 65534, not root\n", r.Stderr);

        // A socket planted by someone else: the request never reaches it.
        var fakeSocket = Path.Combine(fakeRun, Path.GetFileNameWithoutExtension(name) + ".sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(fakeSocket));
        listener.Listen();
        Proc.Check("chown", Nobody, fakeSocket);
        r = Proc.Run("env", [$"TIERFS_RUN_DIR={fakeRun}", Proc.Tierfs, "state", m.M("f")]);
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Equal($"tierfs: refusing to talk to the mount daemon for {m.MountPoint}: {fakeSocket} is owned by uid 65534, not root\n", r.Stderr);
        Assert.False(listener.Poll(0, SelectMode.SelectRead), "the CLI connected to the planted socket");

        // A runtime directory others may write to.
        Proc.Check("chown", "0", fakeSocket);
        File.SetUnixFileMode(fakeRun, (UnixFileMode)0b111_111_111);
        r = Proc.Run("env", [$"TIERFS_RUN_DIR={fakeRun}", Proc.Tierfs, "state", m.M("f")]);
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Equal($"tierfs: refusing to talk to the mount daemon for {m.MountPoint}: {fakeRun} is writable by others (mode 777)\n", r.Stderr);
    }

    [Fact]
    public void The_state_directory_index_and_log_are_roots_alone_and_query_and_report_refuse_users()
    {
        using var m = StartReachable();
        File.WriteAllText(m.M("f"), "data");
        Assert.True(Proc.WaitUntil(() => File.Exists(Path.Combine(m.StateDir, "index.db-wal")), TimeSpan.FromSeconds(30)), "the index has no WAL");
        Assert.Equal("700", Mode(m.StateDir));
        foreach (var f in new[] { "index.db", "index.db-wal", "index.db-shm", "tierfs.log" })
            Assert.Equal("600", Mode(Path.Combine(m.StateDir, f)));

        foreach (var args in new[] { new[] { "query", m.MountPoint, "SELECT path FROM files" }, ["report", m.MountPoint] })
        {
            var r = AsNobody(Proc.Tierfs, args);
            Assert.True(r.ExitCode == 1, r.ToString());
            Assert.Equal("tierfs: only root may read a mount's index (query, report); users may run tierfs state and tierfs recall on files they can read\n", r.Stderr);
            Assert.Equal("", r.Stdout);
        }
        var cat = AsNobody("cat", Path.Combine(m.StateDir, "index.db"));
        Assert.True(cat.ExitCode != 0, "uid 65534 could read the index");
    }

    [Fact]
    public void A_user_may_state_and_recall_files_they_can_read_and_nothing_else()
    {
        using var m = StartReachable();
        File.SetUnixFileMode(m.MountPoint, Open);
        Directory.CreateDirectory(m.M("closed"));
        var files = new Dictionary<string, UnixFileMode>
        {
            ["open.bin"] = (UnixFileMode)0b110_100_100,
            ["secret.bin"] = (UnixFileMode)0b110_000_000,
            ["closed/inside.bin"] = (UnixFileMode)0b110_100_100,
        };
        foreach (var (rel, mode) in files)
        {
            File.WriteAllBytes(m.M(rel), TierHarness.Content(100_000, rel.Length));
            File.SetUnixFileMode(m.M(rel), mode);
            TierHarness.Migrate(m.M(rel));
        }
        File.SetUnixFileMode(m.M("closed"), (UnixFileMode)0b111_000_000);

        // What the user can read: its state, and a recall.
        var r = AsNobody(Proc.Tierfs, "state", m.M("open.bin"));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal($"released {m.M("open.bin")}\n", r.Stdout);
        r = AsNobody(Proc.Tierfs, "recall", m.M("open.bin"));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("archived", TierHarness.State(m.M("open.bin")));
        Assert.Matches(@"recalled \S*open\.bin \(command by pid=\d+ uid=65534 comm=\S+\)", m.Log);

        // What the user cannot read: refused per path, nothing recalled, nothing said about it.
        foreach (var rel in new[] { "secret.bin", "closed/inside.bin" })
        {
            foreach (var command in new[] { "state", "recall" })
            {
                r = AsNobody(Proc.Tierfs, command, m.M(rel));
                Assert.True(r.ExitCode == 1, $"{command} {rel}: {r}");
                Assert.Equal($"tierfs: {m.M(rel)}: permission denied\n", r.Stderr);
                Assert.Equal("", r.Stdout);
            }
            Assert.Equal("released", TierHarness.State(m.M(rel)));
        }

        // Everything else is root's, also on files the user can read.
        TierHarness.Migrate(m.M("open.bin"));
        foreach (var args in new[]
        {
            new[] { "migrate", m.M("open.bin") }, ["release", m.M("open.bin")], ["archive", m.M("open.bin")],
            ["state", "--set", "norelease", m.M("open.bin")], ["recall", "-r", m.MountPoint],
            ["policy", "run", m.MountPoint, "--dry-run"], ["scan", m.MountPoint], ["status", m.MountPoint],
        })
        {
            r = AsNobody(Proc.Tierfs, args);
            Assert.True(r.ExitCode == 1, $"{string.Join(' ', args)}: {r}");
            Assert.Contains("only root may", r.Stderr);
            Assert.Contains("(you are uid 65534)", r.Stderr);
        }
        Assert.Equal("released", TierHarness.State(m.M("open.bin")));
    }
}
