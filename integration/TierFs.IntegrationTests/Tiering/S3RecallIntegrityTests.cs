using TierFs.IntegrationTests.Harness;
using TierFs.IntegrationTests.Remote;
using static TierFs.IntegrationTests.Tiering.TierHarness;

namespace TierFs.IntegrationTests.Tiering;

/// <summary>
/// A recall never hands out wrong data: an object that is missing or whose bytes do not match the
/// checksum recorded at archive time fails the open with EIO and leaves the stub as it was; a
/// changed file archived again supersedes its old object, which goes after the grace period.
/// </summary>
public sealed class S3RecallIntegrityTests(S3ServerFixture fixture) : IClassFixture<S3ServerFixture>
{
    private const long StubBlocks = 16 * 1024 / 512;
    private readonly S3Server _s3 = fixture.Server;

    private static int OpenErrno(string path)
    {
        var rc = Px.TryOpen(path, Px.O_RDONLY, out var fd);
        if (rc == 0) Px.Close(fd);
        return rc;
    }

    [Fact]
    public void A_missing_object_makes_the_stub_lost_and_the_open_fails_with_EIO()
    {
        using var t = S3TierMount.Start(_s3, "integrity-missing/");
        var m = t.M;
        File.WriteAllBytes(m.M("gone.bin"), Content(600_000, seed: 71));
        Migrate(m.M("gone.bin"));
        t.Delete(t.ObjectKeyOf("gone.bin"));

        Assert.Equal(Px.EIO, OpenErrno(m.M("gone.bin")));
        Assert.Equal("lost", State(m.M("gone.bin")));
        Assert.True(t.BackingBlocks("gone.bin") <= StubBlocks);
        Assert.Equal(0, Px.Stat(m.M("gone.bin")).Blocks);
        Assert.Contains(m.Log.Split('\n'), l => l.Contains("gone.bin") && l.Contains("recall") && l.Contains("fail"));
        // Still refused, without asking S3 again for a lost file.
        Assert.Equal(Px.EIO, OpenErrno(m.M("gone.bin")));
        var r = Tierfs("recall", m.M("gone.bin"));
        Assert.True(r.ExitCode != 0 && r.Stderr.Contains("gone.bin") && r.Stderr.Contains("lost"), r.ToString());
    }

    [Fact]
    public void An_object_with_other_bytes_fails_the_open_with_EIO_keeps_the_stub_and_recovers_when_repaired()
    {
        using var t = S3TierMount.Start(_s3, "integrity-checksum/");
        var m = t.M;
        var data = Content(1_500_000, seed: 72);
        File.WriteAllBytes(m.M("bent.bin"), data);
        Migrate(m.M("bent.bin"));
        var key = t.ObjectKeyOf("bent.bin");
        var meta = t.Head(key)!.Value.Meta;
        var record = t.Record("bent.bin")!.Value.GetRawText();
        var before = Px.Stat(m.M("bent.bin"));

        // Same length, same metadata, one byte different.
        var bent = (byte[])data.Clone();
        bent[1_000_000] ^= 0x55;
        t.Put(key, bent, meta);

        Assert.Equal(Px.EIO, OpenErrno(m.M("bent.bin")));
        Assert.Equal("released", State(m.M("bent.bin")));
        Assert.Equal(record, t.Record("bent.bin")!.Value.GetRawText());
        Assert.True(t.BackingBlocks("bent.bin") <= StubBlocks, $"the stub holds {t.BackingBlocks("bent.bin")} blocks after a refused recall");
        Assert.Equal(Kept(before), Kept(Px.Stat(m.M("bent.bin"))));
        Assert.Contains(m.Log.Split('\n'), l => l.Contains("bent.bin") && l.Contains("checksum"));

        t.Put(key, data, meta);
        Assert.Equal(data, File.ReadAllBytes(m.M("bent.bin")));
        Assert.Equal("archived", State(m.M("bent.bin")));
    }

    [Fact]
    public void A_changed_file_archived_again_gets_a_new_object_and_the_old_one_goes_after_the_grace_period()
    {
        using var t = S3TierMount.Start(_s3, "integrity-supersede/", "delete_grace: 2s", S3TierMount.Pair("gfs"), "-o", "delete_interval=1");
        var m = t.M;
        File.WriteAllText(m.M("doc.txt"), Text(3000, "first"));
        var r = Tierfs("archive", m.M("doc.txt"));
        Assert.True(r.ExitCode == 0, r.ToString());
        var first = t.ObjectKeyOf("doc.txt");
        var id = t.FileIdOf("doc.txt");

        File.WriteAllText(m.M("doc.txt"), Text(3000, "second"));
        Assert.Equal("dirty", State(m.M("doc.txt")));
        Migrate(m.M("doc.txt"));
        var second = t.ObjectKeyOf("doc.txt");
        Assert.Equal($"data/{id[..2]}/{id}/2", second);
        Assert.Equal(S3TierMount.ContractValue, t.Head(second)!.Value.Meta["ltr_local_to_remote"]);
        Assert.True(t.Exists(first), "the superseded object went without a grace period");
        Assert.True(Proc.WaitUntil(() => t.PendingDeletes().Any(p => p.Key == first && p.Reason == "superseded"), TimeSpan.FromSeconds(5)), "the index does not list the superseded object");
        Assert.True(Proc.WaitUntil(() => !t.Exists(first), TimeSpan.FromSeconds(15)), "the superseded object was not deleted");
        Assert.True(t.Exists(second));
        Assert.Equal(Text(3000, "second"), File.ReadAllText(m.M("doc.txt")));
    }
}
