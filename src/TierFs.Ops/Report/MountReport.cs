using TierFs.Records;
using System.Globalization;
using TierFs.Index;

namespace TierFs.Ops.Report;

public sealed record StateTotal(string State, long Files, long Bytes, long OnDisk);

public sealed record OwnerTotal(long Uid, string? User, long Files, long Bytes);

public sealed record DirTotal(string Path, long Files, long Bytes);

public sealed record PairTotal(string? Pair, long Objects, long Bytes);

public sealed record DeleteQueue(long Count, long DueNow, DateTimeOffset? OldestDue);

public sealed record LastScan(long Generation, DateTimeOffset Started, DateTimeOffset Finished, long Entries);

/// <summary>Recalls of one user or one command in the report's period: how many, how many failed, the bytes that landed, the time they took.</summary>
public sealed record RecallTotal(string Who, long? Uid, long Recalls, long Failed, long Bytes, TimeSpan Took);

/// <summary>The recalls section: since when, by user, by command, by trigger (open, truncate, command, resolve, policy).</summary>
public sealed record RecallSummary(DateTimeOffset Since, IReadOnlyList<RecallTotal> ByUser, IReadOnlyList<RecallTotal> ByCommand,
    IReadOnlyList<RecallTotal> ByTrigger);

/// <summary>
/// What tierfs report shows, read from the index in a few aggregate queries. Files are regular
/// files; bytes are their sizes (a released file counts its full size; on-disk bytes show what
/// releasing freed). Top directories count everything below them, found by walking only the
/// directories (a recursive CTE) and summing files per parent, so 1M files cost two passes.
/// </summary>
public sealed record MountReport(
    string IndexPath,
    int Schema,
    LastScan? LastScan,
    IReadOnlyList<StateTotal> States,
    IReadOnlyList<OwnerTotal> Owners,
    int Depth,
    IReadOnlyList<DirTotal> TopDirectories,
    IReadOnlyList<PairTotal> Remote,
    DeleteQueue PendingDeletes,
    RecallSummary? Recalls = null)
{
    public static readonly IReadOnlyList<string> AllStates = TierStateNames.All;

    /// <summary>The schema that has the recalls table (an index an older mount wrote has none: no section).</summary>
    private const int RecallsSchema = 10;

    public static MountReport Collect(ReadOnlyIndex index, int depth, int top, DateTimeOffset now, DateTimeOffset? recallsSince = null)
    {
        var owners = Rows(index, "SELECT uid, count(*), coalesce(sum(size), 0) FROM entries WHERE type = 'f' AND parent_id >= 0 GROUP BY uid ORDER BY 3 DESC, 1")
            .Select(r => new OwnerTotal((long)r[0]!, UserNames.Of((long)r[0]!), (long)r[1]!, (long)r[2]!)).ToList();
        return new MountReport(
            index.Path, index.SchemaVersion, LastScanOf(index), StateTotals(index),
            owners, depth, DirectoriesAt(index, depth, top), RemoteTotals(index), DeleteQueueOf(index, now),
            index.SchemaVersion >= RecallsSchema ? RecallsSince(index, recallsSince ?? now.AddDays(-7)) : null);
    }
    // Recalls asked for from `since` on, summed by uid, by command and by trigger (what the
    // daemon's recall policies brought back apart from users' opens); most bytes first.
    private static RecallSummary RecallsSince(ReadOnlyIndex index, DateTimeOffset since)
    {
        var from = since.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        List<object?[]> By(string column) => [.. Rows(index,
            $"SELECT {column}, count(*), coalesce(sum(result <> 'ok'), 0), coalesce(sum(bytes), 0), coalesce(sum(ended - started), 0) " +
            $"FROM recalls WHERE started >= {from} GROUP BY {column} ORDER BY 4 DESC, 2 DESC, 1")];
        static RecallTotal Total(object?[] r, string who, long? uid) =>
            new(who, uid, (long)r[1]!, (long)r[2]!, (long)r[3]!, TimeSpan.FromMilliseconds((long)r[4]!));
        return new RecallSummary(since,
            By("uid").Select(r => Total(r, UserNames.Of((long)r[0]!) ?? "?", (long)r[0]!)).ToList(),
            By("command").Select(r => Total(r, (string)r[0]!, null)).ToList(),
            By("trigger").Select(r => Total(r, (string)r[0]!, null)).ToList());
    }

    /// <summary>Regular files by state (every state, zeros included): what the report, the metrics and the status page show.</summary>
    public static IReadOnlyList<StateTotal> StateTotals(ReadOnlyIndex index)
    {
        var states = Rows(index, "SELECT state, count(*), coalesce(sum(size), 0), coalesce(sum(blocks), 0) * 512 FROM files WHERE type = 'f' GROUP BY state")
            .ToDictionary(r => (string)r[0]!, r => new StateTotal((string)r[0]!, (long)r[1]!, (long)r[2]!, (long)r[3]!));
        return AllStates.Select(s => states.GetValueOrDefault(s) ?? new StateTotal(s, 0, 0, 0))
            .Concat(states.Values.Where(s => !AllStates.Contains(s.State))).ToList();
    }

    /// <summary>What the remote tier holds by the records (objects of archived and released files), by pair.</summary>
    public static IReadOnlyList<PairTotal> RemoteTotals(ReadOnlyIndex index) =>
        Rows(index, "SELECT pair, count(*), coalesce(sum(size), 0) FROM tier WHERE object_key IS NOT NULL GROUP BY pair ORDER BY pair")
            .Select(r => new PairTotal((string?)r[0], (long)r[1]!, (long)r[2]!)).ToList();

    public static DeleteQueue DeleteQueueOf(ReadOnlyIndex index, DateTimeOffset now)
    {
        var deletes = Rows(index, $"SELECT count(*), min(due), coalesce(sum(due <= {now.ToUnixTimeMilliseconds()}), 0) FROM pending_deletes").Single();
        return new DeleteQueue((long)deletes[0]!, (long)deletes[2]!, deletes[1] is long due ? Time(due) : null);
    }

    public static LastScan? LastScanOf(ReadOnlyIndex index) =>
        Rows(index, "SELECT gen, started, finished, entries FROM scans ORDER BY gen DESC LIMIT 1")
            .Select(r => new LastScan((long)r[0]!, Time((long)r[1]!), Time((long)r[2]!), (long)r[3]!)).SingleOrDefault();

    // Each directory at the given depth with the files of every directory below it: the CTE
    // pairs every directory with its ancestor at that depth, the second part sums files per parent.
    private static List<DirTotal> DirectoriesAt(ReadOnlyIndex index, int depth, int top)
    {
        var d = depth.ToString(CultureInfo.InvariantCulture);
        var sql = $"""
            WITH RECURSIVE
            under(id, top, depth) AS (
                SELECT id, CASE WHEN {d} = 1 THEN id END, 1 FROM entries WHERE parent_id = {EntryRow.RootId} AND type = 'd'
                UNION ALL
                SELECT e.id, coalesce(u.top, CASE WHEN u.depth + 1 = {d} THEN e.id END), u.depth + 1
                FROM under u JOIN entries e ON e.parent_id = u.id
                WHERE e.type = 'd' AND (u.top IS NOT NULL OR u.depth < {d})),
            direct(dir, files, bytes) AS (
                SELECT parent_id, count(*), sum(size) FROM entries WHERE type = 'f' AND parent_id > 0 GROUP BY parent_id)
            SELECT path(u.top), sum(direct.files), sum(direct.bytes)
            FROM under u JOIN direct ON direct.dir = u.id
            WHERE u.top IS NOT NULL
            GROUP BY u.top ORDER BY 3 DESC, 1 LIMIT {top.ToString(CultureInfo.InvariantCulture)}
            """;
        return Rows(index, sql).Select(r => new DirTotal((string?)r[0] ?? "?", (long)r[1]!, (long)r[2]!)).ToList();
    }

    private static IReadOnlyList<object?[]> Rows(ReadOnlyIndex index, string sql)
    {
        using var cursor = index.Query(sql);
        return cursor.Collect(int.MaxValue).Rows;
    }

    private static DateTimeOffset Time(long unixMs) => DateTimeOffset.FromUnixTimeMilliseconds(unixMs);
}
