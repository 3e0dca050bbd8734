using TierFs.Index;
using TierFs.Tiering.Engine;

namespace TierFs.Ops.Verify;

/// <summary>A run's counts, added to from many workers at once.</summary>
internal sealed class VerifyTally
{
    private long _files, _objects, _bytes, _bytesChecked, _repaired, _done;
    private readonly long[] _kinds = new long[Enum.GetValues<VerifyKind>().Length];

    public long Done => Interlocked.Read(ref _done);

    /// <summary>The archived bytes of the objects checked (their size at object level, their data at data level).</summary>
    public long BytesChecked => Interlocked.Read(ref _bytesChecked);

    public long Differences
    {
        get
        {
            long n = 0;
            foreach (var k in Enum.GetValues<VerifyKind>())
                if (VerifyKinds.IsDifference(k)) n += Interlocked.Read(ref _kinds[(int)k]);
            return n;
        }
    }

    public void File(FileVerdict verdict)
    {
        Interlocked.Increment(ref _files);
        Interlocked.Increment(ref _done);
        if (verdict.ObjectChecked)
        {
            Interlocked.Increment(ref _objects);
            Interlocked.Add(ref _bytesChecked, verdict.Record?.Size ?? 0);
        }
        Interlocked.Add(ref _bytes, verdict.BytesRead);
    }

    public void Finding(VerifyKind kind) => Interlocked.Increment(ref _kinds[(int)kind]);

    public void Repaired() => Interlocked.Increment(ref _repaired);

    public long Count(VerifyKind kind) => Interlocked.Read(ref _kinds[(int)kind]);

    public VerifyRunRow Into(VerifyRunRow row) => row with
    {
        Files = Interlocked.Read(ref _files),
        Objects = Interlocked.Read(ref _objects),
        Bytes = Interlocked.Read(ref _bytes),
        Missing = Count(VerifyKind.Missing),
        SizeDiffers = Count(VerifyKind.SizeDiffers),
        ChecksumDiffers = Count(VerifyKind.ChecksumDiffers),
        Orphans = Count(VerifyKind.Orphan),
        RecordIndex = Count(VerifyKind.RecordIndex),
        Foreign = Count(VerifyKind.Foreign),
        Errors = Count(VerifyKind.Error),
        Repaired = Interlocked.Read(ref _repaired),
    };
}
