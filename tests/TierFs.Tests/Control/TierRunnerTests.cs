using TierFs.Cli.Commands.Tier;
using TierFs.Fuse;
using TierFs.Tiering.Control;

namespace TierFs.Tests.Control;

/// <summary>The tierfs commands end to end against a control server with a fake engine.</summary>
public sealed class TierRunnerTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("tierfs-run-").FullName;
    private readonly StringWriter _out = new();
    private readonly StringWriter _err = new();

    private string Mnt => Path.Combine(_root, "mnt");
    private string Sock => Path.Combine(_root, "mnt.sock");

    public TierRunnerTests()
    {
        Directory.CreateDirectory(Path.Combine(Mnt, "proj"));
        Directory.CreateDirectory(Path.Combine(_root, "plain"));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string[] Out => _out.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    private string[] Err => _err.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private Task<int> Run(TierOp op, bool recursive, bool verbose, params string[] paths)
    {
        var resolver = new TierPathResolver(() => [new MountInfo("/", "ext4", "/dev/sda1", 8, 1, "rw"), new MountInfo(Mnt, "fuse.tierfs", "/srv", 0, 50, "rw")], _root);
        var runner = new TierRunner(op, recursive, verbose, resolver, _ => Sock, new ProgressView(_out, _err));
        return runner.RunAsync(paths, CancellationToken.None);
    }

    [Fact]
    public async Task State_prints_STATE_PATH_with_the_path_as_given()
    {
        using var server = ControlServer.Start(Sock, FakeTierCommands.Answering("archived,norelease"));
        Assert.Equal(0, await Run(TierOp.State, false, false, "mnt/proj/a", Path.Combine(Mnt, "b")));
        Assert.Equal(["archived,norelease mnt/proj/a", $"archived,norelease {Mnt}/b"], Out);
        Assert.Empty(Err);
    }

    [Fact]
    public async Task Failures_are_one_line_each_and_exit_1_while_other_paths_are_still_done()
    {
        var engine = FakeTierCommands.Answering("released");
        using var server = ControlServer.Start(Sock, engine);
        Assert.Equal(1, await Run(TierOp.Migrate, false, false, "mnt/missing", "plain/x", "mnt/proj/ok", "nowhere/y"));
        Assert.Empty(Out); // quiet without -v
        Assert.Equal(["tierfs: plain/x: not on a TierFs mount", "tierfs: nowhere/y: no such file or directory", "tierfs: mnt/missing: no such file or directory"], Err);
        Assert.Equal(["missing", "proj/ok"], Assert.Single(engine.Requests).Paths);
    }

    [Fact]
    public async Task Verbose_prints_each_file_done()
    {
        using var server = ControlServer.Start(Sock, FakeTierCommands.Answering("released"));
        Assert.Equal(0, await Run(TierOp.Migrate, false, true, "mnt/proj/a"));
        Assert.Equal(["released mnt/proj/a"], Out);
    }

    [Fact]
    public async Task Recursive_results_show_under_the_directory_given()
    {
        var engine = new FakeTierCommands((request, sink, _) =>
        {
            Assert.True(request.Recursive);
            sink.Planned(2, 30);
            sink.Progress("proj/a", 10, 10);
            sink.Result(new FileResult("proj/a", true, "resident", null));
            sink.Result(new FileResult("proj/sub/b", true, "dirty", null));
            return Task.CompletedTask;
        });
        using var server = ControlServer.Start(Sock, engine);
        Assert.Equal(0, await Run(TierOp.State, true, false, "mnt/proj/"));
        Assert.Equal(["resident mnt/proj/a", "dirty mnt/proj/sub/b"], Out);
        Assert.Equal(["proj"], Assert.Single(engine.Requests).Paths);
    }

    [Fact]
    public async Task No_daemon_is_one_clear_line_and_exit_1()
    {
        Assert.Equal(1, await Run(TierOp.State, false, false, "mnt/proj/a", "mnt/proj/b"));
        Assert.Equal([$"tierfs: no TierFs mount daemon answers for {Mnt} (is it mounted?)"], Err);
        Assert.Empty(Out);
    }

    [Fact]
    public async Task A_daemon_error_names_the_mount()
    {
        using var server = ControlServer.Start(Sock, new FakeTierCommands((_, _, _) => throw new InvalidOperationException("the index is not open")));
        Assert.Equal(1, await Run(TierOp.Recall, false, false, "mnt/proj/a"));
        Assert.Equal([$"tierfs: {Mnt}: the mount daemon failed: the index is not open"], Err);
    }
}
