using System.Diagnostics;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace TierFs.Index;

/// <summary>
/// Bounds on one user query (`tierfs query`): the time SQLite may spend on it (checked by its
/// progress handler, which interrupts the statement), the largest value it may build
/// (SQLITE_LIMIT_LENGTH: a string or blob past it fails with "string or blob too big"), and the
/// memory SQLite may hold in all (sqlite3_hard_heap_limit64, process-wide: the `tierfs query`
/// process runs this one query). Time spent writing rows out does not count.
/// </summary>
public sealed record QueryLimits
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);
    public const long DefaultMaxMemory = 512L << 20;
    public const int DefaultMaxValue = 64 << 20;

    /// <summary>Zero: no limit.</summary>
    public TimeSpan Timeout { get; init; } = DefaultTimeout;
    /// <summary>Zero: no limit (a process that runs other SQLite work must not set a process-wide one).</summary>
    public long MaxMemoryBytes { get; init; } = DefaultMaxMemory;
    public int MaxValueBytes { get; init; } = DefaultMaxValue;

    // About a millisecond of work between two looks at the clock.
    private const int InstructionsPerCheck = 10_000;

    /// <summary>Applies the limits to the connection and returns the clock that the progress handler watches.</summary>
    internal QueryClock Apply(sqlite3 db)
    {
        raw.sqlite3_limit(db, raw.SQLITE_LIMIT_LENGTH, MaxValueBytes);
        if (MaxMemoryBytes > 0) raw.sqlite3_hard_heap_limit64(MaxMemoryBytes);
        var clock = new QueryClock(Timeout);
        if (Timeout > TimeSpan.Zero) raw.sqlite3_progress_handler(db, InstructionsPerCheck, clock.Handler, null);
        return clock;
    }

    /// <summary>The one clear line for a statement that ran into a limit; null for any other error.</summary>
    internal string? Explain(int rc, QueryClock clock) => rc switch
    {
        raw.SQLITE_INTERRUPT when clock.Expired => $"stopped after {Timeout.TotalSeconds:0.###} s (--timeout)",
        raw.SQLITE_NOMEM => $"needs more than {MaxMemoryBytes >> 20} MiB of memory (--max-memory)",
        raw.SQLITE_TOOBIG => $"a value would be larger than {MaxValueBytes >> 20} MiB (string or blob too big)",
        _ => null,
    };
}

/// <summary>Time spent inside SQLite on one query (the steps, not the writing of rows).</summary>
internal sealed class QueryClock
{
    private readonly Stopwatch _inSqlite = new();
    private readonly TimeSpan _limit;

    public QueryClock(TimeSpan limit)
    {
        _limit = limit;
        Handler = Check;
    }

    /// <summary>The delegate SQLite calls, held here so that it lives as long as the query.</summary>
    public delegate_progress Handler { get; }

    public bool Expired { get; private set; }

    public void Enter() => _inSqlite.Start();

    public void Leave() => _inSqlite.Stop();

    private int Check(object? _)
    {
        if (_inSqlite.Elapsed > _limit) Expired = true;
        return Expired ? 1 : 0;
    }
}

/// <summary>A query stopped by one of its <see cref="QueryLimits"/>: one line saying which.</summary>
public sealed class QueryLimitException(string message, int rc) : SqliteException(message, rc);
