using Microsoft.Data.Sqlite;
using TierFs.Index.Storage;
using TierFs.Records;

namespace TierFs.Index.Reading;

/// <summary>
/// A consistent cut of the namespace for a metadata sync: one read transaction on a connection of
/// its own, pinned (WAL) at its first read, so every row read through it, the whole namespace or
/// the changes, is as of that one moment, whatever the writer commits meanwhile. The caller takes it
/// while no scan or live batch is half applied (the index keeper's lock); reading then needs no lock.
/// </summary>
public sealed class SyncCut : IDisposable
{
    private const string EntrySelect =
        "e.id, e.parent_id, e.name, e.type, e.dev, e.ino, e.nlink, e.mode, e.uid, e.gid, e.size, e.blocks, e.atime, e.mtime, e.ctime, e.target, e.scan";
    private const int TierAt = 17;
    private static readonly int Columns = TierColumns.Names.Count;

    private readonly SqliteConnection _connection;
    private readonly SqliteTransaction _tx;

    /// <summary>Takes over <paramref name="connection"/> (a reader's of its own), also when this throws.</summary>
    internal SyncCut(SqliteConnection connection, string pair)
    {
        _connection = connection;
        try
        {
            _tx = _connection.BeginTransaction(deferred: true);
            // The first read pins the snapshot: the high water and the state are of the same moment as every row after.
            HighWater = Scalar("SELECT coalesce(max(seq), 0) FROM ns_changes");
            State = ReadState(pair);
        }
        catch
        {
            _connection.Dispose();
            throw;
        }
    }

    /// <summary>Every change noted up to the cut has a seq at most this.</summary>
    public long HighWater { get; }

    /// <summary>What was last published of the pair, as of the cut (null: never).</summary>
    public SyncState? State { get; }

    /// <summary>Entries in the tree as of the cut (the root included; rows parked by a scan left out).</summary>
    public long CountEntries() => Scalar($"SELECT count(*) FROM entries WHERE parent_id >= 0 OR id = {EntryRow.RootId}");

    /// <summary>Every entry in the tree (the root included; rows parked by a scan left out), in id order, with its path when asked.</summary>
    public long ReadAll(Action<SyncRow> visit, bool withPaths = false)
    {
        using var command = Command(
            $"SELECT {EntrySelect}, {TierColumns.SelectListOf("t")}{(withPaths ? ", path(e.parent_id, e.name)" : "")} FROM entries e " +
            "LEFT JOIN tier t ON e.type = 'f' AND t.dev = e.dev AND t.ino = e.ino " +
            "WHERE e.parent_id >= 0 OR e.id = $root ORDER BY e.id");
        command.Parameters.AddWithValue("$root", EntryRow.RootId);
        using var r = command.ExecuteReader();
        long n = 0;
        while (r.Read())
        {
            visit(withPaths ? ReadRow(r) with { Path = r.IsDBNull(TierAt + Columns) ? "" : r.GetString(TierAt + Columns) } : ReadRow(r));
            n++;
        }
        return n;
    }

    /// <summary>
    /// Each entry changed after <paramref name="after"/> up to the cut, once: its row now, or null
    /// when it is gone (or parked by a scan, which counts as gone until the scan puts it back,
    /// noting it again). A tier row's change stands for every name of its inode.
    /// </summary>
    public long ReadChanged(long after, Action<long, SyncRow?> visit, bool withPaths = false)
    {
        using var command = Command(
            "WITH changed(id) AS (" +
            "  SELECT entry_id FROM ns_changes WHERE seq > $after AND seq <= $to AND entry_id IS NOT NULL" +
            "  UNION" +
            "  SELECT e.id FROM ns_changes c JOIN entries e ON e.ino = c.ino AND e.dev = c.dev WHERE c.seq > $after AND c.seq <= $to AND c.entry_id IS NULL) " +
            $"SELECT changed.id, {EntrySelect}, {TierColumns.SelectListOf("t")}{(withPaths ? ", path(e.parent_id, e.name)" : "")} FROM changed " +
            "LEFT JOIN entries e ON e.id = changed.id " +
            "LEFT JOIN tier t ON e.type = 'f' AND t.dev = e.dev AND t.ino = e.ino ORDER BY changed.id");
        command.Parameters.AddWithValue("$after", after);
        command.Parameters.AddWithValue("$to", HighWater);
        using var r = command.ExecuteReader();
        long n = 0;
        while (r.Read())
        {
            var id = r.GetInt64(0);
            var gone = r.IsDBNull(1) || (r.GetInt64(2) < 0 && id != EntryRow.RootId);
            var row = gone ? null : ReadRow(r, 1);
            if (row is not null && withPaths) row = row with { Path = r.IsDBNull(1 + TierAt + Columns) ? "" : r.GetString(1 + TierAt + Columns) };
            visit(id, row);
            n++;
        }
        return n;
    }

    private static SyncRow ReadRow(SqliteDataReader r, int at = 0)
    {
        var entry = new EntryRow
        {
            Id = r.GetInt64(at),
            ParentId = r.GetInt64(at + 1),
            Name = r.GetString(at + 2),
            Type = r.GetString(at + 3),
            Key = new FileKey(Db.Key(r.GetInt64(at + 4)), Db.Key(r.GetInt64(at + 5))),
            Nlink = r.GetInt64(at + 6),
            Mode = r.GetInt64(at + 7),
            Uid = r.GetInt64(at + 8),
            Gid = r.GetInt64(at + 9),
            Size = r.GetInt64(at + 10),
            Blocks = r.GetInt64(at + 11),
            AtimeNs = r.GetInt64(at + 12),
            MtimeNs = r.GetInt64(at + 13),
            CtimeNs = r.GetInt64(at + 14),
            Target = Db.Text(r, at + 15),
            Scan = r.GetInt64(at + 16),
        };
        var tier = r.IsDBNull(at + TierAt) ? null : TierColumns.Read(r, at + TierAt);
        return new SyncRow(entry, tier);
    }

    private SyncState? ReadState(string pair)
    {
        using var command = Command("SELECT pair, generation, cursor, snapshot, chain, last_key, published_at FROM meta_sync WHERE pair = $pair");
        command.Parameters.AddWithValue("$pair", pair);
        using var r = command.ExecuteReader();
        return r.Read() ? new SyncState(r.GetString(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetInt32(4), Db.Text(r, 5), r.GetInt64(6)) : null;
    }

    private long Scalar(string sql)
    {
        using var command = Command(sql);
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private SqliteCommand Command(string sql)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = _tx;
        return command;
    }

    public void Dispose()
    {
        _tx.Dispose();
        _connection.Dispose();
    }
}
