using System.Globalization;

namespace TierFs.Fuse;

/// <summary>One line of /proc/self/mountinfo: <paramref name="Options"/> the mount's own (rw, nosuid, ...),
/// <paramref name="SuperOptions"/> the filesystem's (for FUSE: user_id, max_read, ...).</summary>
public sealed record MountInfo(string MountPoint, string FsType, string Source, uint Major, uint Minor, string Options, string SuperOptions = "");

/// <summary>Reads the kernel's mount table (no access to the mounted filesystems themselves).</summary>
public static class MountTable
{
    public static IReadOnlyList<MountInfo> Read(string path = "/proc/self/mountinfo")
    {
        var result = new List<MountInfo>();
        foreach (var line in File.ReadLines(path))
        {
            var parsed = Parse(line);
            if (parsed is not null) result.Add(parsed);
        }
        return result;
    }

    /// <summary>The topmost mount at exactly this path, if any.</summary>
    public static MountInfo? At(string mountPoint)
    {
        var full = Path.GetFullPath(mountPoint).TrimEnd('/');
        if (full.Length == 0) full = "/";
        return Read().LastOrDefault(m => m.MountPoint == full);
    }

    internal static MountInfo? Parse(string line)
    {
        // id parent major:minor root mountpoint options [optional fields...] - fstype source superoptions
        var fields = line.Split(' ');
        var dash = Array.IndexOf(fields, "-");
        if (fields.Length < 7 || dash < 6 || dash + 2 >= fields.Length) return null;
        var dev = fields[2].Split(':');
        if (dev.Length != 2) return null;
        return new MountInfo(
            Unescape(fields[4]), fields[dash + 1], Unescape(fields[dash + 2]),
            uint.Parse(dev[0], CultureInfo.InvariantCulture), uint.Parse(dev[1], CultureInfo.InvariantCulture), fields[5],
            dash + 3 < fields.Length ? fields[dash + 3] : "");
    }

    // The kernel writes space, tab, newline and backslash as \ooo octal escapes.
    internal static string Unescape(string s)
    {
        if (!s.Contains('\\')) return s;
        var sb = new System.Text.StringBuilder(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && IsOctal(s, i + 1))
            {
                sb.Append((char)Convert.ToInt32(s.Substring(i + 1, 3), 8));
                i += 3;
            }
            else sb.Append(s[i]);
        }
        return sb.ToString();
    }

    private static bool IsOctal(string s, int at) =>
        at + 3 <= s.Length && s[at] is >= '0' and <= '7' && s[at + 1] is >= '0' and <= '7' && s[at + 2] is >= '0' and <= '7';
}
