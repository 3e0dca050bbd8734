using TierFs.Cli.Commands.Background;
using TierFs.Host;
using TierFs.Index;
using TierFs.Posix;

namespace TierFs.Cli.Commands.Query;

/// <summary>The index of a running mount, opened read-only: its state directory comes from the mount's runtime record.</summary>
public static class MountIndex
{
    /// <summary>
    /// The index of the mount holding <paramref name="path"/> (its mountpoint or any path on it; bad
    /// input otherwise), with <c>abspath(id)</c> giving paths on that mount.
    /// </summary>
    public static ReadOnlyIndex Open(string path)
    {
        // The index names every file, its size and owner, also in directories a user cannot list.
        if (Libc.GetEuid() != 0)
            throw new CommandException("only root may read a mount's index (query, report); users may run tierfs state and tierfs recall on files they can read");
        var mountPoint = DaemonRequest.MountOf(path);
        var record = RuntimeFiles.Read(mountPoint)
                     ?? throw new CommandException($"{mountPoint} has no runtime record ({RuntimeFiles.RecordPath(mountPoint)}); is its daemon running?");
        var indexPath = Path.Combine(record.StateDir, StateDirectory.IndexFile);
        if ((RootOwned.Problem(record.StateDir, RootOwned.Kind.Directory) ?? RootOwned.Problem(indexPath, RootOwned.Kind.File)) is { } problem)
            throw new CommandException($"refusing the index of {mountPoint}: {problem}");
        try
        {
            return ReadOnlyIndex.Open(indexPath, mountPoint: mountPoint);
        }
        catch (IndexException e)
        {
            throw new CommandException(e.Message);
        }
    }
}
