using System.Text.Json;

namespace TierFs.Cli.Commands.Query;

/// <summary>
/// A JSON array of objects, one per row and one row per line, keyed by column name: integers and
/// reals as numbers (a non-finite real as a string), text as strings, blobs as hex strings, NULL as null.
/// </summary>
public sealed class JsonRowWriter(Stream output) : RowWriter
{
    private readonly Utf8JsonWriter _json = new(output);
    private IReadOnlyList<string> _columns = [];
    private bool _first = true;

    public override void Begin(IReadOnlyList<string> columns)
    {
        _columns = columns;
        output.Write("["u8);
    }

    public override void Row(object?[] values)
    {
        output.Write(_first ? "\n"u8 : ",\n"u8);
        _first = false;
        _json.Reset(output);
        _json.WriteStartObject();
        for (var i = 0; i < values.Length; i++)
        {
            _json.WritePropertyName(_columns[i]);
            switch (values[i])
            {
                case null: _json.WriteNullValue(); break;
                case long l: _json.WriteNumberValue(l); break;
                case double d when double.IsFinite(d): _json.WriteNumberValue(d); break;
                case var v: _json.WriteStringValue(Cell(v, "")); break;
            }
        }
        _json.WriteEndObject();
        _json.Flush();
    }

    public override void End()
    {
        output.Write(_first ? "]\n"u8 : "\n]\n"u8);
        output.Flush();
    }
}
