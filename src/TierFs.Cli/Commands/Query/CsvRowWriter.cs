namespace TierFs.Cli.Commands.Query;

/// <summary>
/// CSV with RFC 4180 quoting: a header line, then one line per row; a field holding a comma, a
/// double quote, CR or LF is quoted, its quotes doubled. Lines end in LF (for Unix tools); NULL is an empty field.
/// </summary>
public sealed class CsvRowWriter(TextWriter output) : RowWriter
{
    public override void Begin(IReadOnlyList<string> columns) => Line(columns);

    public override void Row(object?[] values) => Line(values.Select(v => Cell(v, "")));

    public override void End() => output.Flush();

    public static string Field(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private void Line(IEnumerable<string> fields)
    {
        output.Write(string.Join(',', fields.Select(Field)));
        output.Write('\n');
    }
}
