using TierFs.IntegrationTests.Harness;
using TierFs.IntegrationTests.Remote;
using TierFs.Remote;
using static TierFs.IntegrationTests.Tiering.TierHarness;

namespace TierFs.IntegrationTests.Tiering;

/// <summary>
/// On a real mount and s3rver: migrating a multi-part file leaves its part manifest beside the data
/// object, bound to the stub's digest; a single-part file gets none; a recall is unchanged; and
/// when the file's last name goes, the deletion takes the manifest along.
/// </summary>
public sealed class S3PartManifestTests(S3ServerFixture fixture) : IClassFixture<S3ServerFixture>
{
    private const int MiB = 1024 * 1024;

    private readonly S3Server _s3 = fixture.Server;

    [Fact]
    public async Task A_multi_part_migration_leaves_a_bound_manifest_and_unlink_deletes_it_with_the_object()
    {
        using var t = S3TierMount.Start(_s3, "manifest/", "part_size: 5M\ndelete_grace: 1s", "", "-o", "delete_interval=1");
        var m = t.M;
        var big = Content(11 * MiB + 7, seed: 41);
        File.WriteAllBytes(m.M("big.bin"), big);
        File.WriteAllBytes(m.M("small.bin"), Content(100_000, seed: 42));
        Migrate(m.M("big.bin"));
        Migrate(m.M("small.bin"));

        var key = t.ObjectKeyOf("big.bin");
        var manifestKey = PartManifest.KeyFor(key);
        // Object ids are random: compare the sets in one order.
        Assert.Equal(new[] { manifestKey, key, t.ObjectKeyOf("small.bin") }.Order(StringComparer.Ordinal), t.Objects().Keys.Order(StringComparer.Ordinal));
        Assert.Equal(28 + 3 * 36 + 12 + 5 * 32, t.Objects()[manifestKey]); // and the first part's lead tree: five leaves of 1 MiB

        // Bound to what the stub recorded: a reader of single parts can trust it.
        var record = t.Record("big.bin")!.Value;
        var digest = new ObjectDigest(record.GetProperty("size").GetInt64(), record.GetProperty("part").GetInt64(),
            record.GetProperty("b3").GetString()!, record.GetProperty("crc").GetString());
        await using (var store = RemoteStore.Create(_s3.StoreOptions("manifest", 5 * MiB)))
        {
            var reader = await VerifiedReader.OpenAsync(store, key, digest, CancellationToken.None);
            Assert.NotNull(reader);
            var last = new byte[reader.Plan.LengthOf(2)];
            await reader.ReadPartAsync(2, last, CancellationToken.None);
            Assert.Equal(big.AsSpan(10 * MiB).ToArray(), last);
        }

        Assert.Equal(big, File.ReadAllBytes(m.M("big.bin"))); // the recall on open, as before
        File.Delete(m.M("big.bin"));
        Assert.True(Proc.WaitUntil(() => !t.Objects().ContainsKey(key) && !t.Objects().ContainsKey(manifestKey), TimeSpan.FromSeconds(30)),
            $"left in the bucket: {string.Join(", ", t.Objects().Keys)}\n{m.Log}");
        Assert.Equal([t.ObjectKeyOf("small.bin")], t.Objects().Keys);
    }
}
