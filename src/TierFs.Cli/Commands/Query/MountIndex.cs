using TierFs.Cli.Commands.Tier;
using TierFs.Cli.Mounting;
using TierFs.Fuse;
using TierFs.Index;

namespace TierFs.Cli.Commands.Query;

/// <summary>The index of a running mount, opened read-only: its state directory comes from the mount's runtime record.</summary>
public static class MountIndex
{
    public static ReadOnlyIndex Open(string mountPoint)
    {
        var full = RealPath.Resolve(mountPoint, out var error)
                   ?? throw new CommandException($"{mountPoint}: {error}");
        if (MountTable.At(full)?.FsType != TierPathResolver.FsType)
            throw new CommandException($"{mountPoint} is not a TierFs mount");
        var record = RuntimeFiles.Read(full)
                     ?? throw new CommandException($"{mountPoint} has no runtime record ({RuntimeFiles.RecordPath(full)}); is its daemon running?");
        try
        {
            return ReadOnlyIndex.Open(Path.Combine(record.StateDir, "index.db"));
        }
        catch (IndexException e)
        {
            throw new CommandException(e.Message);
        }
    }
}
