using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using TierFs.Common;
using TierFs.Posix;
using TierFs.Records;
using TierFs.Remote;
using TierFs.Tiering.Control;

namespace TierFs.Tiering.Engine;

// `tierfs verify`: one file's record against the index's row (meta), its object (HEAD: object), its data (data); and what --repair may do.
public sealed partial class TierEngine
{
    /// <summary>Recalls under way now (openers waiting on one recall count once): a gauge of the metrics.</summary>
    public int RecallsInFlight => _recalls.Count;

    /// <summary>Which remote tier this mount's records name (a verify lists its objects).</summary>
    public string RemoteIdentity => _remoteId;

    /// <summary>
    /// Checks one file the index holds a record for (<paramref name="indexed"/>, at <paramref name="path"/>):
    /// the record in the file's xattr (the truth) against the index's row, then, from
    /// <see cref="VerifyLevel.Object"/> on, its object as a HEAD shows it (the release check), and at
    /// <see cref="VerifyLevel.Data"/> its whole data, downloaded and hashed with the digest a recall
    /// verifies (BLAKE3, or the MD5 form of older records; never the CRC alone). With
    /// <paramref name="listed"/> (a whole-mount run's listing) the object is taken from the listing
    /// where it can answer (<see cref="ListedCopyProblemAsync"/>). Changes nothing.
    /// </summary>
    public async Task<FileVerdict> VerifyFileAsync(string path, FileKey key, StubRecord indexed, VerifyLevel level, ListedCopies? listed, CancellationToken ct)
    {
        var findings = new List<VerifyFinding>();
        var fd = OpenUnderRoot(path, out var error);
        if (fd < 0)
            return Verdict(new VerifyFinding(VerifyKind.RecordIndex, path, indexed.ObjectKey,
                $"the index has a {indexed.State} record of {path} (inode {key}), but the file is not there: {error}"));
        StubRecord? record;
        try
        {
            var st = StubStore.Stat(fd);
            if ((st.Mode & Libc.S_IFMT) != Libc.S_IFREG || new FileKey(st.Dev, st.Ino) != key)
                return Verdict(new VerifyFinding(VerifyKind.RecordIndex, path, indexed.ObjectKey,
                    $"the index has a {indexed.State} record of inode {key} at {path}, but that path is inode {new FileKey(st.Dev, st.Ino)} now"));
            record = StubStore.Read(fd);
        }
        catch (Exception e) when (e is IOException or CorruptStubException)
        {
            return Verdict(new VerifyFinding(VerifyKind.RecordIndex, path, indexed.ObjectKey, $"the file's tier record cannot be read: {e.Message}"));
        }
        finally
        {
            Libc.Close(fd);
        }
        if (record is null)
            return Verdict(new VerifyFinding(VerifyKind.RecordIndex, path, indexed.ObjectKey, $"the file has no tier record, but the index has a {indexed.State} one"));
        if (Disagreement(record, indexed) is { } fields)
            findings.Add(new VerifyFinding(VerifyKind.RecordIndex, path, record.ObjectKey, $"the file's record and the index disagree: {fields}"));
        if (!record.HasArchive) return new FileVerdict(findings, false, 0, record);
        if (record.IsForeign(_remoteId))
        {
            findings.Add(new VerifyFinding(VerifyKind.Foreign, path, record.ObjectKey, $"archived to the remote tier {record.Remote}, not this mount's ({_remoteId}): not checked"));
            return new FileVerdict(findings, false, 0, record);
        }
        if (level == VerifyLevel.Meta) return new FileVerdict(findings, false, 0, record);

        try
        {
            var copy = listed is null ? RemoteCopyProblemAsync(record, ct) : ListedCopyProblemAsync(record, listed, ct);
            if (await copy.ConfigureAwait(false) is { } problem)
            {
                findings.Add(new VerifyFinding(problem.Kind switch
                {
                    RemoteCopyProblemKind.Missing => VerifyKind.Missing,
                    RemoteCopyProblemKind.SizeDiffers => VerifyKind.SizeDiffers,
                    _ => VerifyKind.ChecksumDiffers,
                }, path, record.ObjectKey, problem.Message));
                return new FileVerdict(findings, true, 0, record);
            }
            if (level == VerifyLevel.Data && await DataProblemAsync(record, ct).ConfigureAwait(false) is { } bad)
                findings.Add(bad with { Path = path });
        }
        catch (RemoteException e)
        {
            findings.Add(new VerifyFinding(VerifyKind.Error, path, record.ObjectKey, $"the remote tier could not say: {e.Message}"));
        }
        return new FileVerdict(findings, true, level == VerifyLevel.Data ? record.Size : 0, record);

        FileVerdict Verdict(VerifyFinding f) => new([f], false, 0, null);
    }

