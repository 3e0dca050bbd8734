using System.Runtime.InteropServices;
using TierFs.Common;
using TierFs.Posix;
using TierFs.Fuse;
using TierFs.Tiering.Config;

namespace TierFs.Host;

/// <summary>The checks before mounting, each failing with one line that says what to do.</summary>
public static unsafe class Preflight
{
    /// <summary>Checks everything before mounting; returns the configuration, read and checked (the default without --config).</summary>
    public static TierFsConfig Check(MountSettings s)
    {
        CheckCanMount(s);

        // Fails fast, naming the key (and a bad policy).
        var config = s.ConfigFile is { } file ? TierFs.Policies.PolicyValidator.Load(file) : new TierFsConfig();

        RequireDirectory("BACKING", s.Backing);
        RequireDirectory("MOUNTPOINT", s.MountPoint);
        var backing = Path.GetFullPath(s.Backing).TrimEnd('/') + "/";
        var mountPoint = Path.GetFullPath(s.MountPoint).TrimEnd('/') + "/";
        if (mountPoint.StartsWith(backing, StringComparison.Ordinal) && mountPoint != backing)
            throw new CommandException($"MOUNTPOINT {s.MountPoint} is inside BACKING {s.Backing}: the mount would contain itself (mount in place with the same path twice, or elsewhere)");
        RefuseSecondMountOfTree(s, backing);
        // In place the mountpoint is the tree itself; elsewhere its files would be hidden while mounted.
        if (!s.InPlace && !s.NonEmpty && Directory.EnumerateFileSystemEntries(s.MountPoint).Any())
            throw new UsageException($"MOUNTPOINT {s.MountPoint} is not empty: the mount would hide its files (empty it, mount in place with BACKING = MOUNTPOINT, or add -o nonempty)");
        return config;
    }

    /// <summary>
    /// The checks of `tierfs mount --remote` (the west view): root and FUSE, a configuration that
    /// names a pair and a remote tier other than the embedded default, an empty MOUNTPOINT.
    /// </summary>
    public static TierFsConfig CheckRemoteView(MountSettings s)
    {
        CheckCanMount(s);
        if (s.ConfigFile is not { } file) throw new UsageException("mount --remote needs --config FILE: its remote tier and pair name the namespace to serve");
        var config = ConfigLoader.Load(file);
        if (config.Pair is null) throw new ConfigException($"{file}: no pair: is configured; the west mount serves the pair's namespace");
        if (config.Remote is { Type: RemoteType.Directory, Path: null })
            throw new ConfigException($"{file}: remote: names no remote tier (the embedded default lives in a mount's state directory); give remote.path or an S3 bucket");
        RequireDirectory("MOUNTPOINT", s.MountPoint);
        if (!s.NonEmpty && Directory.EnumerateFileSystemEntries(s.MountPoint).Any())
            throw new UsageException($"MOUNTPOINT {s.MountPoint} is not empty: the mount would hide its files (empty it, or add -o nonempty)");
        return config;
    }

    private static void CheckCanMount(MountSettings s)
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

    /// <summary>
    /// What is allowed but probably a mistake, as warnings (on the terminal of `tierfs mount`, and in
    /// the mount's log): a directory archive on the backing tree's own filesystem frees no space.
    /// </summary>
    public static void Warn(MountSettings s, TierFsConfig config)
    {
        // A configured archive that does not exist fails the mount on its own.
        if (config.Remote.Type != RemoteType.Directory || (config.Remote.Path is { } path && !Directory.Exists(path))) return;
        var archive = Path.GetFullPath(config.Remote.Path ?? RemoteFromConfig.DefaultArchive(s.ResolvedStateDir));
        if (DeviceOf(archive) is { } archiveDev && DeviceOf(s.Backing) is { } backingDev && archiveDev == backingDev)
            Log.Warn("mount", $"the remote tier (directory {archive}) is on the same filesystem as BACKING {Path.GetFullPath(s.Backing)}: " +
                              "migrating there frees no space (configure remote: with an S3 bucket or a directory on another filesystem)");
    }

    // The device of the path, or of its nearest existing ancestor (the default archive is made at mount).
    private static ulong? DeviceOf(string path)
    {
        for (var p = Path.GetFullPath(path); ; p = Path.GetDirectoryName(p)!)
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(p + "\0");
            StatX st;
            fixed (byte* b = bytes)
                if (Libc.Statx(Libc.AT_FDCWD, b, 0, StatX.BasicStats, &st) == 0) return st.Dev;
            if (p == "/") return null;
        }
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
