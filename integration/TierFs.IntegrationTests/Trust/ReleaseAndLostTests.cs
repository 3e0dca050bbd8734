using TierFs.IntegrationTests.Harness;
using TierFs.IntegrationTests.Remote;
using static TierFs.IntegrationTests.Tiering.TierHarness;
using static TierFs.IntegrationTests.Trust.TrustHarness;

namespace TierFs.IntegrationTests.Trust;

/// <summary>
/// A release drops data only when the remote copy is there as archived; a failed recall is an EIO
/// for that open, never a verdict: `lost` is concluded by `tierfs check` alone, cleared by
/// `tierfs state --clear lost`, and a plain retry works once the cause is fixed.
/// </summary>
public sealed class ReleaseAndLostTests(S3ServerFixture fixture) : IClassFixture<S3ServerFixture>
{
    private const long StubBlocks = 16 * 1024 / 512;
    private readonly S3Server _s3 = fixture.Server;

    /// <summary>A file archived (not released) under <paramref name="name"/>: its data and its object key.</summary>
    private static (byte[] Data, string Key) Archived(S3TierMount t, string name, int seed)
    {
        var data = Content(900_000, seed);
        File.WriteAllBytes(t.M.M(name), data);
        var r = Tierfs("archive", t.M.M(name));
        Assert.True(r.ExitCode == 0, r.ToString());
        return (data, t.ObjectKeyOf(name));
    }

    [Fact]
    public void Release_of_an_archived_file_whose_object_is_gone_is_refused_and_keeps_the_data()
    {
        using var t = S3TierMount.Start(_s3, "release-gone/");
        var m = t.M;
        var (data, key) = Archived(t, "a.bin", seed: 21);
        t.Delete(key);

        var r = Tierfs("release", m.M("a.bin"));
        Assert.True(r.ExitCode == 1, r.ToString());
        var line = Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(m.M("a.bin"), line);
        Assert.Contains("missing", line);
        Assert.Contains("not released", line);
        Assert.True(t.BackingBlocks("a.bin") * 512 >= data.Length, "the data was dropped");
        Assert.Equal(data, File.ReadAllBytes(m.B("a.bin")));
        Assert.Equal("dirty", State(m.M("a.bin")));

        // The way out the line names: migrate uploads it again, then releases.
        Migrate(m.M("a.bin"));
        Assert.Equal("released", State(m.M("a.bin")));
        Assert.NotEqual(key, t.ObjectKeyOf("a.bin"));
        Assert.Equal(data, File.ReadAllBytes(m.M("a.bin")));
    }

    [Fact]
    public void Release_of_an_archived_file_whose_object_was_replaced_is_refused()
    {
        using var t = S3TierMount.Start(_s3, "release-replaced/");
        var m = t.M;
        var (data, key) = Archived(t, "a.bin", seed: 22);
        var forged = (byte[])data.Clone();
        forged[10] ^= 1;
        t.Put(key, forged, t.Head(key)!.Value.Meta);

        var r = Tierfs("release", m.M("a.bin"));
        Assert.True(r.ExitCode == 1 && r.Stderr.Contains("replaced") && r.Stderr.Contains("not released"), r.ToString());
        Assert.Equal(data, File.ReadAllBytes(m.B("a.bin")));
        Assert.Equal("dirty", State(m.M("a.bin")));
    }

    [Fact]
    public void Lost_is_concluded_by_check_cleared_by_state_and_a_lost_stub_is_recalled_when_its_object_is_back()
    {
        using var t = S3TierMount.Start(_s3, "lost-check/");
        var m = t.M;
        var data = Content(700_000, seed: 23);
        File.WriteAllBytes(m.M("l.bin"), data);
        File.WriteAllBytes(m.M("ok.bin"), Content(1000, seed: 24));
        Migrate(m.M("l.bin"));
        Migrate(m.M("ok.bin"));
        var key = t.ObjectKeyOf("l.bin");
        var meta = t.Head(key)!.Value.Meta;
        t.Delete(key);

        // An open fails, nothing concluded.
        Assert.Equal(Px.EIO, OpenErrno(m.M("l.bin")));
        Assert.Equal("released", State(m.M("l.bin")));

        // The explicit check against this (the right) remote concludes it.
        var r = Tierfs("check", m.M("l.bin"), m.M("ok.bin"));
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Contains(r.Stderr.Split('\n'), l => l.Contains(m.M("l.bin")) && l.Contains("missing"));
        Assert.DoesNotContain(m.M("ok.bin"), r.Stderr);
        Assert.Equal("lost", State(m.M("l.bin")));
        Assert.Equal("released", State(m.M("ok.bin")));
        Assert.True(t.BackingBlocks("l.bin") <= StubBlocks);

        // The administrator's own mark: cleared, and set again.
        r = Tierfs("state", "--clear", "lost", m.M("l.bin"));
        Assert.True(r.ExitCode == 0 && r.Stdout.Trim() == $"released {m.M("l.bin")}", r.ToString());
        r = Tierfs("state", "--set", "lost", m.M("l.bin"));
        Assert.True(r.ExitCode == 0 && r.Stdout.Trim() == $"lost {m.M("l.bin")}", r.ToString());
        File.WriteAllText(m.M("resident.txt"), "local");
        r = Tierfs("state", "--set", "lost", m.M("resident.txt"));
        Assert.True(r.ExitCode == 1 && r.Stderr.Contains("not a stub"), r.ToString());
        r = Tierfs("state", "--set", "lost", m.M("nonexistent"));
        Assert.True(r.ExitCode == 1, r.ToString());

        // The object comes back (restored from a backup): a plain open of the lost stub asks the remote again.
        t.Put(key, data, meta);
        Assert.Equal(data, File.ReadAllBytes(m.M("l.bin")));
        Assert.Equal("archived", State(m.M("l.bin")));

        // And check clears a lost mark whose object is there.
        Assert.True(Tierfs("state", "--set", "lost", m.M("ok.bin")).ExitCode == 0);
        Assert.Equal("lost", State(m.M("ok.bin")));
        r = Tierfs("check", m.M("ok.bin"));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("released", State(m.M("ok.bin")));
    }
}
