using TierFs.IntegrationTests.Harness;

namespace TierFs.IntegrationTests.Trust;

/// <summary>
/// The kernel sends a create only for a name it believes absent, and does not check the caller's
/// permissions on what the create opens: it takes it as made. A name that appeared behind the mount
/// meanwhile (a user with the backing tree at hand can put one there between the lookup and the
/// create, over and over) must not be opened by the root daemon for the caller, let alone followed
/// when it is a symlink, or given to the caller with chown. Made deterministic here with
/// negative_timeout: the kernel keeps "absent" for a minute while the name appears behind it.
/// </summary>
public class CreateRaceTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    // Opens the path as asked and writes a line; prints "opened" or the errno's name.
    private const string OpenAs = """
        import errno, os, sys
        path, how = sys.argv[1], sys.argv[2]
        flags = {"trunc": os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
                 "append": os.O_WRONLY | os.O_CREAT | os.O_APPEND,
                 "excl": os.O_WRONLY | os.O_CREAT | os.O_EXCL}[how]
        try:
            fd = os.open(path, flags, 0o644)
            os.write(fd, b"nobody was here\n")
            os.close(fd)
            print("opened")
        except OSError as e:
            print(errno.errorcode[e.errno])
        """;

    // Debian's python3 (installed by mount-scripts/install.sh): one that PATH finds may be in root's home.
    private static string AsNobody(string path, string how)
    {
        var r = Proc.RunAsNobody(["/usr/bin/python3", "-c", OpenAs, path, how], Bound);
        Assert.True(r.ExitCode == 0, r.ToString());
        return r.Stdout.Trim();
    }

    // One process makes set-uid files through the mount and removes them again; another swaps a
    // symlink to the victim in place of each, behind the mount. Stops when the victim changed.
    private const string SwapUnderMknod = """
        import os, stat, sys, time
        mount_name, backing_dir, victim, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
        swapper = os.fork()
        if swapper == 0:
            tmp = os.path.join(backing_dir, "tmp")
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                try:
                    os.symlink(victim, tmp)
                    os.rename(tmp, os.path.join(backing_dir, "f"))
                except OSError:
                    pass
            os._exit(0)
        rounds, end = 0, time.monotonic() + seconds
        while time.monotonic() < end and os.stat(victim).st_mode & 0o6000 == 0:
            rounds += 1
            try:
                os.mknod(mount_name, stat.S_IFREG | 0o6755)
            except OSError:
                pass
            try:
                os.unlink(mount_name)
            except OSError:
                pass
        os.kill(swapper, 9)
        os.waitpid(swapper, 0)
        print(f"{rounds} rounds, victim mode {os.stat(victim).st_mode & 0o7777:o}")
        """;

    [Fact]
    public void A_symlink_swapped_in_behind_the_mount_while_a_set_id_file_is_made_does_not_pass_on_its_mode()
    {
        using var m = TestMount.Start();
        Px.Chmod(m.Root, 0x1ED);
        Px.Chmod(m.Backing, 0x1ED);
        Directory.CreateDirectory(m.B("shared"));
        Px.Chmod(m.B("shared"), 0x1FF);
        var victim = Path.Combine(m.Root, "victim");
        File.WriteAllText(victim, "#!/bin/sh\n");
        Px.Chmod(victim, 0x1ED); // root's 0755, as a program in /usr/bin
        var r = Proc.RunAsNobody(["/usr/bin/python3", "-c", SwapUnderMknod,
            m.M("shared/f"), m.B("shared"), victim, "4"], TimeSpan.FromSeconds(60));
        Assert.True(r.ExitCode == 0, r.ToString());
        var st = Px.Stat(victim);
        Assert.True(st.Uid == 0 && (st.Mode & 0xFFF) == 0x1ED, $"root's program became {st.Uid}:{st.Gid} mode {Convert.ToString(st.Mode & 0xFFF, 8)} ({r.Stdout.Trim()})");
        Assert.Equal(0, m.Unmount().ExitCode);
    }

    /// <summary>The name is looked up through the mount (absent, and the kernel keeps that), then made behind it.</summary>
    private static void AppearsBehind(TestMount m, string name, Action<string> make)
    {
        Assert.Equal(Px.ENOENT, Px.TryStat(m.M(name), out _));
        make(m.B(name));
    }

    [Fact]
    public void A_name_that_appears_behind_the_mount_before_a_create_is_not_opened_for_the_caller()
    {
        using var m = TestMount.Start(false, "-o", "negative_timeout=60");
        Px.Chmod(m.Root, 0x1ED); // 0755: nobody reaches the mount
        Px.Chmod(m.Backing, 0x1ED);
        Directory.CreateDirectory(m.B("shared"));
        Px.Chmod(m.B("shared"), 0x1FF); // 0777: nobody may create in it
        var secret = Path.Combine(m.Root, "secret");
        File.WriteAllText(secret, "root data\n");
        Px.Chmod(secret, 0x180); // 0600

        // A symlink to a root file: the root daemon followed it, truncated the file and gave it away.
        AppearsBehind(m, "shared/link", p => File.CreateSymbolicLink(p, secret));
        var link = AsNobody(m.M("shared/link"), "trunc");
        Assert.NotEqual("opened", link);
        Assert.Equal("root data\n", File.ReadAllText(secret));
        var st = Px.Stat(secret);
        Assert.True(st.Uid == 0 && (st.Mode & 0xFFF) == 0x180, $"the secret is now {st.Uid}:{st.Gid} mode {Convert.ToString(st.Mode & 0xFFF, 8)}");

        // A root file the caller may not write: refused as an open of it would be.
        AppearsBehind(m, "shared/closed", p => { File.WriteAllText(p, "root's file\n"); Px.Chmod(p, 0x180); });
        Assert.Equal("EACCES", AsNobody(m.M("shared/closed"), "trunc"));
        Assert.Equal("root's file\n", File.ReadAllText(m.B("shared/closed")));
        Assert.Equal(0u, Px.Stat(m.B("shared/closed")).Uid);

        // A file the caller may write: opened as it is, and still its owner's.
        AppearsBehind(m, "shared/open", p => { File.WriteAllText(p, "shared file\n"); Px.Chmod(p, 0x1B6); });
        Assert.Equal("opened", AsNobody(m.M("shared/open"), "append"));
        Assert.Equal("shared file\nnobody was here\n", File.ReadAllText(m.B("shared/open")));
        Assert.Equal(0u, Px.Stat(m.B("shared/open")).Uid);

        // O_EXCL: the name is there.
        AppearsBehind(m, "shared/excl", p => File.WriteAllText(p, "first\n"));
        Assert.Equal("EEXIST", AsNobody(m.M("shared/excl"), "excl"));
        Assert.Equal("first\n", File.ReadAllText(m.B("shared/excl")));

        // And a name that is absent is still made, for its caller; root's own creates after it are
        // root's (the worker threads gave the caller's credentials back).
        Assert.Equal("opened", AsNobody(m.M("shared/new"), "trunc"));
        Assert.Equal(65534u, Px.Stat(m.B("shared/new")).Uid);
        for (var i = 0; i < 20; i++)
        {
            File.WriteAllText(m.M($"shared/root{i}"), "");
            Directory.CreateDirectory(m.M($"shared/rootdir{i}"));
            Assert.Equal(0u, Px.Stat(m.B($"shared/root{i}")).Uid);
            Assert.Equal(0u, Px.Stat(m.B($"shared/rootdir{i}")).Uid);
        }
        Assert.Equal(0, m.Unmount().ExitCode);
    }
}
