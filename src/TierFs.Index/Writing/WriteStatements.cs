using Microsoft.Data.Sqlite;
using TierFs.Index.Storage;

namespace TierFs.Index.Writing;

/// <summary>
/// The writer connection's statements, each prepared once and re-bound per write: a write costs
/// a bind and a step, never a parse.
/// </summary>
internal sealed class WriteStatements : IDisposable
{
    private readonly SqliteCommand[] _all;
    private readonly SqliteConnection _connection;
    // Statements of rare writes (the daemon's jobs and retries), prepared on first use.
    private readonly Dictionary<string, SqliteCommand> _adhoc = [];
    private SqliteTransaction? _tx;

    public readonly SqliteCommand Upsert;
    public readonly SqliteParameter[] UpsertArgs;
    public readonly SqliteCommand Remove;
    public readonly SqliteCommand SetPair;
    public readonly SqliteCommand Enqueue;
    public readonly SqliteCommand Complete;
    public readonly SqliteCommand Reschedule;
    public readonly SqliteCommand Append;
    public readonly SqliteCommand Receive;
    public readonly RawStatement PutEntry;
    public readonly SqliteCommand DeleteEntryTree;
    public readonly SqliteCommand RecordScan;

    public WriteStatements(SqliteConnection connection)
    {
        _connection = connection;
        Upsert = Create(connection, TierColumns.UpsertSql);
        UpsertArgs = TierColumns.AddParameters(Upsert);
        Remove = Create(connection, "DELETE FROM tier WHERE dev = $dev AND ino = $ino", ("$dev", SqliteType.Integer), ("$ino", SqliteType.Integer));
        SetPair = Create(connection, "UPDATE tier SET pair = $pair WHERE dev = $dev AND ino = $ino",
            ("$dev", SqliteType.Integer), ("$ino", SqliteType.Integer), ("$pair", SqliteType.Text));
        // A second unlink of the same object moves its due time; its failure history stays.
        Enqueue = Create(connection,
            "INSERT INTO pending_deletes (object_key, due, reason, file_id, remote) VALUES ($key, $due, $reason, $file_id, $remote) " +
            "ON CONFLICT (object_key) DO UPDATE SET due = excluded.due, reason = excluded.reason, file_id = excluded.file_id, remote = excluded.remote",
            ("$key", SqliteType.Text), ("$due", SqliteType.Integer), ("$reason", SqliteType.Text), ("$file_id", SqliteType.Text), ("$remote", SqliteType.Text));
        Complete = Create(connection, "DELETE FROM pending_deletes WHERE object_key = $key", ("$key", SqliteType.Text));
        Reschedule = Create(connection,
            "UPDATE pending_deletes SET due = $due, attempts = attempts + 1, last_error = $error WHERE object_key = $key",
            ("$key", SqliteType.Text), ("$due", SqliteType.Integer), ("$error", SqliteType.Text));
        // The next sequence number of this node is taken inside the transaction: a batch retried after
        // a failure numbers its entries again, with no gap and no double.
        Append = Create(connection,
            "INSERT INTO oplog (at, op, path, file_id, bytes, duration_ms, ok, error, origin, seq) " +
            "SELECT $at, $op, $path, $file_id, $bytes, $duration, $ok, $error, $origin, coalesce(max(seq), 0) + 1 FROM oplog WHERE origin = $origin",
            ("$at", SqliteType.Integer), ("$op", SqliteType.Text), ("$path", SqliteType.Text), ("$file_id", SqliteType.Text),
            ("$bytes", SqliteType.Integer), ("$duration", SqliteType.Integer), ("$ok", SqliteType.Integer), ("$error", SqliteType.Text),
            ("$origin", SqliteType.Text));
        // A peer's entry: stored once, whatever the number of times it arrives.
        Receive = Create(connection,
            "INSERT OR IGNORE INTO oplog (at, op, path, file_id, bytes, duration_ms, ok, error, origin, seq) " +
            "VALUES ($at, $op, $path, $file_id, $bytes, $duration, $ok, $error, $origin, $seq)",
            ("$at", SqliteType.Integer), ("$op", SqliteType.Text), ("$path", SqliteType.Text), ("$file_id", SqliteType.Text),
            ("$bytes", SqliteType.Integer), ("$duration", SqliteType.Integer), ("$ok", SqliteType.Integer), ("$error", SqliteType.Text),
            ("$origin", SqliteType.Text), ("$seq", SqliteType.Integer));
        // A scan writes one per new or changed entry: bound by position through SQLite's own API.
        PutEntry = new RawStatement(connection, EntryColumns.UpsertSql);
        // (parent_id, name) is indexed, so each level of the walk down is an index lookup.
        DeleteEntryTree = Create(connection,
            "WITH RECURSIVE tree(id) AS (SELECT $id UNION ALL SELECT e.id FROM entries e JOIN tree ON e.parent_id = tree.id) " +
            "DELETE FROM entries WHERE id IN tree", ("$id", SqliteType.Integer));
        RecordScan = Create(connection,
            "INSERT OR REPLACE INTO scans (gen, started, finished, entries, new, changed, deleted, renamed, errors) " +
            "VALUES ($gen, $started, $finished, $entries, $new, $changed, $deleted, $renamed, $errors)",
            ("$gen", SqliteType.Integer), ("$started", SqliteType.Integer), ("$finished", SqliteType.Integer),
            ("$entries", SqliteType.Integer), ("$new", SqliteType.Integer), ("$changed", SqliteType.Integer),
            ("$deleted", SqliteType.Integer), ("$renamed", SqliteType.Integer), ("$errors", SqliteType.Integer));
        _all = [Upsert, Remove, SetPair, Enqueue, Complete, Reschedule, Append, Receive, DeleteEntryTree, RecordScan];
        foreach (var command in _all) command.Prepare();
    }

    /// <summary>Every statement runs in the batch's transaction.</summary>
    public void Enlist(SqliteTransaction? tx)
    {
        _tx = tx;
        foreach (var command in _all) command.Transaction = tx;
        foreach (var command in _adhoc.Values) command.Transaction = tx;
    }

    /// <summary>A rarely used statement with positional parameters $1..$n, prepared once, in the batch's transaction.</summary>
    public SqliteCommand Adhoc(string sql, int parameters)
    {
        if (!_adhoc.TryGetValue(sql, out var command))
        {
            command = _connection.CreateCommand();
            command.CommandText = sql;
            // No declared type: each is bound as what its value is (text or integer).
            for (var i = 1; i <= parameters; i++) command.Parameters.AddWithValue($"${i}", DBNull.Value);
            command.Prepare();
            _adhoc[sql] = command;
        }
        command.Transaction = _tx;
        return command;
    }

    public void Dispose()
    {
        foreach (var command in _all) command.Dispose();
        PutEntry.Dispose();
        foreach (var command in _adhoc.Values) command.Dispose();
    }

    private static SqliteCommand Create(SqliteConnection connection, string sql, params (string Name, SqliteType Type)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, type) in parameters) command.Parameters.Add(name, type);
        return command;
    }
}
