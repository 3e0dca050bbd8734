using System.Text;
using TierFs.Posix;

namespace TierFs.Tiering.Control;

/// <summary>
/// The directories above the mountpoint, which a walk from the backing root descriptor never
/// sees: a user who cannot search them reaches nothing on the mount, and the control socket must
/// not tell them more (whether a name exists, its state) nor recall for them. Resolved once, as
/// root, before mounting (symlinks and ".." taken out, so that the walk goes where the mount is);
/// walked as the user from "/" one directory at a time, symlinks not followed, the kernel checking
/// search permission on each, the mountpoint's parent included. The mountpoint itself is not
/// opened (that would call into our own FUSE session): the mount root's permissions are the
/// backing root's, which <see cref="ReadAccess"/> checks by looking names up in it.
/// </summary>
public sealed unsafe class MountAncestors
{
    private readonly string[]? _parent; // null: the mount is "/", nothing above it

    private MountAncestors(string[]? parent) => _parent = parent;

    /// <summary>Resolves <paramref name="mountPoint"/> (an existing directory, not mounted yet).</summary>
    public static MountAncestors Of(string mountPoint)
    {
        var fd = Open(Libc.AT_FDCWD, mountPoint, follow: true);
        if (fd < 0) throw new IOException($"cannot resolve the mountpoint {mountPoint}: errno {Libc.Errno()}");
        string? canonical;
        try { canonical = new FileInfo($"/proc/self/fd/{fd}").LinkTarget; }
        finally { Libc.Close(fd); }
        if (canonical is null || !canonical.StartsWith('/')) throw new IOException($"cannot resolve the mountpoint {mountPoint}");
        var parent = Path.GetDirectoryName(canonical);
        return new(parent?.Split('/', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>Whether the calling thread's credentials reach the mountpoint (run it as the user).</summary>
    public bool Reachable()
    {
        if (_parent is null) return true;
        var fd = Open(Libc.AT_FDCWD, "/", follow: true);
        foreach (var part in _parent)
        {
            if (fd < 0) return false;
            var next = Open(fd, part, follow: false);
            Libc.Close(fd);
            fd = next;
        }
        if (fd < 0) return false;
        // Looking up "." needs search permission on the parent itself, as the mountpoint's name would.
        var self = Open(fd, ".", follow: false);
        Libc.Close(fd);
        if (self < 0) return false;
        Libc.Close(self);
        return true;
    }

    private static int Open(int dirFd, string name, bool follow)
    {
        var bytes = Encoding.UTF8.GetBytes(name + "\0");
        var flags = Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_CLOEXEC | (follow ? 0 : Libc.O_NOFOLLOW);
        fixed (byte* p = bytes) return Libc.OpenAt(dirFd, p, flags, 0);
    }
}
