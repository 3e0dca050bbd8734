using System.Globalization;
using System.Text;

namespace TierFs.Index.Policies;

/// <summary>
/// The one statement shape a policy runs as, shared by the compiler (which checks a where and an
/// order in it) and the reader (which runs it), so what was checked is what runs.
/// </summary>
internal static class CandidateQuery
{
    // path() is not selected: under ORDER BY every matching row would get one before the sort.
    // The planner asks for the paths of the files it keeps only.
    public const string Columns = "id, dev, inode, size, state, flags, atime, mtime, ctime, file_id";
    public const string ChangedBefore = "$changed_before";
    public const string Remote = "$remote";

    private const string Tail = "\nLIMIT -1";

    public const string WherePrefix = $"SELECT {Columns} FROM files WHERE (\n";

    /// <summary>The where alone: errors found here are the where's.</summary>
    public static string WhereOnly(string where) => WherePrefix + where + "\n)";

    /// <summary>
    /// The full statement. The trailing LIMIT -1 (no limit) makes an order that smuggles in its own
    /// LIMIT or OFFSET a syntax error instead of a silent cap.
    /// </summary>
    public static string Build(string where, string order, CandidateFilter filter)
    {
        var sql = new StringBuilder(WhereOnly(where));
        sql.Append($" AND type = 'f' AND size > 0 AND mtime < {ChangedBefore} AND (");
        var first = true;
        foreach (var (state, flags) in filter.States.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            if (!CandidateFilter.KnownStates.Contains(state)) throw new ArgumentException($"unknown state '{state}'", nameof(filter));
            sql.Append(first ? "" : " OR ").Append(CultureInfo.InvariantCulture, $"(state = '{state}' AND (flags & {flags}) = 0)");
            first = false;
        }
        if (first) sql.Append('0');
        sql.Append(')');
        if (filter.Remote is not null) sql.Append(" AND coalesce(remote, " + Remote + ") = " + Remote);
        sql.Append("\nORDER BY ").Append(order).Append(Tail);
        return sql.ToString();
    }

    /// <summary>The character offset at which the order starts in a statement built by <see cref="Build"/>.</summary>
    public static int OrderOffset(string sql, string order) => sql.Length - Tail.Length - order.Length;
}
