using TierFs.Posix;
using TierFs.Records;

namespace TierFs.Tiering.Engine;

/// <summary>A regular file a command works on: its path under the mount, an O_PATH descriptor, identity and stat.</summary>
internal sealed class TierFile(string path, int pathFd, FileKey key, StatX stat) : IDisposable
{
    public string Path { get; } = path;
    public int PathFd { get; } = pathFd;
    public FileKey Key { get; } = key;
    public StatX Stat { get; } = stat;
    public long Size => (long)Stat.Size;

    public void Dispose() => Libc.Close(PathFd);
}
