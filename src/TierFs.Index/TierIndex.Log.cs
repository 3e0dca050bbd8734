using TierFs.Index.Writing;
using TierFs.Records;

namespace TierFs.Index;

// The operation log: this node's entries, and its peer's, each once.
public sealed partial class TierIndex
{
    /// <summary>The origin of the entries this node writes (`node.name`).</summary>
    public string NodeName => _options.NodeName;

    /// <summary>Appends an entry of this node (its origin and next sequence number are given at commit).</summary>
    public void AppendLog(OpLogEntry entry) => _writer.Enqueue(LocalEntry(entry));

    /// <summary>A record change and the entry that describes it, committed together or not at all.</summary>
    public void UpsertWithLog(TierRow row, OpLogEntry entry)
    {
        CheckRow(row);
        _writer.Enqueue(new Together(new UpsertTier(row), LocalEntry(entry)));
    }

    /// <summary>A record forgotten and the entry that describes it, committed together or not at all.</summary>
    public void RemoveWithLog(FileKey key, OpLogEntry entry) => _writer.Enqueue(new Together(new RemoveTier(key), LocalEntry(entry)));

    /// <summary>
    /// A peer's entries (each with its origin and sequence), stored in one transaction; an entry
    /// already here is not stored again. In the order given, which is each origin's order.
    /// </summary>
    public void ReceiveLog(IReadOnlyList<OpLogEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0) return;
        foreach (var e in entries)
            if (e.Origin.Length == 0 || e.Seq <= 0) throw new ArgumentException($"a received entry needs its origin and sequence ({e.Origin}:{e.Seq})", nameof(entries));
        _writer.Enqueue(new ReceiveLog(entries));
    }

    /// <summary>The highest sequence number held of each origin: what this node has of everyone's log.</summary>
    public IReadOnlyDictionary<string, long> LogHighWater() => _readers.Use(s => s.LogHighWater());

    /// <summary>Entries of <paramref name="origin"/> above <paramref name="after"/>, in sequence order, at most <paramref name="limit"/>.</summary>
    public IReadOnlyList<OpLogEntry> LogAfter(string origin, long after, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        return _readers.Use(s => s.LogAfter(origin, after, limit));
    }

    /// <summary>The newest <paramref name="n"/> entries, oldest first.</summary>
    public IReadOnlyList<OpLogEntry> RecentLog(int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        return n == 0 ? [] : _readers.Use(s => s.RecentLog(n));
    }

    private AppendLog LocalEntry(OpLogEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentException.ThrowIfNullOrEmpty(entry.Op, nameof(entry));
        return new AppendLog(entry, _options.NodeName);
    }

    /// <summary>Entries written before the log had origins are this node's: they take its name and sequence numbers after its own.</summary>
    private void AdoptUnnamedLog() => _writer.Run(connection =>
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT coalesce(max(seq), 0) FROM oplog WHERE origin = $origin";
        command.Parameters.AddWithValue("$origin", _options.NodeName);
        var after = (long)command.ExecuteScalar()!;
        // In id order, after this node's own: the base is read once (the table changes as rows are adopted).
        command.CommandText = "UPDATE oplog SET origin = $origin, seq = $after + id WHERE origin = ''";
        command.Parameters.AddWithValue("$after", after);
        var adopted = command.ExecuteNonQuery();
        if (adopted > 0) Common.Log.Info(Source, $"{Path}: {adopted} operation log entries written before origins were kept are {_options.NodeName}'s");
    });
}
