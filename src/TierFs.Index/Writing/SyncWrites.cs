using TierFs.Index.Storage;

namespace TierFs.Index.Writing;

internal sealed class ArmSync(string pair) : IndexWrite
{
    public override void Apply(WriteStatements s) => Run(s.Adhoc("INSERT OR IGNORE INTO meta_sync (pair) VALUES ($1)", 1), pair);
    public override string ToString() => $"arm metadata sync of {pair}";
}

internal sealed class RecordSync(SyncState state) : IndexWrite
{
    public override void Apply(WriteStatements s)
    {
        Run(s.Adhoc(
                "INSERT INTO meta_sync (pair, generation, cursor, snapshot, chain, last_key, published_at) VALUES ($1, $2, $3, $4, $5, $6, $7) " +
                "ON CONFLICT (pair) DO UPDATE SET generation = excluded.generation, cursor = excluded.cursor, snapshot = excluded.snapshot, " +
                "chain = excluded.chain, last_key = excluded.last_key, published_at = excluded.published_at", 7),
            state.Pair, state.Generation, state.Cursor, state.Snapshot, (long)state.Chain, Db.Text(state.LastKey), state.PublishedAtMs);
        // A mount publishes one pair: a row of another name is a pair renamed in the configuration, whose
        // next publication (if it ever comes back) starts with a snapshot.
        Run(s.Adhoc("DELETE FROM meta_sync WHERE pair <> $1", 1), state.Pair);
        // Published: no later sync needs them.
        Run(s.Adhoc("DELETE FROM ns_changes WHERE seq <= $1", 1), state.Cursor);
    }

    public override string ToString() => $"record metadata sync of {state.Pair} generation {state.Generation}";
}
