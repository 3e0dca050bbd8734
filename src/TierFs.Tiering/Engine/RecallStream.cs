using TierFs.Posix;
using TierFs.Remote;

namespace TierFs.Tiering.Engine;

/// <summary>
/// A recall that serves reads while it runs: the parts land in the file one by one, each verified
/// against the part manifest bound to the stub's digest (<see cref="PartFetch"/>), and a read is
/// answered from the file once every part it covers has landed verified (of the first part, the
/// leaves of its lead tree it covers, each verified on its own). A read at an offset not yet
/// fetched moves its part to the front. Once the recall fails, no read is served from the file
/// again (its data is being dropped): they fail with EIO.
/// </summary>
internal sealed class RecallStream(PartFetch fetch, long length)
{
    // Readers take it shared around their pread; a failed recall takes it exclusively before the
    // file's data is dropped, so that no reader can pread a hole that was a verified part a moment ago.
    private readonly ReaderWriterLockSlim _dropping = new();
    private bool _failed;
    private long _landed;

    public PartFetch Fetch => fetch;

    /// <summary>Bytes landed and verified so far.</summary>
    public long Landed => Interlocked.Read(ref _landed);

    public long Length => length;

    public void PartLanded(int index) => Interlocked.Add(ref _landed, fetch.Plan.LengthOf(index));

    /// <summary>
    /// A read of <paramref name="size"/> bytes at <paramref name="offset"/> of the file under recall:
    /// once the parts it covers are verified, calls <paramref name="serve"/> with the byte count to
    /// serve (short at the end of the file), holding off the drop of the file's data meanwhile, and
    /// returns its result; -EIO (serve not called) when a part it needs failed. Completes at once
    /// when those parts are verified already.
    /// </summary>
    public async Task<int> ServeAsync(long offset, int size, Func<int, int> serve)
    {
        if (offset >= length || size <= 0) return serve(0);
        var count = (int)Math.Min(size, length - offset);
        var first = (int)(offset / fetch.Plan.PartSize);
        var last = (int)((offset + count - 1) / fetch.Plan.PartSize);
        for (var i = first; i <= last; i++)
        {
            if (fetch.IsVerified(i)) continue;
            fetch.Prioritize(fetch.Plan.OffsetOf(i));
            // The bytes of this part the read needs: the first part's leaves are served as they land.
            var through = Math.Min(offset + count, fetch.Plan.OffsetOf(i) + fetch.Plan.LengthOf(i)) - fetch.Plan.OffsetOf(i);
            try { await fetch.WhenVerified(i, through).ConfigureAwait(false); }
            catch (Exception) { return -Errno.EIO; }
        }
        return ServeLanded(count, serve);
    }

    private int ServeLanded(int count, Func<int, int> serve)
    {
        _dropping.EnterReadLock();
        try
        {
            return _failed ? -Errno.EIO : serve(count);
        }
        finally
        {
            _dropping.ExitReadLock();
        }
    }

    /// <summary>The recall failed: from now on every read fails; returns once no reader is reading the file.</summary>
    public void Fail()
    {
        _dropping.EnterWriteLock();
        _failed = true;
        _dropping.ExitWriteLock();
    }
}
