using System.Runtime.InteropServices;
using SQLitePCL;
using TierFs.Common;

namespace TierFs.Index.Storage;

/// <summary>
/// The SQLite calls a scan makes millions of times (bind a value, read a column), made directly.
/// Through the provider each call also takes and drops a reference on the statement's SafeHandle
/// and makes a GC transition, which together cost more than SQLite's own work: measured on 200,000
/// entries, a rescan 15% faster and a first scan 9%. These functions neither block (the connection's
/// lock is never contended: a connection is used by one thread at a time) nor call back into .NET,
/// so they run without the GC transition. Used only when the library imported here is the very one
/// the provider loaded; otherwise every call goes through the provider.
/// </summary>
internal static unsafe class SqliteDirect
{
    /// <summary>The provider's own import name, so the runtime resolves both to the same file.</summary>
    private const string Library = "e_sqlite3";

    /// <summary>SQLITE_TRANSIENT: SQLite copies the bound text before the call returns.</summary>
    public const nint Transient = -1;

    private static readonly Lazy<bool> Checked = new(Check);

    /// <summary>True when the direct calls reach the provider's SQLite (checked once per process).</summary>
    public static bool Available => Checked.Value;

    [DllImport(Library, EntryPoint = "sqlite3_bind_int64"), SuppressGCTransition]
    public static extern int BindInt64(nint stmt, int index, long value);

    [DllImport(Library, EntryPoint = "sqlite3_bind_null"), SuppressGCTransition]
    public static extern int BindNull(nint stmt, int index);

    [DllImport(Library, EntryPoint = "sqlite3_bind_text"), SuppressGCTransition]
    public static extern int BindText(nint stmt, int index, byte* text, int length, nint destructor);

    [DllImport(Library, EntryPoint = "sqlite3_column_int64"), SuppressGCTransition]
    public static extern long ColumnInt64(nint stmt, int column);

    [DllImport(Library, EntryPoint = "sqlite3_column_type"), SuppressGCTransition]
    public static extern int ColumnType(nint stmt, int column);

    /// <summary>Call before <see cref="ColumnBytes"/> (the documented order: the first may convert the value).</summary>
    [DllImport(Library, EntryPoint = "sqlite3_column_blob"), SuppressGCTransition]
    public static extern byte* ColumnBlob(nint stmt, int column);

    [DllImport(Library, EntryPoint = "sqlite3_column_bytes"), SuppressGCTransition]
    public static extern int ColumnBytes(nint stmt, int column);

    [DllImport(Library, EntryPoint = "sqlite3_libversion_number")]
    private static extern int LibVersionNumber();

    /// <summary>
    /// A second copy of the library (another file of the same name found first) would hold its own
    /// global state, which the provider's statements must never be handed to: the direct calls are
    /// used only if exactly one file of that name is mapped in the process once both are loaded.
    /// </summary>
    private static bool Check()
    {
        try
        {
            // Another provider (a system SQLite) would leave this library loaded but unused.
            if (raw.GetNativeLibraryName() != Library) return Refuse($"the provider uses {raw.GetNativeLibraryName()}");
            if (LibVersionNumber() != raw.sqlite3_libversion_number()) return Refuse("a different SQLite version");
            var copies = File.ReadLines("/proc/self/maps")
                .Select(line => line.IndexOf('/', StringComparison.Ordinal) is var at and >= 0 ? line[at..] : "")
                .Where(path => Path.GetFileName(path) == $"lib{Library}.so")
                .Distinct(StringComparer.Ordinal)
                .Count();
            return copies == 1 || Refuse($"{copies} copies of lib{Library}.so mapped");
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or IOException or UnauthorizedAccessException)
        {
            return Refuse(e.Message);
        }
    }

    private static bool Refuse(string why)
    {
        Log.Warn("index", $"SQLite is called through the provider only ({why}); scans are slower");
        return false;
    }
}
