using System.Security.Cryptography;
using System.Text;

namespace TierFs.Host;

/// <summary>
/// A mount's short name, derived from its mountpoint the way systemd-escape --path does
/// (/data/proj → data-proj), hashed when long. It names the state and runtime files.
/// </summary>
public static class MountName
{
    private const int MaxLength = 80;

    public static string For(string mountPoint)
    {
        var path = Path.GetFullPath(mountPoint).Trim('/');
        if (path.Length == 0) return "-";
        var sb = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(path))
        {
            var c = (char)b;
            if (c == '/') sb.Append('-');
            else if (char.IsAsciiLetterOrDigit(c) || c is '_' or ':' || (c == '.' && sb.Length > 0)) sb.Append(c);
            else sb.Append($"\\x{b:x2}");
        }
        var name = sb.ToString();
        if (name.Length <= MaxLength) return name;
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(path)))[..16];
        return name[..(MaxLength - 17)] + "-" + hash;
    }
}
