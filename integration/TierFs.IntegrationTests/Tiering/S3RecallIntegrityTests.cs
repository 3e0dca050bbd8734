using System.Text;
using System.Text.Json.Nodes;
using TierFs.IntegrationTests.Harness;
using TierFs.IntegrationTests.Remote;
using static TierFs.IntegrationTests.Tiering.TierHarness;
using TierFs.Records;

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
    public void A_missing_object_fails_the_open_with_EIO_leaves_the_stub_released_and_a_retry_works_once_it_is_back()
    {
        using var t = S3TierMount.Start(_s3, "integrity-missing/");
        var m = t.M;
        var data = Content(600_000, seed: 71);
        File.WriteAllBytes(m.M("gone.bin"), data);
        Migrate(m.M("gone.bin"));
        var key = t.ObjectKeyOf("gone.bin");
        var meta = t.Head(key)!.Value.Meta;
        var record = t.Record("gone.bin")!.Value.GetRawText();
        t.Delete(key);

        // A failed recall is an error for that open, not a verdict on the file: the record is untouched.
        Assert.Equal(Px.EIO, OpenErrno(m.M("gone.bin")));
        Assert.Equal("released", State(m.M("gone.bin")));
        Assert.Equal(record, t.Record("gone.bin")!.Value.GetRawText());
        Assert.True(t.BackingBlocks("gone.bin") <= StubBlocks);
        Assert.Equal(0, Px.Stat(m.M("gone.bin")).Blocks);
        Assert.Contains(m.Log.Split('\n'), l => l.Contains("gone.bin") && l.Contains("recall") && l.Contains("fail"));
        Assert.Equal(Px.EIO, OpenErrno(m.M("gone.bin")));
        var r = Tierfs("recall", m.M("gone.bin"));
        Assert.True(r.ExitCode != 0 && r.Stderr.Contains("gone.bin"), r.ToString());

        // The cause is fixed (the object is back): a plain retry works.
        t.Put(key, data, meta);
        Assert.Equal(data, File.ReadAllBytes(m.M("gone.bin")));
        Assert.Equal("archived", State(m.M("gone.bin")));
    }

    [Fact]
    public void An_object_with_other_bytes_fails_the_open_with_EIO_keeps_the_stub_and_recovers_when_repaired()
    {
        using var t = S3TierMount.Start(_s3, "integrity-checksum/");
        var data = Migrated(t, "bent.bin", Content(1_500_000, seed: 72));
        // Archived now: the record carries the BLAKE3 form that recalls verify instead of the MD5 form, and the CRC.
        Assert.Matches("^[0-9a-f]{8}-1$", t.Record("bent.bin")!.Value.GetProperty("crc").GetString()!);
        var blake3 = t.Record("bent.bin")!.Value.GetProperty("b3").GetString()!;
        Assert.Matches("^[0-9a-f]{64}-1$", blake3);

        RefusedWhileBentThenRecalled(t, "bent.bin", data, verifiedBy: blake3);
    }

    [Fact]
    public void A_stub_recorded_before_the_crc_is_verified_by_its_md5()
    {
        using var t = S3TierMount.Start(_s3, "integrity-md5/");
        var data = Migrated(t, "old.bin", Content(1_200_000, seed: 73));
        // The record as an older TierFs wrote it: no "crc", no "b3". Rewritten while unmounted, so the mount reads it anew.
        Assert.Equal(0, t.M.Unmount().ExitCode);
        var old = JsonNode.Parse(t.Record("old.bin")!.Value.GetRawText())!.AsObject();
        Assert.True(old.Remove("crc"));
        Assert.True(old.Remove("b3"));
        Assert.Equal(0, Px.SetXattr(t.M.B("old.bin"), S3TierMount.StubXattr, Encoding.UTF8.GetBytes(old.ToJsonString())));
        t.Mount();

        RefusedWhileBentThenRecalled(t, "old.bin", data, verifiedBy: old["sum"]!.GetValue<string>());
        Assert.False(t.Record("old.bin")!.Value.TryGetProperty("crc", out _));
        Assert.False(t.Record("old.bin")!.Value.TryGetProperty("b3", out _));
    }

    private static byte[] Migrated(S3TierMount t, string name, byte[] data)
    {
        File.WriteAllBytes(t.M.M(name), data);
        Migrate(t.M.M(name));
        return data;
    }

    /// <summary>
    /// The object gets other bytes (same length, same metadata): the open fails with EIO, the stub and
    /// its record stay byte-identical, the log names the recorded checksum it was verified by; once
    /// repaired, the open recalls.
    /// </summary>
    private static void RefusedWhileBentThenRecalled(S3TierMount t, string name, byte[] data, string verifiedBy)
    {
        var m = t.M;
        var key = t.ObjectKeyOf(name);
        var meta = t.Head(key)!.Value.Meta;
        var record = t.Record(name)!.Value.GetRawText();
        var before = Px.Stat(m.M(name));

        var bent = (byte[])data.Clone();
        bent[1_000_000] ^= 0x55;
        t.Put(key, bent, meta);

        Assert.Equal(Px.EIO, OpenErrno(m.M(name)));
        Assert.Equal("released", State(m.M(name)));
        Assert.Equal(record, t.Record(name)!.Value.GetRawText());
        Assert.True(t.BackingBlocks(name) <= StubBlocks, $"the stub holds {t.BackingBlocks(name)} blocks after a refused recall");
        Assert.Equal(Kept(before), Kept(Px.Stat(m.M(name))));
        Assert.Contains(m.Log.Split('\n'), l => l.Contains(name) && l.Contains("checksum mismatch") && l.Contains($"archived as {verifiedBy}"));

        t.Put(key, data, meta);
        Assert.Equal(data, File.ReadAllBytes(m.M(name)));
        Assert.Equal("archived", State(m.M(name)));
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
        Assert.Matches($"^data/{id[..2]}/{id}/2\\.[0-9a-f]{{16}}$", second);
        Assert.Equal(S3TierMount.ContractValue, t.Head(second)!.Value.Meta["ltr_local_to_remote"]);
        Assert.True(t.Exists(first), "the superseded object went without a grace period");
        Assert.True(Proc.WaitUntil(() => t.PendingDeletes().Any(p => p.Key == first && p.Reason == "superseded"), TimeSpan.FromSeconds(5)), "the index does not list the superseded object");
        Assert.True(Proc.WaitUntil(() => !t.Exists(first), TimeSpan.FromSeconds(15)), "the superseded object was not deleted");
        Assert.True(t.Exists(second));
        Assert.Equal(Text(3000, "second"), File.ReadAllText(m.M("doc.txt")));
    }
}
