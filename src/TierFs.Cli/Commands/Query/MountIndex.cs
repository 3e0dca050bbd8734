using TierFs.Cli.Commands.Tier;
using TierFs.Host;
using TierFs.Fuse;
using TierFs.Index;
using TierFs.Posix;

namespace TierFs.Cli.Commands.Query;

/// <summary>The index of a running mount, opened read-only: its state directory comes from the mount's runtime record.</summary>
public static class MountIndex
{
    public static ReadOnlyIndex Open(string mountPoint)
    {
        // The index names every file, its size and owner, also in directories a user cannot list.
        if (Libc.GetEuid() != 0)
            throw new CommandException("only root may read a mount's index (query, report); users may run tierfs state and tierfs recall on files they can read");
        var full = RealPath.Resolve(mountPoint, out var error)
                   ?? throw new CommandException($"{mountPoint}: {error}");
        if (MountTable.At(full)?.FsType != TierPathResolver.FsType)
            throw new CommandException($"{mountPoint} is not a TierFs mount");
        var record = RuntimeFiles.Read(full)
                     ?? throw new CommandException($"{mountPoint} has no runtime record ({RuntimeFiles.RecordPath(full)}); is its daemon running?");
        var indexPath = Path.Combine(record.StateDir, StateDirectory.IndexFile);
        if ((RootOwned.Problem(record.StateDir, RootOwned.Kind.Directory) ?? RootOwned.Problem(indexPath, RootOwned.Kind.File)) is { } problem)
            throw new CommandException($"refusing the index of {mountPoint}: {problem}");
        try
        {
            return ReadOnlyIndex.Open(indexPath);
        }
        catch (IndexException e)
        {
            throw new CommandException(e.Message);
        }
    }
}
