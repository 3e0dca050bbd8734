using System.Runtime.InteropServices;
using TierFs.Common;
using TierFs.Posix;
using TierFs.Fuse;

namespace TierFs.Host;

/// <summary>The checks before mounting, each failing with one line that says what to do.</summary>
public static unsafe class Preflight
{
    public static void Check(MountSettings s)
    {
        if (Libc.GetEuid() != 0)
            throw new CommandException("tierfs mount must run as root (it mounts with allow_other and serves every user)");
        if (!File.Exists("/dev/fuse"))
            throw new CommandException("/dev/fuse is missing: load the fuse module (modprobe fuse)");
        if (!NativeLibrary.TryLoad("libfuse3.so.3", out var lib))
            throw new CommandException("fuse3 is not installed: run mount-scripts/install.sh (or apt-get install fuse3)");
        NativeLibrary.Free(lib);

        // A mount whose daemon died answers only ENOTCONN: clear it first, so that a restart
        // (by hand or by systemd) mounts again instead of failing on the dead mountpoint.
        var existing = MountTable.At(s.MountPoint);
        if (existing is not null && existing.FsType == "fuse.tierfs")
        {
            if (!IsStale(s.MountPoint))
                throw new CommandException($"{s.MountPoint} is already a TierFs mount (of {existing.Source})");
            Log.Warn("mount", $"clearing the stale TierFs mount on {s.MountPoint} left by a daemon that died");
            MountControl.Unmount(s.MountPoint, MountControl.MntDetach);
            RuntimeFiles.Remove(s.MountPoint);
        }

        if (s.ConfigFile is { } config) TierFs.Policies.PolicyValidator.Load(config); // fails fast, naming the key (and a bad policy)

        RequireDirectory("BACKING", s.Backing);
        RequireDirectory("MOUNTPOINT", s.MountPoint);
        var backing = Path.GetFullPath(s.Backing).TrimEnd('/') + "/";
        var mountPoint = Path.GetFullPath(s.MountPoint).TrimEnd('/') + "/";
        if (mountPoint.StartsWith(backing, StringComparison.Ordinal) && mountPoint != backing)
            throw new CommandException($"MOUNTPOINT {s.MountPoint} is inside BACKING {s.Backing}: the mount would contain itself (mount in place with the same path twice, or elsewhere)");
        RefuseSecondMountOfTree(s, backing);
    }

    /// <summary>
    /// One tree, one mount: a TierFs mount over a TierFs mount, a second mount of a tree another
    /// mount serves (by any path to it), or of a tree inside or around one, would have two daemons
    /// each thinking they own the same files' state.
    /// </summary>
    private static void RefuseSecondMountOfTree(MountSettings s, string backing)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(s.Backing + "\0");
        StatX st;
        fixed (byte* p = bytes)
            if (Libc.Statx(Libc.AT_FDCWD, p, 0, StatX.BasicStats, &st) != 0) return; // RequireDirectory said it is there; a race is caught by the lock
        var (major, minor) = (st.DevMajor, st.DevMinor);
        if (MountTable.Read().LastOrDefault(m => m.FsType == "fuse.tierfs" && m.Major == major && m.Minor == minor) is { } stacked)
            throw new CommandException($"BACKING {s.Backing} is on the TierFs mount {stacked.MountPoint}: a TierFs mount over a TierFs mount would serve its files twice; " +
                                       $"mount that mount's backing tree ({stacked.Source}) instead");
        foreach (var other in RuntimeFiles.All())
        {
            var theirs = Path.GetFullPath(other.Backing).TrimEnd('/') + "/";
            if (Path.GetFullPath(other.MountPoint).TrimEnd('/') == Path.GetFullPath(s.MountPoint).TrimEnd('/')) continue; // its own stale record
            if (!IsAlive(other.Pid)) continue;
            if (theirs == backing || theirs.StartsWith(backing, StringComparison.Ordinal) || backing.StartsWith(theirs, StringComparison.Ordinal))
                throw new CommandException($"BACKING {s.Backing} {(theirs == backing ? "is" : "overlaps")} the tree {other.Backing} that the TierFs mount on {other.MountPoint} serves: " +
                                           "one tree, one mount (two daemons would each think they own its files' state)");
        }
        var fd = OverlayOpen(s.Backing);
        if (fd < 0) return;
        try
        {
            if (BackingLock.Holder(fd) is { } holder)
                throw new CommandException($"{s.Backing} is already served by the TierFs mount on {holder}: one tree, one mount " +
                                           "(two daemons would each think they own its files' state); unmount that one first");
        }
        finally
        {
            Libc.Close(fd);
        }
    }

    private static int OverlayOpen(string path)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = bytes) return Libc.OpenAt(Libc.AT_FDCWD, p, Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
    }

    /// <summary>A running process (a zombie, dead but not yet reaped, is not).</summary>
    private static bool IsAlive(int pid)
    {
        if (pid <= 0) return false;
        try { return !File.ReadAllText($"/proc/{pid}/stat").Split(')')[^1].TrimStart().StartsWith('Z'); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }

    private static void RequireDirectory(string what, string path)
    {
        if (Directory.Exists(path)) return;
        if (File.Exists(path)) throw new UsageException($"{what} {path} is not a directory");
        if (IsStale(path)) throw new CommandException($"{what} {path} is a mount whose daemon died (Transport endpoint is not connected): run tierfs umount {path}");
        throw new UsageException($"{what} {path} does not exist");
    }

    /// <summary>True when the path answers ENOTCONN: a FUSE mount whose daemon is gone.</summary>
    public static bool IsStale(string path)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        StatX st;
        fixed (byte* p = bytes)
            // Forced: the kernel may still hold the dead mount's root attributes for the cache timeout.
            return Libc.Statx(Libc.AT_FDCWD, p, Libc.AT_STATX_FORCE_SYNC, StatX.BasicStats, &st) != 0 && Libc.Errno() == Errno.ENOTCONN;
    }
}
