using System.Security.Cryptography;
using TierFs.Records;
using TierFs.Remote;
using TierFs.Tests.Fakes;
using TierFs.Tiering.Control;
using TierFs.Tiering.Engine;

namespace TierFs.Tests.Tiering;

/// <summary>
/// A whole-mount verify at object level takes each object's size and ETag from the listing it makes
/// anyway (<see cref="ListedCopies"/>) and asks the store with a HEAD only where the listing cannot
/// answer: an object it does not hold, another size or ETag, a record without an ETag, a listing that
/// failed. A listing never reports a difference by itself; a HEAD confirms it.
/// </summary>
public sealed class VerifyFromListingTests
{
    private const int Size = 200_000;

    [Fact]
    public async Task Objects_the_listing_shows_as_archived_are_answered_without_a_HEAD()
    {
        using var h = new EngineHarness();
        var files = new List<Archived>();
        for (var i = 0; i < 20; i++) files.Add(await Archive(h, $"f{i}"));
        var heads = h.Remote.Heads;
        var listed = Listing(h.Remote);

        foreach (var f in files)
        {
            var verdict = await Verify(h, f, listed);
            Assert.Empty(verdict.Findings);
            Assert.True(verdict.ObjectChecked);
        }
        Assert.Equal(heads, h.Remote.Heads);
        Assert.Equal(1, h.Remote.Lists);

        // Without a listing (verify by PATH, release, check) each object is still a HEAD.
        foreach (var f in files) Assert.Empty((await Verify(h, f, null)).Findings);
        Assert.Equal(heads + files.Count, h.Remote.Heads);
    }

    [Fact]
    public async Task An_object_the_listing_left_out_is_asked_with_a_HEAD_and_is_not_reported_missing()
    {
        using var h = new EngineHarness();
        var late = await Archive(h, "late.bin");
        var gone = await Archive(h, "gone.bin");
        h.Remote.ListOmits = k => k == late.Record.ObjectKey || k == gone.Record.ObjectKey;
        var listed = Listing(h.Remote);
        var heads = h.Remote.Heads;

        Assert.Empty((await Verify(h, late, listed)).Findings);
        Assert.Equal(heads + 1, h.Remote.Heads);
        // Not listed and not there either: the HEAD says missing.
        h.Remote.Remove(gone.Record.ObjectKey!);
        Assert.Equal(VerifyKind.Missing, Assert.Single((await Verify(h, gone, listed)).Findings).Kind);
        Assert.Equal(heads + 2, h.Remote.Heads);
    }

    [Fact]
    public async Task Deleted_truncated_and_replaced_objects_are_found_each_confirmed_by_a_HEAD()
    {
        using var h = new EngineHarness();
        var ok = await Archive(h, "ok.bin");
        var gone = await Archive(h, "gone.bin");
        var shorter = await Archive(h, "short.bin");
        var swapped = await Archive(h, "swapped.bin");
        h.Remote.Remove(gone.Record.ObjectKey!);
        h.Remote.Replace(shorter.Record.ObjectKey!, RandomNumberGenerator.GetBytes(150_000));
        h.Remote.Replace(swapped.Record.ObjectKey!, RandomNumberGenerator.GetBytes(Size)); // the same size, another ETag
        var listed = Listing(h.Remote);
        var heads = h.Remote.Heads;

        Assert.Empty((await Verify(h, ok, listed)).Findings);
        var missing = Assert.Single((await Verify(h, gone, listed)).Findings);
        Assert.Equal(VerifyKind.Missing, missing.Kind);
        Assert.Contains("is missing", missing.Detail);
        var size = Assert.Single((await Verify(h, shorter, listed)).Findings);
        Assert.Equal(VerifyKind.SizeDiffers, size.Kind);
        Assert.Contains("has 150000 bytes, not the 200000 archived", size.Detail);
        var etag = Assert.Single((await Verify(h, swapped, listed)).Findings);
        Assert.Equal(VerifyKind.ChecksumDiffers, etag.Kind);
        Assert.Contains("was replaced (ETag", etag.Detail);
        Assert.Equal(heads + 3, h.Remote.Heads);
    }

    [Fact]
    public async Task A_listed_ETag_in_another_form_or_a_stale_size_raises_no_difference_the_HEAD_decides()
    {
        using var h = new EngineHarness();
        var f = await Archive(h, "a.bin");
        var key = f.Record.ObjectKey!;
        var asListed = new RemoteObjectInfo(key, f.Record.Size, ObjectAttributes.None, f.Record.ETag, DateTimeOffset.UtcNow, null);
        var heads = h.Remote.Heads;
        foreach (var odd in new[] { asListed with { ETag = $"\"{f.Record.ETag}\"" }, asListed with { ETag = null }, asListed with { Length = 1 } })
            Assert.Empty((await Verify(h, f, new ListedCopies(Task.FromResult<List<ListedObject>>([new(odd, false)])))).Findings);
        Assert.Equal(heads + 3, h.Remote.Heads);
        // A part manifest listed under the object's key is not the object.
        var manifestOnly = new ListedCopies(Task.FromResult<List<ListedObject>>([new(asListed, true)]));
        Assert.Empty((await Verify(h, f, manifestOnly)).Findings);
        Assert.Equal(heads + 4, h.Remote.Heads);
    }

    [Fact]
    public async Task A_record_without_an_ETag_or_a_listing_that_failed_is_asked_with_a_HEAD()
    {
        using var h = new EngineHarness();
        var older = await Archive(h, "older.bin");
        var f = await Archive(h, "a.bin");
        // A record written before ETags were kept.
        var noETag = older.Record with { ETag = null };
        h.SetRecord("older.bin", noETag);
        older = older with { Record = noETag };
        var listed = Listing(h.Remote);
        var heads = h.Remote.Heads;
        Assert.Empty((await Verify(h, older, listed)).Findings);
        Assert.Equal(heads + 1, h.Remote.Heads);

        h.Remote.Fail = (op, _) => op == FakeOp.List ? new RemoteUnavailableException("the listing broke off") : null;
        var failed = Listing(h.Remote);
        Assert.Empty((await Verify(h, f, failed)).Findings);
        Assert.Equal(heads + 2, h.Remote.Heads);
        // The failure is the listing's own to report (the orphan check awaits it).
        await Assert.ThrowsAsync<RemoteUnavailableException>(() => ListAsync(h.Remote));
    }

    private sealed record Archived(string Name, FileKey Key, StubRecord Record);

    private static async Task<Archived> Archive(EngineHarness h, string name)
    {
        h.Write(name, RandomNumberGenerator.GetBytes(Size));
        var r = await h.Run(TierOp.Archive, name);
        Assert.True(r.Ok, r.Error);
        var record = h.Record(name)!;
        Assert.NotNull(record.ETag);
        return new Archived(name, h.Key(name), record);
    }

    private static Task<FileVerdict> Verify(EngineHarness h, Archived f, ListedCopies? listed) =>
        h.Engine.VerifyFileAsync(f.Name, f.Key, f.Record, VerifyLevel.Object, listed, default);

    private static ListedCopies Listing(IRemoteStore remote) => new(ListAsync(remote));

    private static async Task<List<ListedObject>> ListAsync(IRemoteStore remote)
    {
        var listed = new List<ListedObject>();
        await foreach (var o in remote.ListWithManifestsAsync("data/", default)) listed.Add(o);
        return listed;
    }
}