    /// <summary>
    /// The object check from a listing: an object listed at the archived size with the ETag the store
    /// gave at our upload is as archived. Its key names the file id, the generation and an attempt of
    /// its own, and that ETag at that key is that upload, so the file_id attribute a HEAD shows adds
    /// nothing. Anything else (not listed, another size or ETag, a record without an ETag, no
    /// listing) is asked of the store with a HEAD, the check a release makes: a listing alone never
    /// reports a difference (its page may be older than the object, or its ETag in another form).
    /// </summary>
    private async Task<RemoteCopyProblem?> ListedCopyProblemAsync(StubRecord record, ListedCopies listed, CancellationToken ct)
    {
        if (record.ETag is { } etag && await listed.FindAsync(record.ObjectKey!, ct).ConfigureAwait(false) is { } o
            && o.Length == record.Size && o.ETag == etag)
            return null;
        return await RemoteCopyProblemAsync(record, ct).ConfigureAwait(false);
    }

    /// <summary>The object's data, downloaded (into /dev/null: nothing is kept) and hashed as a recall would; null when it is the archived data.</summary>
    private async Task<VerifyFinding?> DataProblemAsync(StubRecord record, CancellationToken ct)
    {
        var (kind, expected, name) = record.Blake3 is { } b3
            ? (ChecksumKind.CompositeBlake3, b3, "BLAKE3 digest")
            : (ChecksumKind.ChunkedMd5, record.Checksum!, "MD5 checksum");
        using var sink = File.OpenHandle("/dev/null", FileMode.Open, FileAccess.Write);
        try
        {
            var result = await _remote.DownloadAsync(record.ObjectKey!, sink, record.Size, kind, null, ct).ConfigureAwait(false);
            return result.Checksum == expected ? null
                : new VerifyFinding(VerifyKind.ChecksumDiffers, null, record.ObjectKey, $"its remote copy {record.ObjectKey} has the {name} {result.Checksum}, the file was archived as {expected}");
        }
        catch (RemoteObjectMissingException)
        {
            return new VerifyFinding(VerifyKind.Missing, null, record.ObjectKey, $"its remote copy {record.ObjectKey} is missing");
        }
        catch (RemoteDataException e)
        {
            return new VerifyFinding(VerifyKind.SizeDiffers, null, record.ObjectKey, $"its remote copy {record.ObjectKey} is not as archived: {e.Message}");
        }
    }

    /// <summary>
    /// The fields of the record that the index must hold as the file does (state, identity, object,
    /// digests, size, flags, remote). Times are left out: a touch through the mount moves a stub's
    /// times in its record alone. A digest the index row lacks (written before schema 7) is not a difference.
    /// </summary>
    private static string? Disagreement(StubRecord file, StubRecord index)
    {
        var differs = new List<string>();
        void Compare(string name, object? a, object? b, bool indexMayLack = false)
        {
            if (indexMayLack && b is null) return;
            if (!Equals(a, b)) differs.Add($"{name} {a ?? "none"} (file) ≠ {b ?? "none"} (index)");
        }
        Compare("state", file.State, index.State);
        Compare("id", file.FileId, index.FileId);
        Compare("generation", file.Generation, index.Generation);
        Compare("object", file.ObjectKey, index.ObjectKey);
        Compare("size", file.Size, index.Size);
        Compare("checksum", file.Checksum, index.Checksum);
        Compare("b3", file.Blake3, index.Blake3, indexMayLack: true);
        Compare("etag", file.ETag, index.ETag);
        Compare("remote", file.Remote, index.Remote);
        Compare("dirty", file.Dirty, index.Dirty);
        Compare("flags", file.Flags, index.Flags);
        return differs.Count == 0 ? null : string.Join(", ", differs);
    }

