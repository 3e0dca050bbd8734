using TierFs.Posix;
using TierFs.Remote;

namespace TierFs.Tiering.Engine;

/// <summary>
/// A recall that serves reads while it runs: the parts land in the file one by one, each verified
/// against the part manifest bound to the stub's digest (<see cref="PartFetch"/>), and a read is
/// answered from the file once every part it covers has landed verified. A read at an offset not yet
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
    /// Reads <paramref name="into"/>'s length at <paramref name="offset"/> of <paramref name="fd"/>
    /// (the file under recall) once the parts it covers are verified: the byte count (short at the
    /// end of the file), or -EIO when a part it needs failed.
    /// </summary>
    public async Task<int> ReadAsync(int fd, long offset, Memory<byte> into)
    {
        if (offset >= length || into.Length == 0) return 0;
        var count = (int)Math.Min(into.Length, length - offset);
        var first = (int)(offset / fetch.Plan.PartSize);
        var last = (int)((offset + count - 1) / fetch.Plan.PartSize);
        for (var i = first; i <= last; i++)
        {
            if (fetch.IsVerified(i)) continue;
            fetch.Prioritize(fetch.Plan.OffsetOf(i));
            try { await fetch.WhenVerified(i).ConfigureAwait(false); }
            catch (Exception) { return -Errno.EIO; }
        }
        return ReadLanded(fd, offset, into[..count]);
    }

    private unsafe int ReadLanded(int fd, long offset, Memory<byte> into)
    {
        _dropping.EnterReadLock();
        try
        {
            if (_failed) return -Errno.EIO;
            using var pin = into.Pin();
            var done = 0;
            while (done < into.Length)
            {
                var n = Libc.PRead(fd, (byte*)pin.Pointer + done, (nuint)(into.Length - done), offset + done);
                if (n < 0 && Libc.Errno() == Errno.EINTR) continue;
                if (n < 0) return -Libc.Errno();
                if (n == 0) break;
                done += (int)n;
            }
            return done;
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
