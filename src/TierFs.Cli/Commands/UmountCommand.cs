using System.CommandLine;
using TierFs.Cli.Mounting;
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
        if (record is not null && !WaitForExit(record.Pid))
            throw new CommandException($"{path} is unmounted but its daemon (pid {record.Pid}) is still running after {ExitTimeout.TotalSeconds:0}s");
        return 0;
    }

    private static bool WaitForExit(int pid)
    {
        try
        {
            using var p = System.Diagnostics.Process.GetProcessById(pid);
            return p.WaitForExit(ExitTimeout);
        }
        catch (ArgumentException)
        {
            return true; // already gone
        }
    }
}
