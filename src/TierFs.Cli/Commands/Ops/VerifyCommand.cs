using System.CommandLine;
using System.Text.Json;
using TierFs.Cli.Commands.Background;
using TierFs.Cli.Commands.Tier;
using TierFs.Host;
using TierFs.Tiering.Control;

namespace TierFs.Cli.Commands.Ops;

/// <summary>`tierfs verify MOUNTPOINT [PATH...] [--level meta|object|data] [--repair [--dry-run]]`: the index against the remote tier, in the mount's daemon.</summary>
public static class VerifyCommand
{
    public static Command Create()
    {
        var mount = new Argument<string>("MOUNTPOINT") { Description = "A TierFs mountpoint (or any path on the mount)." };
        var paths = new Argument<string[]>("PATH") { Description = "Only the files below these paths on the same mount (default: all, and the orphan listing).", Arity = ArgumentArity.ZeroOrMore };
        var level = EnumOption.Create("--level",
            "meta: each archived or released file's record (the xattr) against the index; object (the default): also its object on the remote tier " +
            "(there, the archived size, the ETag of its upload: a HEAD, or for the whole mount the listing it makes anyway, a HEAD only where that cannot answer); " +
            "data: also download it and check the digest a recall checks (BLAKE3).", VerifyLevelWord.Object);
        var repair = new Option<bool>("--repair") { Description = "Fix what can safely be fixed: archive again a file whose data is local and whose object is gone or wrong; mark lost a stub whose object is gone (never dropped); queue orphans older than delete_grace for deletion; give the index the file's record where they disagree." };
        var dryRun = new Option<bool>("--dry-run") { Description = "With --repair: say what would be done, change nothing (and record no run)." };
        var cmd = new Command("verify",
            "Check the mount's index against its remote tier, in the mount's daemon (root only): differences by kind are missing, size-differs, " +
            "checksum-differs, orphan (an object under the mount's prefix no record references) and record-index (the file's record and the index " +
            "disagree); files archived to another remote tier are reported as foreign, not checked. The run, its differences and an alarm (when any " +
            "were found) are kept in the index (tierfs alarms). Exit status 0 clean, 1 differences, 2 error.")
        {
            mount, paths, level, repair, dryRun,
        };
        cmd.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(dryRun) && !parse.GetValue(repair)) throw new UsageException("verify: --dry-run goes with --repair (a verify alone changes nothing)");
            var mountPoint = DaemonRequest.MountOf(parse.GetValue(mount)!);
            var relative = new List<string>();
            var resolver = new TierPathResolver();
            foreach (var p in parse.GetValue(paths) ?? [])
            {
                var r = resolver.Resolve(p);
                if (r.Error is not null) throw new UsageException($"{p}: {r.Error}");
                if (r.MountPoint != mountPoint) throw new UsageException($"{p} is not on the mount {mountPoint}");
                relative.Add(r.Relative!);
            }
            var request = new ControlRequest(TierOp.Verify, relative, false, DryRun: parse.GetValue(dryRun),
                Level: (VerifyLevel)parse.GetValue(level), Repair: parse.GetValue(repair));
            var progress = new VerifyProgress(Console.Error, !Console.IsErrorRedirected);
            JsonElement? summary = null;
            var status = await DaemonRequest.RunAsync(mountPoint, request, reply =>
            {
                if (reply is not DataMessage m) return;
                using var doc = JsonDocument.Parse(m.Json);
                var d = doc.RootElement;
                switch (m.Kind)
                {
                    case "verify-plan":
                        progress.Planned(d.GetProperty("files").GetInt64());
                        break;
                    case "verify-progress":
                        progress.Update(d.GetProperty("done").GetInt64(), d.GetProperty("files").GetInt64(), d.GetProperty("differences").GetInt64());
                        break;
                    case "verify-diff":
                        progress.Line(DiffLine(mountPoint, d));
                        break;
                    case "verify":
                        summary = d.Clone();
                        break;
                }
            }, ct);
            progress.Done();
            if (summary is not { } s) return status == 0 ? 2 : status;
            Console.WriteLine(SummaryLine(s));
            return s.GetProperty("status").GetString() switch
            {
                "clean" => 0,
                "differences" => 1,
                _ => 2,
            };
        });
        return cmd;
    }

    /// <summary>"missing /data/a.bin (data/ab/abcd/1.tok): its remote copy ... is missing", and the repair's line below it.</summary>
    internal static string DiffLine(string mountPoint, JsonElement d)
    {
        var path = d.GetProperty("path").GetString();
        var key = d.GetProperty("objectKey").GetString();
        var what = path is null ? key : key is null ? DaemonRequest.Absolute(mountPoint, path) : $"{DaemonRequest.Absolute(mountPoint, path)} ({key})";
        var line = $"{d.GetProperty("kind").GetString()} {what}: {d.GetProperty("detail").GetString()}";
        return d.GetProperty("repair").GetString() is { } repair ? $"{line}\n  repair: {repair}" : line;
    }

    internal static string SummaryLine(JsonElement s)
    {
        long N(string k) => s.GetProperty(k).GetInt64();
        var run = N("id") > 0 ? $"verify run {N("id")}" : "verify (dry run, not recorded)";
        var text = $"{run} ({s.GetProperty("level").GetString()}): {N("files")} files, {N("objects")} objects in {s.GetProperty("seconds").GetDouble():0.0}s: " +
                   $"{N("missing")} missing, {N("sizeDiffers")} size differs, {N("checksumDiffers")} checksum differs, {N("orphans")} orphans, {N("recordIndex")} record/index";
        if (N("foreign") > 0) text += $", {N("foreign")} of another remote tier (not checked)";
        if (N("errors") > 0) text += $", {N("errors")} not checked (errors)";
        if (s.GetProperty("repair").GetBoolean()) text += $"; {N("repaired")} repaired";
        if (s.GetProperty("message").GetString() is { } why) text += $"; failed: {why}";
        return text;
    }
}

/// <summary>The verify levels as the command line spells them.</summary>
public enum VerifyLevelWord { Meta = VerifyLevel.Meta, Object = VerifyLevel.Object, Data = VerifyLevel.Data }

/// <summary>A verify's progress on stderr: one line rewritten in place on a terminal, else a line every few seconds; differences on stdout as they come.</summary>
internal sealed class VerifyProgress(TextWriter err, bool terminal)
{
    private long _files, _done, _diffs;
    private DateTime _last = DateTime.MinValue;
    private bool _shown;

    public void Planned(long files) => _files = files;

    public void Update(long done, long files, long differences)
    {
        (_done, _files, _diffs) = (done, files, differences);
        var now = DateTime.UtcNow;
        if (now - _last < (terminal ? TimeSpan.FromMilliseconds(200) : TimeSpan.FromSeconds(5))) return;
        _last = now;
        var text = $"verify: {_done}/{_files} files, {_diffs} differences";
        if (terminal)
        {
            err.Write("\r" + text.PadRight(79)[..79]);
            _shown = true;
        }
        else err.WriteLine(text);
    }

    public void Line(string line)
    {
        Clear();
        Console.Out.WriteLine(line);
        Console.Out.Flush();
    }

    public void Done() => Clear();

    private void Clear()
    {
        if (!_shown) return;
        err.Write("\r" + new string(' ', 79) + "\r");
        _shown = false;
    }
}
