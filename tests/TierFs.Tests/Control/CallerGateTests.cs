using System.Buffers.Binary;
using System.Runtime.InteropServices;
using TierFs.Posix;
using TierFs.Tiering.Control;
using TierFs.Records;

namespace TierFs.Tests.Control;

/// <summary>
/// What a non-root caller of the control socket may do: the op rules, and the per-path read
/// check decided by the kernel under the caller's credentials (uid 65534 here; the tests run as root).
/// </summary>
public sealed partial class CallerGateTests : IDisposable
{
    private const uint Nobody = 65534;
    private static readonly Caller User = new(1, Nobody, Nobody, []);
    private static readonly Caller Root = new(1, 0, 0, []);

    private readonly string _dir = Directory.CreateTempSubdirectory("tierfs-gate-").FullName;
    private readonly int _rootFd;

    public CallerGateTests()
    {
        File.SetUnixFileMode(_dir, (UnixFileMode)0b111_101_101);
        _rootFd = TierFs.FileSystem.OverlayFileSystem.OpenBacking(_dir);
    }

    public void Dispose()
    {
        Libc.Close(_rootFd);
        Directory.Delete(_dir, recursive: true);
    }

    private string Make(string rel, string text, int mode)
    {
        var path = Path.Combine(_dir, rel);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        File.SetUnixFileMode(path, (UnixFileMode)mode);
        return path;
    }

    // The backing directory stands for the mountpoint too (an in-place mount) unless another is given.
    private async Task<(List<FileResult> Results, FakeTierCommands Inner)> RunAsync(ControlRequest request, string? mountPoint = null)
    {
        var inner = FakeTierCommands.Answering("released");
        using var gate = new CallerGate(_rootFd, MountAncestors.Of(mountPoint ?? _dir), inner);
        var sink = new ListSink();
        await gate.RunAsync(request, sink, CancellationToken.None);
        return (sink.Results, inner);
    }

    [Fact]
    public async Task A_user_may_state_and_recall_what_the_kernel_lets_them_read_and_nothing_else()
    {
        Make("open.txt", "world readable", 0b110_100_100);
        Make("secret.txt", "root only", 0b110_000_000);
        Make("closed/inside.txt", "world readable, but in a 0700 directory", 0b110_100_100);
        File.SetUnixFileMode(Path.Combine(_dir, "closed"), (UnixFileMode)0b111_000_000);

        foreach (var op in new[] { TierOp.State, TierOp.Recall })
        {
            var (results, inner) = await RunAsync(new ControlRequest(op, ["open.txt", "secret.txt", "closed/inside.txt", "missing"], false) { Caller = User });

            // Only the readable file reaches the engine; the others are refused per path, as the kernel said.
            Assert.Equal(["open.txt"], Assert.Single(inner.Requests).Paths);
            Assert.Contains(new FileResult("missing", false, null, "no such file or directory"), results);
            Assert.Contains(new FileResult("secret.txt", false, null, "permission denied"), results);
            Assert.Contains(new FileResult("closed/inside.txt", false, null, "permission denied"), results);
            Assert.Contains(new FileResult("open.txt", true, "released", null), results);
        }
    }

    [Fact]
    public async Task Root_and_requests_from_inside_the_daemon_are_not_restricted()
    {
        Make("secret.txt", "root only", 0b110_000_000);
        foreach (var caller in new[] { Root, null })
        {
            var (_, inner) = await RunAsync(new ControlRequest(TierOp.Migrate, ["secret.txt"], true) { Caller = caller });
            Assert.Equal(["secret.txt"], Assert.Single(inner.Requests).Paths);
        }
    }

    [Theory]
    [InlineData(TierOp.Migrate, false, "only root may migrate")]
    [InlineData(TierOp.Archive, false, "only root may archive")]
    [InlineData(TierOp.Release, false, "only root may release")]
    [InlineData(TierOp.Scan, false, "only root may scan")]
    [InlineData(TierOp.PolicyRun, false, "only root may policy-run")]
    [InlineData(TierOp.Status, false, "only root may status")]
    [InlineData(TierOp.Recall, true, "only root may recall -r")]
    [InlineData(TierOp.Check, false, "only root may check")]
    [InlineData(TierOp.Resolve, false, "only root may resolve")]
    public async Task Every_other_request_from_a_user_is_refused_whole(TierOp op, bool recursive, string expected)
    {
        Make("open.txt", "world readable", 0b110_100_100);
        var e = await Assert.ThrowsAsync<ControlException>(() => RunAsync(new ControlRequest(op, ["open.txt"], recursive) { Caller = User }));
        Assert.StartsWith(expected, e.Message);
        Assert.Contains("uid 65534", e.Message);
    }

