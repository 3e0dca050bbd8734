using TierFs.Namespace;

namespace TierFs.Tests.Namespace;

/// <summary>
/// A generation is spilled to a temp file while it is read: it names every file of the tree, with
/// owners, modes, sizes and records, also in directories most users cannot list. `tierfs import`
/// spills to the system's temp directory, which every user can read: the file must be root's alone.
/// </summary>
public class NamespaceSpillTests : IDisposable
{
    private readonly NamespaceTestTree _t = new();

    public void Dispose() => _t.Dispose();

    [Fact]
    public async Task The_spilled_generation_is_readable_by_its_owner_only()
    {
        _t.Put(NamespaceTestTree.Row(100, 1, "secret-name"));
        _t.Index.Flush();
        await _t.Publisher().PublishAsync(CancellationToken.None);
        var spills = new List<(string Path, uint Mode)>();
        _t.Remote.RangeStarted = (_, _) =>
        {
            foreach (var f in Directory.GetFiles(_t.Dir, ".tierfs-ns-*"))
                spills.Add((f, (uint)File.GetUnixFileMode(f)));
            return Task.CompletedTask;
        };
        // Whatever the process's umask (the daemon's is 0; other tests here set it too).
        Assert.NotNull(await _t.Reader().LoadAsync(null, CancellationToken.None));
        Assert.NotEmpty(spills);
        Assert.All(spills, s => Assert.True(s.Mode == 0x180, $"{s.Path} is mode {Convert.ToString(s.Mode, 8)}"));
    }
}
