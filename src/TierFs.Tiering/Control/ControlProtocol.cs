using System.Buffers;
using System.Text.Json;
using TierFs.Common;
using TierFs.Records;

namespace TierFs.Tiering.Control;

/// <summary>
/// The wire form of the control socket: one JSON object per line (UTF-8, camelCase keys).
/// Request: {"op":"migrate","paths":["proj/a"],"recursive":true}. Replies: "type" is one of
/// plan, progress, result, end, error (see <see cref="ControlMessage"/>). Unknown keys are ignored
/// so that either side can grow.
/// </summary>
public static class ControlProtocol
{
    /// <summary>Longest line either side accepts (a request naming many paths stays far below).</summary>
    public const int MaxLineBytes = 16 << 20;

    /// <summary>
    /// Longest request line from a non-root caller: some thousands of explicit paths (`tierfs
    /// recall|state` with a long list) fit; the daemon holds at most this for each such connection.
    /// </summary>
    public const int MaxUserLineBytes = 1 << 20;

    public static string OpName(TierOp op) => op switch
    {
        TierOp.PolicyList => "policy-list",
        TierOp.PolicyRun => "policy-run",
        _ => op.ToString().ToLowerInvariant(),
    };

    public static byte[] EncodeRequest(ControlRequest request) => Line(w =>
    {
        w.WriteString("op", OpName(request.Op));
        w.WriteStartArray("paths");
        foreach (var p in request.Paths) w.WriteStringValue(p);
        w.WriteEndArray();
        w.WriteBoolean("recursive", request.Recursive);
        WriteFlags(w, "set", request.SetFlags);
        WriteFlags(w, "clear", request.ClearFlags);
        if (request.Policy is not null) w.WriteString("policy", request.Policy);
        if (request.DryRun) w.WriteBoolean("dryRun", true);
        if (request.RetryNow) w.WriteBoolean("retryNow", true);
        if (request.Threads > 0) w.WriteNumber("threads", request.Threads);
        if (request.Lost is { } lost) w.WriteBoolean("lost", lost);
        if (request.Resolve != ResolveChoice.None) w.WriteString("resolve", ResolveName(request.Resolve));
        if (request.Force) w.WriteBoolean("force", true);
        if (request.Op == TierOp.Verify) w.WriteString("level", VerifyLevels.Name(request.Level));
        if (request.Repair) w.WriteBoolean("repair", true);
        if (request.Ack != 0) w.WriteNumber("ack", request.Ack);
    });

    private static string ResolveName(ResolveChoice c) => c == ResolveChoice.KeepLocal ? "keep-local" : "keep-remote";

    private static readonly (string Name, TierFlags Flag)[] FlagNames =
        [("noarchive", TierFlags.NoArchive), ("norelease", TierFlags.NoRelease)];

    private static void WriteFlags(Utf8JsonWriter w, string key, TierFlags flags)
    {
        if (flags == TierFlags.None) return;
        w.WriteStartArray(key);
        foreach (var (name, flag) in FlagNames)
            if (flags.HasFlag(flag)) w.WriteStringValue(name);
        w.WriteEndArray();
    }

    private static TierFlags ReadFlags(JsonElement root, string key)
    {
        if (!root.TryGetProperty(key, out var list) || list.ValueKind == JsonValueKind.Null) return TierFlags.None;
        if (list.ValueKind != JsonValueKind.Array) throw new ControlException($"\"{key}\" must be a list of flags");
        var flags = TierFlags.None;
        foreach (var item in list.EnumerateArray())
        {
            var name = item.ValueKind == JsonValueKind.String ? item.GetString() : null;
            var match = FlagNames.FirstOrDefault(f => f.Name == name);
            if (match.Name is null) throw new ControlException($"unknown flag \"{name}\" (expected noarchive or norelease)");
            flags |= match.Flag;
        }
        return flags;
    }

