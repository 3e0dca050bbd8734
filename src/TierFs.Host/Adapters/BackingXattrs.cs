using System.Text;
using TierFs.Namespace;
using TierFs.Posix;

namespace TierFs.Host.Adapters;

/// <summary>
/// The user.* xattrs of an entry of the backing tree, for the published namespace (the index does
/// not hold them). The path is walked from the backing root one component at a time with
/// O_NOFOLLOW, so a symlink swapped in by a user is never followed: such an entry has none.
/// </summary>
public sealed unsafe class BackingXattrs(int rootFd) : IXattrSource
{
    private const string UserPrefix = "user.";

    public IReadOnlyList<NsXattr> UserXattrs(string relativePath, char type)
    {
        var fd = Open(relativePath);
        if (fd < 0) return [];
        try
        {
            var proc = stackalloc byte[ProcFd.BufferSize];
            ProcFd.Format(fd, proc);
            var list = new byte[64 * 1024];
            nint n;
            fixed (byte* l = list) n = Libc.ListXattr(proc, l, (nuint)list.Length);
            if (n <= 0) return [];
            var found = new List<NsXattr>();
            var value = new byte[64 * 1024];
            foreach (var raw in list.AsSpan(0, (int)n).ToArray().Split0())
            {
                var name = Encoding.UTF8.GetString(raw);
                if (!name.StartsWith(UserPrefix, StringComparison.Ordinal)) continue;
                var z = new byte[raw.Length + 1];
                raw.CopyTo(z, 0);
                nint got;
                fixed (byte* np = z)
                fixed (byte* v = value)
                    got = Libc.GetXattr(proc, np, v, (nuint)value.Length);
                if (got >= 0) found.Add(new NsXattr(name, value.AsSpan(0, (int)got).ToArray()));
            }
            return found;
        }
        finally
        {
            Libc.Close(fd);
        }
    }

    private int Open(string relativePath)
    {
        var fd = Libc.Dup(rootFd);
        if (relativePath.Length == 0) return fd;
        foreach (var part in relativePath.Split('/'))
        {
            var z = Encoding.UTF8.GetBytes(part + "\0");
            int next;
            fixed (byte* p = z) next = Libc.OpenAt(fd, p, Libc.O_PATH | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0);
            Libc.Close(fd);
            if (next < 0) return -1;
            fd = next;
        }
        // The last component may be a symlink opened as itself (O_PATH|O_NOFOLLOW): its /proc path would follow it.
        var st = FdStat.Of(fd);
        if ((st.Mode & Libc.S_IFMT) is not (Libc.S_IFREG or Libc.S_IFDIR))
        {
            Libc.Close(fd);
            return -1;
        }
        return fd;
    }
}

internal static class NulList
{
    /// <summary>The names of a listxattr answer (NUL-terminated, one after the other).</summary>
    public static List<byte[]> Split0(this byte[] list)
    {
        var names = new List<byte[]>();
        var start = 0;
        for (var i = 0; i < list.Length; i++)
        {
            if (list[i] != 0) continue;
            if (i > start) names.Add(list[start..i]);
            start = i + 1;
        }
        return names;
    }
}
