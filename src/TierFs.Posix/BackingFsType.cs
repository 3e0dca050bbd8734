namespace TierFs.Posix;

/// <summary>What kind of filesystem the backing tree is on (statfs f_type magic numbers).</summary>
public static unsafe class BackingFsType
{
    // Filesystems whose close(2) can report errors that a write did not (the data leaves the node).
    private static readonly Dictionary<long, string> Network = new()
    {
        [0x6969] = "nfs",
        [0xFF534D42] = "cifs",
        [0xFE534D42] = "smb2",
        [0x517B] = "smb",
        [0x0BD00BD0] = "lustre",
        [0x19830326] = "beegfs",
        [0x00C36400] = "ceph",
        [0x47504653] = "gpfs",
        [0x5346414F] = "afs",
        [0x65735546] = "fuse",
        [0x01021997] = "v9fs",
    };

    public static long Magic(int fd)
    {
        var buf = stackalloc byte[256];
        return Libc.Fstatfs(fd, buf) == 0 ? *(long*)buf : 0;
    }

    public static bool IsNetwork(int fd) => Network.ContainsKey(Magic(fd));

    /// <summary>"nfs (network)" or "f_type 0xef53 (local)", for the log.</summary>
    public static string Describe(int fd)
    {
        var magic = Magic(fd);
        return Network.TryGetValue(magic, out var name) ? $"{name} (network)" : $"f_type 0x{magic:x} (local)";
    }
}
