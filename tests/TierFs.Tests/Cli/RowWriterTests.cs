using System.Text;
using System.Text.Json;
using TierFs.Cli.Commands.Query;

namespace TierFs.Tests.Cli;

/// <summary>tierfs query's output formats: CSV quoting, JSON types, aligned tables that stream.</summary>
public class RowWriterTests
{
    private static string Print(OutputFormat format, string[] columns, params object?[][] rows)
    {
        using var output = new MemoryStream();
        var writer = RowWriter.For(format, output);
        writer.Begin(columns);
        foreach (var row in rows) writer.Row(row);
        writer.End();
        return Encoding.UTF8.GetString(output.ToArray());
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("two\nlines", "\"two\nlines\"")]
    [InlineData("cr\r", "\"cr\r\"")]
    [InlineData("", "")]
    public void Csv_quotes_fields_as_rfc_4180_says(string value, string field) => Assert.Equal(field, CsvRowWriter.Field(value));

    [Fact]
    public void Csv_has_a_header_null_as_empty_numbers_invariant_and_one_line_per_row()
    {
        var text = Print(OutputFormat.Csv, ["path", "size,bytes", "ratio", "pair"],
            ["a,b.txt", 12L, 0.25, null],
            ["x\"y", -1L, 1e20, "heb"]);
        Assert.Equal("path,\"size,bytes\",ratio,pair\n\"a,b.txt\",12,0.25,\n\"x\"\"y\",-1,1E+20,heb\n", text);
    }

    [Fact]
    public void Json_is_an_array_of_objects_with_numbers_as_numbers_and_null_as_null()
    {
        var text = Print(OutputFormat.Json, ["path", "size", "ratio", "pair", "blob", "inf"],
            ["a\"b", 9_007_199_254_740_993L, 0.5, null, new byte[] { 0, 0xab }, double.PositiveInfinity]);
        Assert.Equal("[\n{\"path\":\"a\\u0022b\",\"size\":9007199254740993,\"ratio\":0.5,\"pair\":null,\"blob\":\"00ab\",\"inf\":\"Infinity\"}\n]\n", text);
        var row = Assert.Single(JsonDocument.Parse(text).RootElement.EnumerateArray());
        Assert.Equal(JsonValueKind.Number, row.GetProperty("size").ValueKind);
        Assert.Equal(9_007_199_254_740_993L, row.GetProperty("size").GetInt64());
        Assert.Equal(JsonValueKind.Null, row.GetProperty("pair").ValueKind);
        Assert.Equal("a\"b", row.GetProperty("path").GetString());
    }

    [Fact]
    public void Json_of_no_rows_is_an_empty_array()
    {
        Assert.Equal("[]\n", Print(OutputFormat.Json, ["x"]));
        Assert.Equal(0, JsonDocument.Parse("[]").RootElement.GetArrayLength());
    }

    [Fact]
    public void Table_aligns_columns_right_aligns_numbers_and_escapes_control_characters()
    {
        var text = Print(OutputFormat.Table, ["name", "size"], ["a\tb", 5L], ["longer", 12345L], ["n", null]);
        Assert.Equal(
            "name    size\n" +
            "------  -----\n" +
            "a\\tb        5\n" +
            "longer  12345\n" +
            "n       NULL\n", text);
    }

    [Fact]
    public void Table_prints_rows_past_the_first_block_at_once_in_the_blocks_widths()
    {
        using var output = new StringWriter();
        var table = new TableRowWriter(output, block: 2);
        table.Begin(["v"]);
        table.Row([1L]);
        Assert.Equal("", output.ToString()); // held to measure the columns
        table.Row([22L]);
        Assert.Equal("v\n--\n 1\n22\n", output.ToString());
        table.Row([333L]);
        Assert.EndsWith("22\n333\n", output.ToString()); // not held: streamed
        table.End();
    }
}
