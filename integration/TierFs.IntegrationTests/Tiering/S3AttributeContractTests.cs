using System.Text.Json;
using TierFs.IntegrationTests.Harness;
using TierFs.IntegrationTests.Remote;
using static TierFs.IntegrationTests.Tiering.TierHarness;

namespace TierFs.IntegrationTests.Tiering;

/// <summary>
/// The S3 attribute contract of PRODUCT.md, checked in the bucket (a plain SDK client, raw HEADs)
/// after each step of a forward and a reverse migration, for no pair, a gfs pair and a gpeer pair.
/// </summary>
public sealed class S3AttributeContractTests(S3ServerFixture fixture) : IClassFixture<S3ServerFixture>
{
    private const string Ltr = "ltr_local_to_remote";
    private const string Rtl = "rtl_remote_to_local";
    private static readonly TimeSpan DeleteBound = TimeSpan.FromSeconds(15);

    private readonly S3Server _s3 = fixture.Server;

    [Fact]
    public void No_pair_no_attribute_the_archive_copy_is_kept_and_releasing_again_uploads_nothing()
    {
        using var t = S3TierMount.Start(_s3, "contract-none/", "", "", "-o", "delete_interval=1");
        var m = t.M;
        var data = Content(1_200_000, seed: 21);
        File.WriteAllBytes(m.M("f.bin"), data);

        Migrate(m.M("f.bin"));
        Assert.Equal("released", State(m.M("f.bin")));
        var key = t.ObjectKeyOf("f.bin");
        var id = t.FileIdOf("f.bin");
        Assert.Equal([key], t.Objects().Keys); // no metadata records without a gpeer pair
        var head = t.Head(key)!.Value;
        Assert.Equal(data.Length, head.Length);
        Assert.Equal(id, head.Meta["file_id"]);
        Assert.False(head.Meta.ContainsKey(Ltr), $"no pair, yet the object has {Ltr}");
        Assert.False(head.Meta.ContainsKey(Rtl));
        Assert.False(t.Record("f.bin")!.Value.TryGetProperty("pair", out _));

        // Recall by open: the file is archived, the object kept as it was.
        Assert.Equal(data, File.ReadAllBytes(m.M("f.bin")));
        Assert.Equal("archived", State(m.M("f.bin")));
        Assert.Equal("archived", t.Record("f.bin")!.Value.GetProperty("state").GetString());
        Assert.Equal([key], t.Objects().Keys);
        Assert.Equal(head.ETag, t.Head(key)!.Value.ETag);

        // Unchanged: migrating again releases without uploading (same single object, same generation).
        Migrate(m.M("f.bin"));
        Assert.Equal("released", State(m.M("f.bin")));
        Assert.Equal(key, t.ObjectKeyOf("f.bin"));
        Assert.Equal([key], t.Objects().Keys);
        Assert.Equal(head.ETag, t.Head(key)!.Value.ETag);
        Assert.Single(m.Log.Split('\n'), l => l.Contains("archived f.bin"));
        Assert.Equal(data, File.ReadAllBytes(m.M("f.bin")));
        // Nothing was queued for deletion either.
        Assert.Empty(t.PendingDeletes());
        Assert.Equal([key], t.Objects().Keys);
    }

    [Fact]
    public void Gfs_pair_sets_ltr_on_migrate_and_the_recall_deletes_the_remote_object()
    {
        using var t = S3TierMount.Start(_s3, "contract-gfs/", "", S3TierMount.Pair("gfs"), "-o", "delete_interval=1");
        var m = t.M;
        var data = Content(700_000, seed: 22);
        File.WriteAllBytes(m.M("g.bin"), data);

        Migrate(m.M("g.bin"));
        Assert.Equal("released", State(m.M("g.bin")));
        var key = t.ObjectKeyOf("g.bin");
        Assert.Equal("heb", t.Record("g.bin")!.Value.GetProperty("pair").GetString());
        Assert.Equal([key], t.Objects().Keys); // gfs: no metadata record on the remote side
        var head = t.Head(key)!.Value;
        Assert.Equal(S3TierMount.ContractValue, head.Meta[Ltr]);
        Assert.Equal(data.Length, head.Length);

        // Reverse migration by open: local again, no record, and the remote object goes.
        Assert.Equal(data, File.ReadAllBytes(m.M("g.bin")));
        Assert.Equal("resident", State(m.M("g.bin")));
        Assert.Null(t.Record("g.bin"));
        Assert.True(Proc.WaitUntil(() => t.Objects().Count == 0, DeleteBound),
            $"the recalled file's object is still in the bucket: {string.Join(", ", t.Objects().Keys)}\n{m.Log}");
        Assert.True(Proc.WaitUntil(() => t.PendingDeletes().Count == 0, DeleteBound), "the index still lists a pending deletion");
        Assert.Equal(data, File.ReadAllBytes(m.M("g.bin")));
        Assert.Equal("resident", State(m.M("g.bin")));
    }