    [Fact]
    public async Task Setting_flags_is_refused_to_a_user()
    {
        Make("open.txt", "world readable", 0b110_100_100);
        var request = new ControlRequest(TierOp.State, ["open.txt"], false, SetFlags: TierFlags.NoRelease) { Caller = User };
        var e = await Assert.ThrowsAsync<ControlException>(() => RunAsync(request));
        Assert.StartsWith("only root may set or clear flags", e.Message);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Marking_a_stub_lost_or_clearing_the_mark_is_refused_to_a_user(bool lost)
    {
        Make("open.txt", "world readable", 0b110_100_100);
        var request = new ControlRequest(TierOp.State, ["open.txt"], false, Lost: lost) { Caller = User };
        var e = await Assert.ThrowsAsync<ControlException>(() => RunAsync(request));
        Assert.StartsWith("only root may set or clear flags", e.Message);
    }

    [Fact]
    public async Task An_acl_granting_the_user_is_honoured_as_the_kernel_honours_it()
    {
        var path = Make("acl.txt", "root only by mode, readable by 65534 through an ACL", 0b110_000_000);
        Assert.True(SetAccessAcl(path, Nobody), "setting a POSIX ACL on the temp filesystem failed");
        var (results, inner) = await RunAsync(new ControlRequest(TierOp.Recall, ["acl.txt"], false) { Caller = User });
        Assert.Equal(["acl.txt"], Assert.Single(inner.Requests).Paths);
        Assert.Equal([new FileResult("acl.txt", true, "released", null)], results);
    }

    [Fact]
    public async Task A_symlink_or_a_fifo_is_never_opened_for_a_user()
    {
        File.CreateSymbolicLink(Path.Combine(_dir, "link"), "/etc/shadow");
        Assert.Equal(0, MkFifo(Path.Combine(_dir, "fifo"), 0b110_110_110));
        var (results, inner) = await RunAsync(new ControlRequest(TierOp.Recall, ["link", "fifo"], false) { Caller = User });
        Assert.Empty(inner.Requests);
        Assert.All(results, r => Assert.Equal("not a regular file", r.Error));
    }

    [Fact]
    public void The_daemon_keeps_its_own_credentials_on_other_threads()
    {
        // While a check runs as 65534 on its own thread, this thread stays root.
        var seen = ThreadCredentials.RunAs(Nobody, Nobody, [], () => File.Exists("/proc/self/status") ? ReadFsUid() : -1);
        Assert.Equal((int)Nobody, seen);
        Assert.Equal(0, ReadFsUid());
    }

    // /proc/thread-self/status: Uid: real effective saved filesystem.
    private static int ReadFsUid() =>
        int.Parse(File.ReadLines("/proc/thread-self/status").First(l => l.StartsWith("Uid:")).Split('\t', StringSplitOptions.RemoveEmptyEntries)[4]);

    // system.posix_acl_access: version 2, then (tag, perm, id) entries sorted by tag.
    private static bool SetAccessAcl(string path, uint user)
    {
        (ushort Tag, ushort Perm, uint Id)[] entries =
            [(0x01, 6, uint.MaxValue), (0x02, 4, user), (0x04, 0, uint.MaxValue), (0x10, 4, uint.MaxValue), (0x20, 0, uint.MaxValue)];
        var value = new byte[4 + 8 * entries.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(value, 2);
        for (var i = 0; i < entries.Length; i++)
        {
            var at = value.AsSpan(4 + 8 * i);
            BinaryPrimitives.WriteUInt16LittleEndian(at, entries[i].Tag);
            BinaryPrimitives.WriteUInt16LittleEndian(at[2..], entries[i].Perm);
            BinaryPrimitives.WriteUInt32LittleEndian(at[4..], entries[i].Id);
        }
        return SetXattr(path, "system.posix_acl_access", value, (nuint)value.Length, 0) == 0;
    }

    [LibraryImport("libc", EntryPoint = "setxattr", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetXattr(string path, string name, byte[] value, nuint size, int flags);

    [LibraryImport("libc", EntryPoint = "mkfifo", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MkFifo(string path, uint mode);

    private sealed class ListSink : IControlSink
    {
        public List<FileResult> Results { get; } = [];
        public void Progress(string path, long done, long total) { }
        public void Result(FileResult result) { lock (Results) Results.Add(result); }
    }
}
