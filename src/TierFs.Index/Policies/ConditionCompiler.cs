using TierFs.Records;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using SQLitePCL;
using TierFs.Index.Schema;
using TierFs.Index.Storage;

namespace TierFs.Index.Policies;

/// <summary>
/// Prepares a policy's statement on an in-memory database with the real schema and functions,
/// which is what finds a syntax error, an unknown column or function; an authorizer counts the
/// SELECTs outside the files view to refuse a subquery. Nothing is ever run.
/// </summary>
internal sealed partial class ConditionCompiler : IDisposable
{
    private readonly SqliteConnection _connection;

    public ConditionCompiler()
    {
        _connection = IndexConnection.Open(":memory:", TimeSpan.FromSeconds(1), readOnly: false);
        try
        {
            SchemaMigrator.Migrate(_connection, ":memory:");
        }
        catch
        {
            _connection.Dispose();
            throw;
        }
    }

    public void Check(string where, string order)
    {
        Fragment("where", where);
        Prepare("where", CandidateQuery.WhereOnly(where), CandidateQuery.WherePrefix.Length, where);
        Fragment("order", order);
        var full = CandidateQuery.Build(where, order, new CandidateFilter { States = new Dictionary<string, int> { [TierStateNames.Name(TierState.Resident)] = 0 } });
        Prepare("order", full, CandidateQuery.OrderOffset(full, order), order);
    }

    private static void Fragment(string part, string text)
    {
        if (SqlFragment.Check(text) is var (problem, position)) throw new PolicyConditionException(part, problem, position);
    }

    /// <summary>Prepares <paramref name="sql"/>, in which <paramref name="fragment"/> starts at character <paramref name="start"/>.</summary>
    private void Prepare(string part, string sql, int start, string fragment)
    {
        var db = _connection.Handle!;
        var selects = 0;
        raw.sqlite3_set_authorizer(db, (_, action, _, _, _, view) =>
        {
            // The files view's own SELECT comes with the view's name; only the statement's may be bare.
            if (action == raw.SQLITE_SELECT && view is null) selects++;
            return raw.SQLITE_OK;
        }, null);
        try
        {
            var rc = raw.sqlite3_prepare_v2(db, sql, out var stmt, out var tail);
            using (stmt)
            {
                if (rc != raw.SQLITE_OK)
                {
                    var message = raw.sqlite3_errmsg(db).utf8_to_string();
                    throw new PolicyConditionException(part, message, Position(sql, start, fragment, ErrorOffset(db), message));
                }
                if (!string.IsNullOrWhiteSpace(tail))
                    throw new PolicyConditionException(part, "more than one statement", Math.Max(1, fragment.Length - tail.Length));
                if (selects > 1)
                    throw new PolicyConditionException(part, "subqueries are not allowed: a plain condition on the files columns", KeywordPosition(fragment, "select"));
            }
        }
        finally
        {
            raw.sqlite3_set_authorizer(db, (strdelegate_authorizer?)null, null);
        }
    }

    /// <summary>The 1-based character position in the fragment of the error SQLite located, else of the token it names.</summary>
    private static int Position(string sql, int start, string fragment, int byteOffset, string message)
    {
        if (byteOffset >= 0)
        {
            var bytes = Encoding.UTF8.GetBytes(sql);
            var chars = Encoding.UTF8.GetCharCount(bytes, 0, Math.Min(byteOffset, bytes.Length));
            return Math.Clamp(chars - start, 0, fragment.Length) + 1;
        }
        var token = NamedToken().Match(message);
        if (token.Success)
        {
            var at = fragment.IndexOf(token.Groups[1].Value.Length > 0 ? token.Groups[1].Value : token.Groups[2].Value, StringComparison.OrdinalIgnoreCase);
            if (at >= 0) return at + 1;
        }
        return fragment.Length + 1;
    }

    private static int KeywordPosition(string fragment, string keyword)
    {
        var m = Regex.Match(fragment, $@"\b{keyword}\b", RegexOptions.IgnoreCase);
        return m.Success ? m.Index + 1 : 1;
    }

    [GeneratedRegex(@"near ""([^""]*)""|no such (?:column|function): (\S+)")]
    private static partial Regex NamedToken();

    // sqlite3_error_offset (SQLite 3.38+) is in the bundled library but not wrapped by SQLitePCLRaw 3.0.
    [DllImport("e_sqlite3", EntryPoint = "sqlite3_error_offset")]
    private static extern int NativeErrorOffset(IntPtr db);

    private static int ErrorOffset(sqlite3 db)
    {
        try { return NativeErrorOffset(db.DangerousGetHandle()); }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return -1; }
    }

    public void Dispose() => _connection.Dispose();
}
