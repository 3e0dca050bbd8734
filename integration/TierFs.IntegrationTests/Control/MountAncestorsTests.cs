using System.Text.Json;
using TierFs.Host;
using TierFs.IntegrationTests.Harness;
using TierFs.IntegrationTests.Tiering;

namespace TierFs.IntegrationTests.Control;

/// <summary>
/// The control socket answers a user no more than the mount would: a user who cannot search the
/// directories above the mountpoint reaches nothing on it, so every path they name over the socket
/// is "permission denied", whether it exists or not, and nothing is recalled. The request is written
/// to the socket directly (as uid 65534, no groups), as an attacker would: the CLI gives up earlier,
/// since it cannot resolve the path.
/// </summary>
public class MountAncestorsTests
{
    // Sends one request line and prints the replies up to the end (or an error).
    private const string Client = """
        import socket, sys
        s = socket.socket(socket.AF_UNIX)
        s.connect(sys.argv[1])
        s.sendall(sys.argv[2].encode() + b"\n")
        for line in s.makefile():
            sys.stdout.write(line)
            if '"type":"end"' in line or '"type":"error"' in line:
                break
        """;

    private static Dictionary<string, string> Ask(TestMount m, string op, params string[] paths)
    {
        var request = JsonSerializer.Serialize(new { op, paths });
        var r = Proc.RunAsNobody(["/usr/bin/python3", "-c", Client,
            RuntimeFiles.SocketPath(m.MountPoint), request], TimeSpan.FromSeconds(120));
        Assert.True(r.ExitCode == 0, r.ToString());
        var answers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var reply = JsonDocument.Parse(line).RootElement;
            if (reply.GetProperty("type").GetString() != "result") continue;
            var answer = reply.GetProperty("ok").GetBoolean() ? reply.GetProperty("state").GetString() : reply.GetProperty("error").GetString();
            answers[reply.GetProperty("path").GetString()!] = answer ?? "ok";
        }
        return answers;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_user_who_cannot_reach_the_mountpoint_learns_nothing_and_recalls_nothing_over_the_socket(bool inPlace)
    {
        using var m = TestMount.Start(inPlace);
        File.SetUnixFileMode(m.MountPoint, (UnixFileMode)0b111_101_101);
        File.WriteAllBytes(m.M("open.bin"), TierHarness.Content(100_000, 1));
        File.SetUnixFileMode(m.M("open.bin"), (UnixFileMode)0b110_100_100);
        TierHarness.Migrate(m.M("open.bin"));
        Assert.Equal("released", TierHarness.State(m.M("open.bin")));

        // The mountpoint's parent closed to others (0700, and 0744: listed but not searchable).
        foreach (var closed in new[] { 0b111_000_000, 0b111_100_100 })
        {
            File.SetUnixFileMode(m.Root, (UnixFileMode)closed);
            var states = Ask(m, "state", "open.bin", "missing");
            Assert.Equal("permission denied", states["open.bin"]);
            Assert.Equal("permission denied", states["missing"]);
            Assert.Equal("permission denied", Ask(m, "recall", "open.bin")["open.bin"]);
            Assert.Equal("released", TierHarness.State(m.M("open.bin")));
        }

        // Reachable: the same user gets the state of a file they can read, through the CLI too.
        File.SetUnixFileMode(m.Root, (UnixFileMode)0b111_101_101);
        var open = Ask(m, "state", "open.bin", "missing");
        Assert.Equal("released", open["open.bin"]);
        Assert.Equal("no such file or directory", open["missing"]);
        var cli = Proc.RunAsNobody([Proc.Tierfs, "state", m.M("open.bin")], TimeSpan.FromSeconds(120));
        Assert.True(cli.ExitCode == 0, cli.ToString());
        Assert.Equal($"released {m.M("open.bin")}\n", cli.Stdout);
    }
}