    [Fact]
    public void Gpeer_pair_keeps_a_metadata_record_marked_ltr_then_rtl_and_the_recall_deletes_the_data()
    {
        using var t = S3TierMount.Start(_s3, "contract-gpeer/", "", S3TierMount.Pair("gpeer"), "-o", "delete_interval=1");
        var m = t.M;
        Directory.CreateDirectory(m.M("proj"));
        var data = Content(900_000, seed: 23);
        File.WriteAllBytes(m.M("proj/p.bin"), data);

        Migrate(m.M("proj/p.bin"));
        Assert.Equal("released", State(m.M("proj/p.bin")));
        var key = t.ObjectKeyOf("proj/p.bin");
        var id = t.FileIdOf("proj/p.bin");
        var metaKey = $"meta/{id[..2]}/{id}.json";
        Assert.Equal([key, metaKey], t.Objects().Keys.Order(StringComparer.Ordinal));
        var head = t.Head(key)!.Value;
        Assert.Equal(S3TierMount.ContractValue, head.Meta[Ltr]);
        var meta = t.Head(metaKey)!.Value;
        Assert.Equal(S3TierMount.ContractValue, meta.Meta[Ltr]);
        var record = JsonDocument.Parse(t.Body(metaKey)).RootElement;
        Assert.Equal(data.Length, record.GetProperty("size").GetInt64());
        Assert.Equal("proj/p.bin", record.GetProperty("path").GetString()!.TrimStart('/'));
        Assert.Equal("remote", record.GetProperty("state").GetString());

        Assert.Equal(data, File.ReadAllBytes(m.M("proj/p.bin")));
        Assert.Equal("resident", State(m.M("proj/p.bin")));
        // Only the file's id stays with it (the peer's record is named by it); no archive, no pair.
        var kept = t.Record("proj/p.bin")!.Value;
        Assert.Equal("none", kept.GetProperty("state").GetString());
        Assert.Equal(id, kept.GetProperty("id").GetString());
        Assert.False(kept.TryGetProperty("key", out _) || kept.TryGetProperty("pair", out _), kept.GetRawText());
        // The metadata record now says the file went back (same pair value); the data object goes.
        var after = t.Head(metaKey);
        Assert.True(after is not null, "gpeer: the metadata record must be kept after a recall");
        Assert.Equal(S3TierMount.ContractValue, after.Value.Meta[Rtl]);
        record = JsonDocument.Parse(t.Body(metaKey)).RootElement;
        Assert.Equal("local", record.GetProperty("state").GetString());
        // The peer still lists the file by its path (the recall was a plain open, which names no path).
        Assert.Equal("proj/p.bin", record.GetProperty("path").GetString()?.TrimStart('/'));
        Assert.Equal(data.Length, record.GetProperty("size").GetInt64());
        Assert.True(Proc.WaitUntil(() => !t.Exists(key), DeleteBound), $"the data object is still in the bucket\n{m.Log}");
        Assert.Equal([metaKey], t.Objects().Keys);
        Assert.Equal(S3TierMount.ContractValue, t.Head(metaKey)!.Value.Meta[Rtl]);
        Assert.Equal(data, File.ReadAllBytes(m.M("proj/p.bin")));
    }
    /// <summary>
    /// gpeer: the peer manages the same files, so a file migrated, recalled, changed and migrated
    /// again has one metadata record on the remote side, updated each time (not one per round trip).
    /// </summary>
    [Fact]
    public void Gpeer_a_second_round_trip_updates_the_same_metadata_record()
    {
        using var t = S3TierMount.Start(_s3, "contract-gpeer-again/", "", S3TierMount.Pair("gpeer"), "-o", "delete_interval=1");
        var m = t.M;
        File.WriteAllText(m.M("r.txt"), Text(2000, "one"));
        Migrate(m.M("r.txt"));
        var id = t.FileIdOf("r.txt");
        var firstKey = t.ObjectKeyOf("r.txt");
        var metaKey = $"meta/{id[..2]}/{id}.json";
        Assert.Equal(Text(2000, "one"), File.ReadAllText(m.M("r.txt")));
        Assert.Equal("resident", State(m.M("r.txt")));
        Assert.Equal(S3TierMount.ContractValue, t.Head(metaKey)!.Value.Meta[Rtl]);
        Assert.True(Proc.WaitUntil(() => !t.Exists(firstKey), DeleteBound), "the recalled data object is still there");

        File.WriteAllText(m.M("r.txt"), Text(2000, "two"));
        Migrate(m.M("r.txt"));
        Assert.Equal("released", State(m.M("r.txt")));
        Assert.Equal(id, t.FileIdOf("r.txt"));
        var secondKey = t.ObjectKeyOf("r.txt");
        Assert.NotEqual(firstKey, secondKey); // never the key of an object queued for deletion
        Assert.Equal([secondKey, metaKey], t.Objects().Keys.Order(StringComparer.Ordinal));
        var meta = t.Head(metaKey)!.Value.Meta;
        Assert.Equal(S3TierMount.ContractValue, meta[Ltr]);
        Assert.False(meta.ContainsKey(Rtl), "the metadata record still says the file went back");
        Assert.Equal("remote", JsonDocument.Parse(t.Body(metaKey)).RootElement.GetProperty("state").GetString());
        Assert.Equal(Text(2000, "two"), File.ReadAllText(m.M("r.txt")));
        Assert.True(Proc.WaitUntil(() => t.Objects().Keys.SequenceEqual([metaKey]), DeleteBound), $"left: {string.Join(", ", t.Objects().Keys)}");
    }
}
