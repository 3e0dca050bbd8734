namespace TierFs.Namespace;

/// <summary>What one metadata sync did: the generation now latest, whether it is a snapshot, and what it sent.</summary>
public sealed record PublishResult(long Generation, bool Snapshot, bool Unchanged, long Puts, long Deletes, long Entries, long Bytes, double Seconds)
{
    public override string ToString() => Unchanged
        ? $"namespace unchanged: generation {Generation}, {Entries} entries"
        : $"published generation {Generation} ({(Snapshot ? "snapshot" : "delta")}): {Puts} entries{(Snapshot ? "" : $" changed, {Deletes} removed")}, " +
          $"{Entries} in all, {Bytes} bytes in {Seconds:0.00} s";
}
