using Microsoft.Data.Sqlite;
using TierFs.Index.Storage;
using TierFs.Records;

namespace TierFs.Index.Reading;

/// <summary>
/// One reader connection and its prepared queries; used by one thread at a time (see <see cref="ReadPool"/>).
/// Each query runs in its own implicit transaction, so it sees everything committed before it started.
/// </summary>
internal sealed class ReadSession : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _get;
    private readonly SqliteCommand _byState;
    private readonly SqliteCommand _due;
    private readonly SqliteCommand _countDeletes;
    private readonly SqliteCommand _recent;
    private readonly SqliteCommand _logAfter;
    private readonly SqliteCommand _logHighWater;

    private const string LogColumns = "id, at, op, path, file_id, bytes, duration_ms, ok, error, origin, seq";
    private readonly SqliteCommand _reference;
    private readonly SqliteCommand _referenceAnywhere;
    private readonly SqliteCommand _countForeign;

    /// <summary>The connection itself, for queries built per call (policy candidates).</summary>
    public SqliteConnection Connection => _connection;

    /// <summary>The namespace (entries) queries on the same connection.</summary>
    public EntryQueries Entries { get; }

    public ReadSession(SqliteConnection connection)
    {
        _connection = connection;
        _get = Create($"SELECT {TierColumns.SelectList} FROM tier WHERE dev = $dev AND ino = $ino",
            ("$dev", SqliteType.Integer), ("$ino", SqliteType.Integer));
        _byState = Create($"SELECT {TierColumns.SelectList} FROM tier WHERE state = $state", ("$state", SqliteType.Text));
        _due = Create(
            "SELECT object_key, due, reason, file_id, attempts, last_error, remote FROM pending_deletes " +
            "WHERE due <= $now AND ($remote IS NULL OR remote IS NULL OR remote = $remote) ORDER BY due, object_key LIMIT $limit",
            ("$now", SqliteType.Integer), ("$limit", SqliteType.Integer), ("$remote", SqliteType.Text));
        _reference = Create($"SELECT {TierColumns.SelectList} FROM tier WHERE file_id = $id AND object_key = $key AND state <> 'none' LIMIT 1",
            ("$key", SqliteType.Text), ("$id", SqliteType.Text));
        _referenceAnywhere = Create($"SELECT {TierColumns.SelectList} FROM tier WHERE object_key = $key AND state <> 'none' LIMIT 1", ("$key", SqliteType.Text));
        _countForeign = Create("SELECT remote, count(*) FROM tier WHERE remote IS NOT NULL AND remote <> $remote AND state <> 'none' GROUP BY remote ORDER BY remote", ("$remote", SqliteType.Text));
        _countDeletes = Create("SELECT count(*) FROM pending_deletes");
        // The newest n, returned oldest first, as `tail` shows them.
        _recent = Create(
            $"SELECT {LogColumns} FROM (SELECT * FROM oplog ORDER BY id DESC LIMIT $n) ORDER BY id",
            ("$n", SqliteType.Integer));
        _logAfter = Create($"SELECT {LogColumns} FROM oplog WHERE origin = $origin AND seq > $after ORDER BY seq LIMIT $n",
            ("$origin", SqliteType.Text), ("$after", SqliteType.Integer), ("$n", SqliteType.Integer));
        _logHighWater = Create("SELECT origin, max(seq) FROM oplog WHERE origin <> '' GROUP BY origin");
        Entries = new EntryQueries(connection);
    }

    public TierRow? Get(FileKey key)
    {
        _get.Parameters[0].Value = Db.Key(key.Dev);
        _get.Parameters[1].Value = Db.Key(key.Ino);
        using var r = _get.ExecuteReader();
        return r.Read() ? TierColumns.Read(r) : null;
    }

    public List<TierRow> LoadByState(string state)
    {
        _byState.Parameters[0].Value = state;
        using var r = _byState.ExecuteReader();
        var rows = new List<TierRow>();
        while (r.Read()) rows.Add(TierColumns.Read(r));
        return rows;
    }

    public List<PendingDelete> DueDeletes(long nowMs, int limit, string? remote)
    {
        _due.Parameters[0].Value = nowMs;
        _due.Parameters[1].Value = limit;
        _due.Parameters[2].Value = Db.Text(remote);
        using var r = _due.ExecuteReader();
        var due = new List<PendingDelete>();
        while (r.Read())
            due.Add(new PendingDelete(r.GetString(0), r.GetInt64(1), r.GetString(2), Db.Text(r, 3), r.GetInt32(4), Db.Text(r, 5), Db.Text(r, 6)));
        return due;
    }

    public TierRow? ReferenceTo(string objectKey, string? fileId)
    {
        var query = fileId is null ? _referenceAnywhere : _reference;
        query.Parameters[0].Value = objectKey;
        if (fileId is not null) query.Parameters[1].Value = fileId;
        using var r = query.ExecuteReader();
        return r.Read() ? TierColumns.Read(r) : null;
    }

    public List<(string Remote, long Count)> ForeignRemotes(string remote)
    {
        _countForeign.Parameters[0].Value = remote;
        using var r = _countForeign.ExecuteReader();
        var found = new List<(string, long)>();
        while (r.Read()) found.Add((r.GetString(0), r.GetInt64(1)));
        return found;
    }

    public long CountPendingDeletes() => (long)_countDeletes.ExecuteScalar()!;

    public List<OpLogEntry> RecentLog(int n)
    {
        _recent.Parameters[0].Value = n;
        return ReadLog(_recent);
    }

    public List<OpLogEntry> LogAfter(string origin, long after, int limit)
    {
        _logAfter.Parameters[0].Value = origin;
        _logAfter.Parameters[1].Value = after;
        _logAfter.Parameters[2].Value = limit;
        return ReadLog(_logAfter);
    }

    public Dictionary<string, long> LogHighWater()
    {
        using var r = _logHighWater.ExecuteReader();
        var marks = new Dictionary<string, long>(StringComparer.Ordinal);
        while (r.Read()) marks[r.GetString(0)] = r.GetInt64(1);
        return marks;
    }

    private static List<OpLogEntry> ReadLog(SqliteCommand query)
    {
        using var r = query.ExecuteReader();
        var entries = new List<OpLogEntry>();
        while (r.Read())
        {
            entries.Add(new OpLogEntry
            {
                Id = r.GetInt64(0),
                AtMs = r.GetInt64(1),
                Op = r.GetString(2),
                Path = Db.Text(r, 3),
                FileId = Db.Text(r, 4),
                Bytes = r.GetInt64(5),
                DurationMs = r.GetInt64(6),
                Ok = r.GetInt64(7) != 0,
                Error = Db.Text(r, 8),
                Origin = r.GetString(9),
                Seq = r.GetInt64(10),
            });
        }
        return entries;
    }

    public void Dispose()
    {
        Entries.Dispose();
        foreach (var command in new[] { _get, _byState, _due, _countDeletes, _recent, _logAfter, _logHighWater, _reference, _referenceAnywhere, _countForeign }) command.Dispose();
        _connection.Dispose();
    }

    private SqliteCommand Create(string sql, params (string Name, SqliteType Type)[] parameters) =>
        _connection.Prepare(sql, parameters);
}
