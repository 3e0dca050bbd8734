using System.Globalization;
using System.Text;

namespace TierFs.Cli.Commands.Query;

/// <summary>
/// Prints a result as it is read, row by row, so a result of any size streams: what a writer
/// keeps is bounded (the table format's first block of rows, to size its columns).
/// </summary>
public abstract class RowWriter
{
    public static RowWriter For(OutputFormat format, Stream output) => format switch
    {
        OutputFormat.Csv => new CsvRowWriter(Text(output)),
        OutputFormat.Json => new JsonRowWriter(output),
        OutputFormat.Nul => new NulRowWriter(Text(output)),
        _ => new TableRowWriter(Text(output)),
    };

    public abstract void Begin(IReadOnlyList<string> columns);

    /// <summary>One row of plain values (long, double, string, byte[] or null).</summary>
    public abstract void Row(object?[] values);

    /// <summary>Ends the output and flushes it.</summary>
    public abstract void End();

    /// <summary>A value as text: numbers invariant (doubles round-trip), blobs in hex, null as <paramref name="nullText"/>.</summary>
    public static string Cell(object? value, string nullText) => value switch
    {
        null => nullText,
        string s => s,
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        byte[] b => Convert.ToHexString(b).ToLowerInvariant(),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? nullText,
    };

    private static StreamWriter Text(Stream output) =>
        new(output, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 64 * 1024, leaveOpen: true);
}
