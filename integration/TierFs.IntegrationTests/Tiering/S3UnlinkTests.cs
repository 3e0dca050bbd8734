using System.Diagnostics;
using TierFs.IntegrationTests.Harness;
using TierFs.IntegrationTests.Remote;
using static TierFs.IntegrationTests.Tiering.TierHarness;

namespace TierFs.IntegrationTests.Tiering;

/// <summary>
/// Unlinking a tiered file does not leak its S3 object: it stays for the grace period
/// (remote.delete_grace), queued in the index, and the mount's background work deletes it after.
/// </summary>
public sealed class S3UnlinkTests(S3ServerFixture fixture) : IClassFixture<S3ServerFixture>
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);

    private readonly S3Server _s3 = fixture.Server;

    [Fact]
    public void Unlinked_archived_and_released_files_lose_their_object_after_the_grace_period_only()
    {
        using var t = S3TierMount.Start(_s3, "unlink/", "delete_grace: 2s", "", "-o", "delete_interval=1");
        var m = t.M;
        foreach (var (name, seed) in new[] { ("archived.bin", 31), ("released.bin", 32), ("linked.bin", 33), ("victim.bin", 34) })
            File.WriteAllBytes(m.M(name), Content(400_000, seed));
        File.WriteAllText(m.M("newer.txt"), "replaces the victim");
        Assert.Equal(0, Px.Link(m.M("linked.bin"), m.M("linked-2.bin")));

        var r = Tierfs("archive", m.M("archived.bin"));
        Assert.True(r.ExitCode == 0, r.ToString());
        foreach (var name in new[] { "released.bin", "linked.bin", "victim.bin" }) Migrate(m.M(name));
        Assert.Equal("archived", State(m.M("archived.bin")));
        Assert.Equal("released", State(m.M("released.bin")));
        var keys = new[] { "archived.bin", "released.bin", "linked.bin", "victim.bin" }.ToDictionary(n => n, t.ObjectKeyOf);
        Assert.Equal(keys.Values.Order(StringComparer.Ordinal), t.DataObjects().Keys);
        Assert.Empty(t.PendingDeletes());

        // The last name of the archived and of the released file, one of two names of another,
        // and a released file replaced by a rename over it.
        var sw = Stopwatch.StartNew();
        File.Delete(m.M("archived.bin"));
        File.Delete(m.M("released.bin"));
        File.Delete(m.M("linked.bin"));
        Assert.Equal(0, Px.Rename(m.M("newer.txt"), m.M("victim.bin")));
        var gone = new[] { keys["archived.bin"], keys["released.bin"], keys["victim.bin"] };

        // During the grace period: the objects are there, the index knows they are pending.
        Assert.All(gone, k => Assert.True(t.Exists(k), $"{k} was deleted at once, without a grace period"));
        Assert.True(Proc.WaitUntil(() => gone.All(k => t.PendingDeletes().Any(p => p.Key == k)), TimeSpan.FromSeconds(5)),
            $"the index does not list the pending deletions: {string.Join(", ", t.PendingDeletes())}");
        var pending = t.PendingDeletes();
        Assert.All(pending.Where(p => gone.Contains(p.Key)), p => Assert.Equal("unlinked", p.Reason));
        Assert.DoesNotContain(pending, p => p.Key == keys["linked.bin"]);

        Assert.True(Proc.WaitUntil(() => gone.All(k => !t.Exists(k)), TimeSpan.FromSeconds(20)),
            $"not deleted after the grace period: {string.Join(", ", gone.Where(t.Exists))}\n{m.Log}");
        Assert.True(sw.Elapsed >= Grace - TimeSpan.FromMilliseconds(100), $"deleted after {sw.Elapsed}, before the grace period of {Grace}");
        Assert.True(Proc.WaitUntil(() => t.PendingDeletes().Count == 0, TimeSpan.FromSeconds(5)), "the index still lists done deletions");

        // The file with a name left keeps its object and its data.
        Assert.Equal([keys["linked.bin"]], t.DataObjects().Keys);
        Assert.Equal("released", State(m.M("linked-2.bin")));
        Assert.Equal(Content(400_000, 33), File.ReadAllBytes(m.M("linked-2.bin")));
        Assert.Equal("replaces the victim", File.ReadAllText(m.M("victim.bin")));
    }
}
