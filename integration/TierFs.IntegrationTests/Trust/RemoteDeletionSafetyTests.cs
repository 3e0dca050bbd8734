using System.Text;
using TierFs.IntegrationTests.Harness;
using TierFs.IntegrationTests.Remote;
using Xunit.Abstractions;
using static TierFs.IntegrationTests.Tiering.TierHarness;
using static TierFs.IntegrationTests.Trust.TrustHarness;
using TierFs.Records;

namespace TierFs.IntegrationTests.Trust;

/// <summary>
/// A remote deletion never hits an object a file still needs: an abandoned upload's object is its
/// own (a later upload never reuses its key), and the delete pass drops a deletion whose object a
/// tier record still references. Deletions run every second with a grace of one second here.
/// </summary>
public sealed class RemoteDeletionSafetyTests(S3ServerFixture fixture, ITestOutputHelper output) : IClassFixture<S3ServerFixture>
{
    private const string FastDeletes = "delete_grace: 1s";
    private static readonly string[] DeleteEverySecond = ["-o", "delete_interval=1"];
    private readonly S3Server _s3 = fixture.Server;

    [Fact]
    public void A_migration_after_an_abandoned_one_keeps_its_object_through_the_delete_pass()
    {
        // Deletions every 3 s: the next migration comes before the pass that carries out the abandoned one's.
        using var t = S3TierMount.Start(_s3, "abandoned/", FastDeletes, "", "-o", "delete_interval=3");
        var m = t.M;
        // Archived before (generation 1), recalled and changed.
        File.WriteAllBytes(m.M("f.bin"), Content(700_000, seed: 1));
        Migrate(m.M("f.bin"));
        Assert.Equal(Content(700_000, seed: 1), File.ReadAllBytes(m.M("f.bin")));
        var changed = Content(800_000, seed: 2);
        File.WriteAllBytes(m.M("f.bin"), changed);
        Assert.Equal("dirty", State(m.M("f.bin")));

        // An archive abandoned because the file is open for writing (hot): its upload is queued for deletion, due now.
        var fd = Px.Open(m.M("f.bin"), Px.O_WRONLY);
        try
        {
            var r = Tierfs("archive", m.M("f.bin"));
            Assert.True(r.ExitCode != 0 && r.Stderr.Contains("hot"), r.ToString());
        }
        finally
        {
            Px.Close(fd);
        }

        // The next migration succeeds and releases; then the delete pass runs.
        Migrate(m.M("f.bin"));
        Assert.Equal("released", State(m.M("f.bin")));
        var key = t.ObjectKeyOf("f.bin");
        Assert.True(Proc.WaitUntil(() => t.PendingDeletes().Count == 0, TimeSpan.FromSeconds(30)), $"deletions stay queued: {string.Join(", ", t.PendingDeletes())}\n{m.Log}");

        // The abandoned upload and the superseded generation are gone; the released file's object is there.
        Assert.Equal([key], t.DataObjects().Keys);
        Assert.Equal(changed, File.ReadAllBytes(m.M("f.bin")));
    }

    [Fact]
    public void The_delete_pass_keeps_an_object_that_another_record_still_references()
    {
        using var t = S3TierMount.Start(_s3, "referenced/", FastDeletes, "", DeleteEverySecond);
        var m = t.M;
        var data = Content(500_000, seed: 3);
        File.WriteAllBytes(m.M("orig.bin"), data);
        Migrate(m.M("orig.bin"));
        var key = t.ObjectKeyOf("orig.bin");

        // An administrator copies the stub behind the mount, record and all (cp -a as root does), and the scan indexes it.
        using (var copy = File.Create(m.B("copy.bin"))) copy.SetLength(data.Length);
        Assert.True(Px.TryGetXattr(m.B("orig.bin"), S3TierMount.StubXattr, out var record) == 0);
        var st = Px.Stat(m.B("orig.bin"));
        Assert.Equal(0, Px.Utimens(m.B("copy.bin"), st.Atime, st.Mtime));
        Assert.Equal(0, Px.SetXattr(m.B("copy.bin"), S3TierMount.StubXattr, record));
        var scan = Tierfs("scan", m.MountPoint);
        Assert.True(scan.ExitCode == 0, scan.ToString());

        // The original goes: its object is queued for deletion, but the copy's record references it.
        File.Delete(m.M("orig.bin"));
        Assert.True(Proc.WaitUntil(() => t.PendingDeletes().Any(p => p.Key == key), TimeSpan.FromSeconds(5)), "the unlink queued nothing");
        Assert.True(Proc.WaitUntil(() => t.PendingDeletes().All(p => p.Key != key), TimeSpan.FromSeconds(20)), $"the deletion stays queued:\n{m.Log}");
        Assert.True(t.Exists(key), $"the object the copy references was deleted:\n{m.Log}");
        Assert.Contains(m.Log.Split('\n'), l => l.Contains("kept remote object") && l.Contains(key) && l.Contains("copy.bin"));
        Assert.Equal(data, File.ReadAllBytes(m.M("copy.bin")));
        output.WriteLine(Encoding.UTF8.GetString(record));
    }
}