    /// <summary>
    /// `tierfs verify --repair`: what can safely be done about one finding of a file, done (or, with
    /// <paramref name="dryRun"/>, only said). A file whose data is local (archived) and whose object is
    /// missing or not as archived is archived again (marked dirty first, so a release never trusts the
    /// old object); a stub whose object is missing is marked lost, as `tierfs check` does, never dropped;
    /// an index row that disagrees with the file's record takes the record. Returns what was (or would
    /// be) done, or why nothing can be.
    /// </summary>
    public async Task<(bool Repaired, string Note)> RepairAsync(VerifyFinding finding, FileKey key, bool dryRun, CancellationToken ct)
    {
        if (finding.Path is not { } path) return (false, "nothing to repair");
        if (finding.Kind is not (VerifyKind.Missing or VerifyKind.SizeDiffers or VerifyKind.ChecksumDiffers or VerifyKind.RecordIndex))
            return (false, "nothing to repair");
        var fd = OpenUnderRoot(path, out var error);
        if (fd < 0) return (false, $"not repaired: the file is not at {path} ({error}); if it was moved behind the mount, tierfs scan finds it");
        var st = StubStore.Stat(fd);
        using var f = new TierFile(path, fd, new FileKey(st.Dev, st.Ino), st);
        if (f.Key != key) return (false, $"not repaired: {path} is another file now (tierfs scan brings the index in step)");
        if (finding.Kind == VerifyKind.RecordIndex) return RepairIndexRow(f, dryRun);

        StubRecord? record;
        using (await _locks.EnterAsync(f.Key, ct).ConfigureAwait(false))
        {
            record = StubStore.Read(f.PathFd);
            if (record is null || record.ObjectKey != finding.ObjectKey) return (false, "not repaired: the file was archived again or recalled meanwhile");
            if (record.IsForeign(_remoteId)) return (false, Foreign(record));
            if (record.IsStub)
            {
                if (finding.Kind != VerifyKind.Missing)
                    return (false, "not repaired: the stub's remote copy is the only one and it is not as archived (restore the object from a backup; a recall refuses it)");
                if (record.State == StubRecord.StateLost) return (false, "already marked lost");
                if (dryRun) return (false, "would mark the stub lost (its data is only remote, and the object is gone)");
                var lost = record with { State = StubRecord.StateLost };
                StubStore.Write(f.PathFd, lost);
                Cache.Set(f.Key, lost);
                _journal.Recorded(f.Key, lost, f.Path, new LogLine("repair", f.Path, record.FileId, 0, TimeSpan.Zero, $"marked lost: {finding.Detail}"));
                Log.Warn(Source, $"verify --repair: {path}: {finding.Detail}; marked lost");
                return (true, "marked lost (its data is only remote, and the object is gone; restore it, then tierfs check)");
            }
            if (dryRun) return (false, "would archive the file again (its data is local)");
            // The old object is no copy: nothing may release the file on its strength.
            if (!record.Dirty)
            {
                var stale = record with { Dirty = true };
                StubStore.Write(f.PathFd, stale);
                Cache.Set(f.Key, stale);
                _journal.Recorded(f.Key, stale, f.Path);
            }
        }
        // Archived as the file is now: the record just written moved its ctime, which the upload's change check compares.
        var dup = Libc.Dup(f.PathFd);
        if (dup < 0) return (false, $"not repaired: cannot duplicate its descriptor: {Marshal.GetPInvokeErrorMessage(Libc.Errno())} (the file stays local and dirty)");
        using var again = new TierFile(path, dup, f.Key, StubStore.Stat(f.PathFd));
        using var transfer = Transfers.Begin(f.Key, f.Path, "archiving", f.Size);
        var why = await ArchiveAsync(again, transfer, ct).ConfigureAwait(false);
        if (why is not null) return (false, $"not repaired: archiving again failed: {why} (the file stays local and dirty)");
        var now = StubStore.Read(f.PathFd);
        Log.Warn(Source, $"verify --repair: {path}: {finding.Detail}; archived again as {now?.ObjectKey}");
        return (true, $"archived again as {now?.ObjectKey}");
    }

    /// <summary>The index's row takes the file's record (the file is the truth); a file without a record leaves the index.</summary>
    private (bool, string) RepairIndexRow(TierFile f, bool dryRun)
    {
        StubRecord? record;
        try { record = StubStore.Read(f.PathFd); }
        catch (Exception e) when (e is IOException or CorruptStubException) { return (false, $"not repaired: the record cannot be read: {e.Message}"); }
        if (dryRun) return (false, record is null ? "would drop the index's row (the file has no record)" : "would write the file's record into the index");
        if (record is null) _journal.Forgotten(f.Key);
        else _journal.Recorded(f.Key, record, f.Path);
        return (true, record is null ? "the index's row dropped (the file has no record)" : "the index took the file's record");
    }
}
