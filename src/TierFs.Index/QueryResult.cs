namespace TierFs.Index;

/// <summary>What a read-only SQL query returned: column names and rows of plain values (long, double, string, byte[] or null).</summary>
public sealed record QueryResult(IReadOnlyList<string> Columns, IReadOnlyList<object?[]> Rows);
