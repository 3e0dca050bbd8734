using TierFs.Fuse;

namespace TierFs.Cli.Commands.Tier;

/// <summary>
/// Turns the paths a user typed into (TierFs mountpoint, path below it). The parent directory
/// is resolved by the kernel (realpath: symlinked parents, "..", relative paths), the last
/// component is not followed (as lstat does: `tierfs state link` is about the link). The mount
/// is the deepest mount containing the result; it must be of type fuse.tierfs (a filesystem
/// mounted inside a TierFs mount is not on TierFs).
/// </summary>
public sealed class TierPathResolver(Func<IReadOnlyList<MountInfo>>? mounts = null, string? workingDirectory = null)
{
    public const string FsType = "fuse.tierfs";
    /// <summary>How a west mount's source starts in the mount table (WestMountHost names it so).</summary>
    public const string WestSourcePrefix = "tierfs-west:";

    private readonly Func<IReadOnlyList<MountInfo>> _mounts = mounts ?? (() => MountTable.Read());
    private IReadOnlyList<MountInfo>? _table;

    private string WorkingDirectory => workingDirectory ?? Environment.CurrentDirectory;

    public ResolvedPath Resolve(string given)
    {
        if (given.Length == 0) return ResolvedPath.Failed(given, "no such file or directory");
        var canonical = Canonical(given, out var error);
        if (canonical is null) return ResolvedPath.Failed(given, error!);

        var mount = Containing(canonical);
        if (mount is null || mount.FsType != FsType) return ResolvedPath.Failed(given, "not on a TierFs mount");
        if (mount.Source.StartsWith(WestSourcePrefix, StringComparison.Ordinal))
            return ResolvedPath.Failed(given, $"on the west mount {mount.MountPoint} (tierfs mount --remote), a read-only view of the remote tier: this command works on east mounts");
        var relative = mount.MountPoint == "/" ? canonical.TrimStart('/') : canonical[mount.MountPoint.Length..].TrimStart('/');
        return ResolvedPath.On(given, mount.MountPoint, relative);
    }

    /// <summary>Resolves each path and groups those on a mount by mountpoint, in the order first given.</summary>
    public (IReadOnlyList<IGrouping<string, ResolvedPath>> ByMount, IReadOnlyList<ResolvedPath> Failed) ResolveAll(IEnumerable<string> paths)
    {
        var all = paths.Select(Resolve).ToList();
        var byMount = all.Where(r => r.Error is null).GroupBy(r => r.MountPoint!, StringComparer.Ordinal).ToList();
        return (byMount, all.Where(r => r.Error is not null).ToList());
    }

    // The absolute path with every component but the last resolved.
    private string? Canonical(string given, out string? error)
    {
        var path = given.StartsWith('/') ? given : Path.Combine(WorkingDirectory, given);
        // A trailing slash, ".", ".." or the root: the last component is a directory to follow.
        var trimmed = path.TrimEnd('/');
        var name = trimmed[(trimmed.LastIndexOf('/') + 1)..];
        if (trimmed.Length < path.Length || name is "" or "." or "..")
            return RealPath.Resolve(path, out error);
        var parent = RealPath.Resolve(trimmed[..(trimmed.LastIndexOf('/') + 1)], out error);
        if (parent is null) return null;
        return parent == "/" ? "/" + name : parent + "/" + name;
    }

    private MountInfo? Containing(string canonical)
    {
        _table ??= _mounts();
        MountInfo? best = null;
        // Later lines are mounted on top of earlier ones at the same place: the last one wins.
        foreach (var m in _table)
        {
            if (!Contains(m.MountPoint, canonical)) continue;
            if (best is null || m.MountPoint.Length >= best.MountPoint.Length) best = m;
        }
        return best;
    }

    private static bool Contains(string mountPoint, string path) =>
        mountPoint == "/" || path == mountPoint || (path.StartsWith(mountPoint, StringComparison.Ordinal) && path[mountPoint.Length] == '/');
}
