namespace TierFs.Cli.Commands.Tier;

/// <summary>
/// A path as the user gave it, and where it lives: the TierFs mountpoint and the path below it
/// ("" for the mount's root). Error instead when it is not on a TierFs mount or cannot be resolved.
/// </summary>
public sealed record ResolvedPath(string Given, string? MountPoint, string? Relative, string? Error)
{
    public static ResolvedPath On(string given, string mountPoint, string relative) => new(given, mountPoint, relative, null);

    public static ResolvedPath Failed(string given, string error) => new(given, null, null, error);
}
