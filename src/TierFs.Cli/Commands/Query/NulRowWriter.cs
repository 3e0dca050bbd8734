namespace TierFs.Cli.Commands.Query;

/// <summary>
/// For scripts: no header, every value followed by a NUL byte, NULL as an empty value. A query of
/// one column is the form of `find -print0` (`xargs -0`); of N columns, `xargs -0 -n N` gets a row
/// per call. Nothing is escaped: a NUL cannot occur in a path or a number.
/// </summary>
public sealed class NulRowWriter(TextWriter output) : RowWriter
{
    public override void Begin(IReadOnlyList<string> columns) { }

    public override void Row(object?[] values)
    {
        foreach (var v in values)
        {
            output.Write(Cell(v, ""));
            output.Write('\0');
        }
    }

    public override void End() => output.Flush();
}
