using TierFs.Cli.Commands.Background;
using TierFs.Cli.Mounting;
using TierFs.Index;

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
        var mountPoint = DaemonRequest.MountOf(path);
        var record = RuntimeFiles.Read(mountPoint)
                     ?? throw new CommandException($"{mountPoint} has no runtime record ({RuntimeFiles.RecordPath(mountPoint)}); is its daemon running?");
        try
        {
            return ReadOnlyIndex.Open(Path.Combine(record.StateDir, "index.db"), mountPoint: mountPoint);
        }
        catch (IndexException e)
        {
            throw new CommandException(e.Message);
        }
    }
}
