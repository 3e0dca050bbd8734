using System.Globalization;
using System.Text.Json;
using TierFs.Cli.Commands.Query;
using TierFs.Cli.Commands.Tier;

using TierFs.Ops.Report;

namespace TierFs.Cli.Commands.Report;

/// <summary>Prints a <see cref="MountReport"/>: sections of aligned columns with human sizes, or one JSON object with exact numbers.</summary>
public static class ReportPrinter
{
    public static void Table(MountReport r, TextWriter output)
    {
        output.WriteLine($"index {r.IndexPath} (schema {r.Schema}); last scan: " +
                         (r.LastScan is { } s ? $"{When(s.Finished)} (generation {s.Generation}, {s.Entries} entries, {(s.Finished - s.Started).TotalSeconds:0.0}s)" : "never"));
        Section(output, "Files by state", ["state", "files", "bytes", "on disk"],
            r.States.Select(x => new object?[] { x.State, x.Files, ByteSize.Format(x.Bytes), ByteSize.Format(x.OnDisk) })
                .Append(["total", r.States.Sum(x => x.Files), ByteSize.Format(r.States.Sum(x => x.Bytes)), ByteSize.Format(r.States.Sum(x => x.OnDisk))]));
        Section(output, "Files by owner", ["uid", "user", "files", "bytes"],
            r.Owners.Select(x => new object?[] { x.Uid, x.User ?? "?", x.Files, ByteSize.Format(x.Bytes) }));
        Section(output, $"Top directories (depth {r.Depth}, everything below them)", ["directory", "files", "bytes"],
            r.TopDirectories.Select(x => new object?[] { x.Path, x.Files, ByteSize.Format(x.Bytes) }));
        Section(output, "Remote tier (objects of archived and released files)", ["pair", "objects", "bytes"],
            r.Remote.Select(x => new object?[] { x.Pair ?? "(none)", x.Objects, ByteSize.Format(x.Bytes) })
                .Append(["total", r.Remote.Sum(x => x.Objects), ByteSize.Format(r.Remote.Sum(x => x.Bytes))]));
        if (r.Recalls is { } recalls)
        {
            var since = $"since {When(recalls.Since)}";
            Section(output, $"Recalls by user ({since})", ["uid", "user", "recalls", "failed", "bytes", "time"],
                recalls.ByUser.Select(x => new object?[] { x.Uid, x.Who, x.Recalls, x.Failed, ByteSize.Format(x.Bytes), Took(x.Took) }));
            Section(output, $"Recalls by command ({since})", ["command", "recalls", "failed", "bytes", "time"],
                recalls.ByCommand.Select(x => new object?[] { x.Who, x.Recalls, x.Failed, ByteSize.Format(x.Bytes), Took(x.Took) }));
            Section(output, $"Recalls by trigger ({since})", ["trigger", "recalls", "failed", "bytes", "time"],
                recalls.ByTrigger.Select(x => new object?[] { x.Who, x.Recalls, x.Failed, ByteSize.Format(x.Bytes), Took(x.Took) }));
        }
        var d = r.PendingDeletes;
        output.WriteLine();
        output.WriteLine($"Pending remote deletions: {d.Count}" +
                         (d.OldestDue is { } due ? $", {d.DueNow} due now, oldest due {When(due)}" : ""));
        output.Flush();
    }

    public static void Json(MountReport r, Stream output)
    {
        using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("index", r.IndexPath);
        json.WriteNumber("schema", r.Schema);
        json.WritePropertyName("last_scan");
        if (r.LastScan is { } s)
        {
            json.WriteStartObject();
            json.WriteNumber("generation", s.Generation);
            json.WriteString("started", s.Started);
            json.WriteString("finished", s.Finished);
            json.WriteNumber("entries", s.Entries);
            json.WriteEndObject();
        }
        else json.WriteNullValue();
        Array(json, "states", r.States, (j, x) => { j.WriteString("state", x.State); j.WriteNumber("files", x.Files); j.WriteNumber("bytes", x.Bytes); j.WriteNumber("on_disk", x.OnDisk); });
        Array(json, "owners", r.Owners, (j, x) => { j.WriteNumber("uid", x.Uid); j.WriteString("user", x.User); j.WriteNumber("files", x.Files); j.WriteNumber("bytes", x.Bytes); });
        json.WriteNumber("top_directories_depth", r.Depth);
        Array(json, "top_directories", r.TopDirectories, (j, x) => { j.WriteString("path", x.Path); j.WriteNumber("files", x.Files); j.WriteNumber("bytes", x.Bytes); });
        Array(json, "remote", r.Remote, (j, x) => { j.WriteString("pair", x.Pair); j.WriteNumber("objects", x.Objects); j.WriteNumber("bytes", x.Bytes); });
        json.WriteStartObject("pending_deletes");
        json.WriteNumber("count", r.PendingDeletes.Count);
        json.WriteNumber("due_now", r.PendingDeletes.DueNow);
        if (r.PendingDeletes.OldestDue is { } due) json.WriteString("oldest_due", due);
        else json.WriteNull("oldest_due");
        json.WriteEndObject();
        if (r.Recalls is { } recalls)
        {
            json.WriteStartObject("recalls");
            json.WriteString("since", recalls.Since);
            Array(json, "by_user", recalls.ByUser, (j, x) => { j.WriteNumber("uid", x.Uid!.Value); j.WriteString("user", x.Who); RecallNumbers(j, x); });
            Array(json, "by_command", recalls.ByCommand, (j, x) => { j.WriteString("command", x.Who); RecallNumbers(j, x); });
            Array(json, "by_trigger", recalls.ByTrigger, (j, x) => { j.WriteString("trigger", x.Who); RecallNumbers(j, x); });
            json.WriteEndObject();
        }
        json.WriteEndObject();
        json.Flush();
        output.Write("\n"u8);
    }

    private static void Section(TextWriter output, string title, string[] columns, IEnumerable<object?[]> rows)
    {
        output.WriteLine();
        output.WriteLine(title);
        var table = new TableRowWriter(output);
        table.Begin(columns);
        foreach (var row in rows) table.Row(row);
        table.End();
    }

    private static void Array<T>(Utf8JsonWriter json, string name, IEnumerable<T> items, Action<Utf8JsonWriter, T> write)
    {
        json.WriteStartArray(name);
        foreach (var item in items)
        {
            json.WriteStartObject();
            write(json, item);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    private static void RecallNumbers(Utf8JsonWriter j, RecallTotal x)
    {
        j.WriteNumber("recalls", x.Recalls);
        j.WriteNumber("failed", x.Failed);
        j.WriteNumber("bytes", x.Bytes);
        j.WriteNumber("seconds", Math.Round(x.Took.TotalSeconds, 3));
    }

    private static string Took(TimeSpan t) => t.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + "s";

    private static string When(DateTimeOffset t) => t.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}