    /// <summary>Parses a request line; throws <see cref="ControlException"/> saying what is wrong.</summary>
    public static ControlRequest DecodeRequest(string line)
    {
        using var doc = Parse(line, "request");
        var root = doc.RootElement;
        var opName = RequiredString(root, "op", "request");
        var op = Enum.GetValues<TierOp>().Where(o => OpName(o) == opName).Cast<TierOp?>().FirstOrDefault()
            ?? throw new ControlException($"unknown op \"{Excerpt.Of(opName, 100)}\" (expected {string.Join(", ", Enum.GetValues<TierOp>().Select(OpName))})");
        var daemonOp = ControlRequest.IsDaemon(op);
        var list = new List<string>();
        if (root.TryGetProperty("paths", out var paths) && paths.ValueKind == JsonValueKind.Array)
        {
            foreach (var p in paths.EnumerateArray())
            {
                if (p.ValueKind != JsonValueKind.String) throw new ControlException("\"paths\" must hold strings only");
                list.Add(CheckRelative(p.GetString()!));
            }
        }
        else if (!daemonOp) throw new ControlException("the request has no \"paths\" array");
        if (list.Count == 0 && !daemonOp) throw new ControlException("\"paths\" is empty");
        var recursive = root.TryGetProperty("recursive", out var r) && r.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False or JsonValueKind.Null => false,
            _ => throw new ControlException("\"recursive\" must be true or false"),
        };
        var set = ReadFlags(root, "set");
        var clear = ReadFlags(root, "clear");
        if ((set | clear) != TierFlags.None && op != TierOp.State) throw new ControlException("flags are set with the state op only");
        var policy = OptionalString(root, "policy");
        var dryRun = root.TryGetProperty("dryRun", out var d) && d.ValueKind == JsonValueKind.True;
        var retryNow = root.TryGetProperty("retryNow", out var rn) && rn.ValueKind == JsonValueKind.True;
        var threads = 0;
        if (root.TryGetProperty("threads", out var t) && !(t.ValueKind == JsonValueKind.Number && t.TryGetInt32(out threads) && threads is >= 0 and <= 1024))
            throw new ControlException("\"threads\" must be a number from 0 to 1024");
        bool? lost = root.TryGetProperty("lost", out var l) ? l.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Null => null,
            _ => throw new ControlException("\"lost\" must be true or false"),
        } : null;
        if (lost is not null && op != TierOp.State) throw new ControlException("the lost mark is set with the state op only");
        var resolve = OptionalString(root, "resolve") switch
        {
            null => ResolveChoice.None,
            "keep-local" => ResolveChoice.KeepLocal,
            "keep-remote" => ResolveChoice.KeepRemote,
            var other => throw new ControlException($"unknown resolve choice \"{other}\" (expected keep-local or keep-remote)"),
        };
        if ((resolve != ResolveChoice.None) != (op == TierOp.Resolve)) throw new ControlException("resolve needs a choice, and only resolve takes one");
        var force = root.TryGetProperty("force", out var fo) && fo.ValueKind == JsonValueKind.True;
        var level = OptionalString(root, "level") is { } word
            ? VerifyLevels.Parse(word) ?? throw new ControlException($"unknown verify level \"{word}\" (expected meta, object or data)")
            : VerifyLevel.Object;
        var repair = root.TryGetProperty("repair", out var rp) && rp.ValueKind == JsonValueKind.True;
        if (repair && op != TierOp.Verify) throw new ControlException("only verify repairs");
        long ack = 0;
        if (root.TryGetProperty("ack", out var a) && !(a.ValueKind == JsonValueKind.Number && a.TryGetInt64(out ack) && ack > 0))
            throw new ControlException("\"ack\" must be an alarm id (a positive number)");
        return new ControlRequest(op, list, recursive, set, clear, policy, dryRun, threads, retryNow, lost, resolve, force, level, repair, ack);
    }

    public static byte[] EncodeMessage(ControlMessage message)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        WriteMessage(buffer, message);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Appends the message as one line (used to batch several into one socket write).</summary>
    public static void WriteMessage(IBufferWriter<byte> buffer, ControlMessage message)
    {
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            switch (message)
            {
                case PlanMessage m:
                    w.WriteString("type", "plan");
                    w.WriteNumber("files", m.Files);
                    w.WriteNumber("bytes", m.Bytes);
                    break;
                case ProgressMessage m:
                    w.WriteString("type", "progress");
                    w.WriteString("path", m.Path);
                    w.WriteNumber("done", m.Done);
                    w.WriteNumber("total", m.Total);
                    break;
                case ResultMessage { Result: var r }:
                    w.WriteString("type", "result");
                    w.WriteString("path", r.Path);
                    w.WriteBoolean("ok", r.Ok);
                    w.WriteString("state", r.State);
                    w.WriteString("error", r.Error);
                    if (r.Note is not null) w.WriteString("note", r.Note);
                    break;
                case DataMessage m:
                    w.WriteString("type", "data");
                    w.WriteString("kind", m.Kind);
                    w.WritePropertyName("data");
                    w.WriteRawValue(m.Json);
                    break;
                case EndMessage m:
                    w.WriteString("type", "end");
                    w.WriteNumber("failed", m.Failed);
                    break;
                case ErrorMessage m:
                    w.WriteString("type", "error");
                    w.WriteString("message", m.Message);
                    break;
                default:
                    throw new ArgumentException($"no wire form for {message.GetType().Name}", nameof(message));
            }
            w.WriteEndObject();
        }
        buffer.Write("\n"u8);
    }

    /// <summary>Parses a reply line; null for a type this side does not know (skipped, for newer daemons).</summary>
    public static ControlMessage? DecodeMessage(string line)
    {
        using var doc = Parse(line, "reply");
        var root = doc.RootElement;
        return RequiredString(root, "type", "reply") switch
        {
            "plan" => new PlanMessage(Count(root, "files"), Number(root, "bytes")),
            "progress" => new ProgressMessage(RequiredString(root, "path", "progress"), Number(root, "done"), Number(root, "total")),
            "result" => new ResultMessage(new FileResult(
                RequiredString(root, "path", "result"),
                root.TryGetProperty("ok", out var ok) && ok.ValueKind == JsonValueKind.True,
                OptionalString(root, "state"),
                OptionalString(root, "error"),
                OptionalString(root, "note"))),
            "data" => new DataMessage(RequiredString(root, "kind", "data"),
                root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object
                    ? data.GetRawText()
                    : throw new ControlException("malformed data: \"data\" must be an object")),
            "end" => new EndMessage(Count(root, "failed")),
            "error" => new ErrorMessage(OptionalString(root, "message") ?? "unknown error"),
            _ => null,
        };
    }

    // Paths are relative to the mount root: an absolute path or a ".." would reach outside it.
    private static string CheckRelative(string path)
    {
        if (path.StartsWith('/') || path.Contains('\0'))
            throw new ControlException($"path \"{path}\" is not relative to the mount root");
        foreach (var part in path.Split('/'))
            if (part is "." or "..") throw new ControlException($"path \"{path}\" has a \".\" or \"..\" component");
        return path.TrimEnd('/');
    }

    private static JsonDocument Parse(string line, string what)
    {
        try
        {
            var doc = JsonDocument.Parse(line);
            if (doc.RootElement.ValueKind == JsonValueKind.Object) return doc;
            doc.Dispose();
            throw new ControlException($"malformed {what}: not a JSON object");
        }
        catch (JsonException e)
        {
            throw new ControlException($"malformed {what}: {e.Message}", e);
        }
    }

    private static string RequiredString(JsonElement obj, string key, string what) =>
        obj.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String
            ? v.GetString()!
            : throw new ControlException($"malformed {what}: \"{key}\" must be a string");

    private static string? OptionalString(JsonElement obj, string key) =>
        obj.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static long Number(JsonElement obj, string key) =>
        obj.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n)
            ? n
            : throw new ControlException($"malformed reply: \"{key}\" must be a whole number");

    private static int Count(JsonElement obj, string key) =>
        Number(obj, key) is var n && n is >= 0 and <= int.MaxValue
            ? (int)n
            : throw new ControlException($"malformed reply: \"{key}\" is out of range");

    private static byte[] Line(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }
        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }
}
