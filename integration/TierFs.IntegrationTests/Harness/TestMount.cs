using TierFs.Fuse;

namespace TierFs.IntegrationTests.Harness;

/// <summary>
/// A temp directory with backing/, mnt/ and state/, and a real `tierfs mount` of backing on mnt
/// (or of backing on itself, in place). Dispose unmounts (forcing if needed), waits for the
/// daemon to exit, and deletes the temp directory, also after a failed test.
/// </summary>
public sealed class TestMount : IDisposable
{
    public string Root { get; }
    public string Backing { get; }
    public string MountPoint { get; }
    public string StateDir { get; }
    public bool InPlace { get; }

    private TestMount(string root, bool inPlace)
    {
        Root = root;
        Backing = Path.Combine(root, "backing");
        MountPoint = inPlace ? Backing : Path.Combine(root, "mnt");
        StateDir = Path.Combine(root, "state");
        InPlace = inPlace;
        Directory.CreateDirectory(Backing);
        Directory.CreateDirectory(MountPoint);
    }

    /// <summary>A fresh temp tree, not mounted yet (fill backing/ first if needed).</summary>
    public static TestMount Create(bool inPlace = false) =>
        new(Directory.CreateTempSubdirectory("tierfs-it-").FullName, inPlace);

    /// <summary>Creates and mounts; extra arguments go to `tierfs mount`.</summary>
    public static TestMount Start(bool inPlace = false, params string[] extraArgs)
    {
        var m = Create(inPlace);
        try
        {
            m.Mount(extraArgs);
            return m;
        }
        catch
        {
            m.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A fresh tree and what <paramref name="mount"/> ran on it (a `tierfs mount` expected to fail,
    /// say), for the caller to dispose; if <paramref name="mount"/> throws (a timeout), the tree is
    /// disposed here, as nobody else could.
    /// </summary>
    public static (RunResult Result, TestMount Mount) Attempt(Func<TestMount, RunResult> mount)
    {
        var m = Create();
        try
        {
            return (mount(m), m);
        }
        catch
        {
            m.Dispose();
            throw;
        }
    }

    public string LogFile => Path.Combine(StateDir, "tierfs.log");

    public string Log => File.Exists(LogFile) ? File.ReadAllText(LogFile) : "(no log)";

    /// <summary>The log's last lines, for a failure message (the tree is gone once the test ends).</summary>
    public string LogTail(int lines = 40) => string.Join('\n', Log.Split('\n').TakeLast(lines));

    public bool IsMounted => MountTable.At(MountPoint)?.FsType == "fuse.tierfs";

    public void Mount(params string[] extraArgs)
    {
        var r = Proc.Run(Proc.Tierfs, ["mount", Backing, MountPoint, "--state-dir", StateDir, .. extraArgs]);
        if (r.ExitCode != 0) throw new InvalidOperationException($"tierfs mount failed: {r}\nlog: {Log}");
        if (!IsMounted) throw new InvalidOperationException($"tierfs mount returned 0 but nothing is mounted on {MountPoint}");
    }

    public RunResult Unmount(bool lazy = false) =>
        lazy ? Proc.TierfsRun("umount", "--lazy", MountPoint) : Proc.TierfsRun("umount", MountPoint);

    /// <summary>A path under the mount.</summary>
    public string M(string relative) => Path.Combine(MountPoint, relative);

    /// <summary>A path in the backing tree (only reachable directly when not mounted in place).</summary>
    public string B(string relative) => Path.Combine(Backing, relative);

    public void Dispose()
    {
        try
        {
            if (IsMounted)
            {
                var r = Unmount();
                if (r.ExitCode != 0) Unmount(lazy: true);
            }
        }
        finally
        {
            // Whatever happened above, leave nothing mounted under the temp root, then delete it.
            foreach (var m in MountTable.Read().Where(m => m.MountPoint.StartsWith(Root + "/", StringComparison.Ordinal)).Reverse())
                MountControl.Unmount(m.MountPoint, MountControl.MntDetach | MountControl.MntForce);
            try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
