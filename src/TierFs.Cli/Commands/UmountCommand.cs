using TierFs.Posix;
using System.CommandLine;
using TierFs.Host;
using TierFs.Fuse;

namespace TierFs.Cli.Commands;

public static class UmountCommand
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(30);

    public static Command Create()
    {
        var mountPoint = new Argument<string>("MOUNTPOINT") { Description = "A TierFs mountpoint." };
        var lazy = new Option<bool>("--lazy", "-l") { Description = "Detach now even if files are open; they get errors from then on." };
        var cmd = new Command("umount", "Unmount a TierFs mount and wait for its daemon to exit.") { mountPoint, lazy };
        cmd.SetAction(parse => Run(parse.GetValue(mountPoint)!, parse.GetValue(lazy)));
        return cmd;
    }

    private static int Run(string path, bool lazy)
    {
        if (string.IsNullOrEmpty(path)) throw new UsageException("umount: no MOUNTPOINT given");
        var full = Path.GetFullPath(path);
        var info = MountTable.At(full);
        if (info is null || info.FsType != "fuse.tierfs")
            throw new UsageException($"{path} is not a TierFs mount");
        var record = RuntimeFiles.Read(full);
        var flags = lazy ? MountControl.MntDetach | MountControl.MntForce : 0;
        var err = MountControl.Unmount(full, flags);
        if (err == Errno.EBUSY)
            throw new CommandException($"{path} is busy: files are open under it (close them, or use tierfs umount --lazy)");
        if (err != 0)
            throw new CommandException($"cannot unmount {path}: {System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(err)}");
        if (record is not null && !IsAlive(record.Pid))
        {
            RuntimeFiles.Remove(full); // the daemon died: nobody else will remove its record
            try { File.Delete(RuntimeFiles.SocketPath(full)); } catch (IOException) { }
        }
        if (record is not null && !WaitForExit(record.Pid))
            throw new CommandException($"{path} is unmounted but its daemon (pid {record.Pid}) is still running after {ExitTimeout.TotalSeconds:0}s");
        return 0;
    }

    // Polls /proc: a daemon that has exited but is not yet reaped (a zombie) counts as gone,
    // because an init that is slow to reap (or a container without one) must not stall umount.
    private static bool WaitForExit(int pid)
    {
        var deadline = DateTime.UtcNow + ExitTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (!IsAlive(pid)) return true;
            Thread.Sleep(20);
        }
        return !IsAlive(pid);
    }

    internal static bool IsAlive(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                if (line.StartsWith("State:", StringComparison.Ordinal)) return line["State:".Length..].Trim() is not ['Z', ..];
            return false;
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return true; }
    }
}
