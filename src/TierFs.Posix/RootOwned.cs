namespace TierFs.Posix;

/// <summary>
/// What the `tierfs` command checks before it trusts a runtime file (the runtime directory, a
/// mount's record, its control socket, its index): owned by root and writable by nobody else,
/// so that no user can have planted or replaced it. The path itself is not followed if it is a
/// symlink (a planted symlink is refused as not being the expected kind).
/// </summary>
public static unsafe class RootOwned
{
    public enum Kind { Directory, File, Socket }

    private const uint S_IFSOCK = 0xC000;
    private const uint GroupOrOtherWrite = 0x12; // 020 | 002

    /// <summary>Null when trusted; otherwise one sentence saying why not.</summary>
    public static string? Problem(string path, Kind kind)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        StatX st;
        fixed (byte* p = bytes)
            if (Libc.Statx(Libc.AT_FDCWD, p, Libc.AT_SYMLINK_NOFOLLOW, StatX.BasicStats, &st) != 0)
                return null; // missing: the caller says what is missing in its own words
        var type = st.Mode & Libc.S_IFMT;
        var expected = kind switch { Kind.Directory => Libc.S_IFDIR, Kind.Socket => S_IFSOCK, _ => Libc.S_IFREG };
        if (type != expected)
            return $"{path} is not a {(kind == Kind.File ? "regular file" : kind.ToString().ToLowerInvariant())}";
        if (st.Uid != 0) return $"{path} is owned by uid {st.Uid}, not root";
        // A socket's mode says who may connect, not who may replace it (its directory says that).
        if (kind != Kind.Socket && (st.Mode & GroupOrOtherWrite) != 0)
            return $"{path} is writable by others (mode {Convert.ToString(st.Mode & 0xFFF, 8)})";
        return null;
    }
}
