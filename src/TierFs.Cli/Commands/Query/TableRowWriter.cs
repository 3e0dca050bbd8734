using System.Text;

namespace TierFs.Cli.Commands.Query;

/// <summary>
/// Aligned columns for people, streamed: the widths come from the header and the first
/// <see cref="Block"/> rows, which are held back to measure them; later rows are printed at once
/// in those widths (a wider value just pushes the rest of its line). Numbers are right-aligned,
/// NULL shows as NULL, control characters as escapes so a row stays on one line.
/// </summary>
public sealed class TableRowWriter(TextWriter output, int block = TableRowWriter.Block) : RowWriter
{
    public const int Block = 1000;

    private readonly List<(string Text, bool Number)[]> _held = [];
    private string[] _columns = [];
    private int[]? _widths;

    public override void Begin(IReadOnlyList<string> columns) => _columns = columns.Select(Escape).ToArray();

    public override void Row(object?[] values)
    {
        var cells = values.Select(v => (Escape(Cell(v, "NULL")), v is long or double)).ToArray();
        if (_widths is not null)
        {
            Line(cells);
            return;
        }
        _held.Add(cells);
        if (_held.Count >= block) Release();
    }

    public override void End()
    {
        if (_widths is null) Release();
        output.Flush();
    }

    private void Release()
    {
        _widths = _columns.Select(c => c.Length).ToArray();
        foreach (var row in _held)
            for (var i = 0; i < row.Length; i++) _widths[i] = Math.Max(_widths[i], row[i].Text.Length);
        Line(_columns.Select(c => (c, false)).ToArray());
        Line(_widths.Select(w => (new string('-', w), false)).ToArray());
        foreach (var row in _held) Line(row);
        _held.Clear();
    }

    private void Line((string Text, bool Number)[] cells)
    {
        var line = new StringBuilder();
        for (var i = 0; i < cells.Length; i++)
        {
            var (text, number) = cells[i];
            if (i > 0) line.Append("  ");
            var pad = _widths![i] - text.Length;
            if (number && pad > 0) line.Append(' ', pad);
            line.Append(text);
            // No trailing blanks after the last column.
            if (!number && pad > 0 && i < cells.Length - 1) line.Append(' ', pad);
        }
        line.Append('\n');
        output.Write(line);
    }

    private static string Escape(string text)
    {
        if (!text.Any(char.IsControl)) return text;
        var escaped = new StringBuilder(text.Length + 8);
        foreach (var c in text)
            escaped.Append(c switch
            {
                '\n' => "\\n",
                '\t' => "\\t",
                '\r' => "\\r",
                _ when char.IsControl(c) => $"\\x{(int)c:x2}",
                _ => c.ToString(),
            });
        return escaped.ToString();
    }
}
