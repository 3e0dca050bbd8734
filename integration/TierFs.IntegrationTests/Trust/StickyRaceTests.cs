using TierFs.IntegrationTests.Harness;

namespace TierFs.IntegrationTests.Trust;

/// <summary>
/// In a sticky directory (/tmp, a shared drop box) a user may remove or replace only their own
/// names. The kernel checks that against the file its cached entry names; a user with the backing
/// tree at hand can remove their file behind the mount, wait for another user to make one of that
/// name, and then remove, replace or take it through the entry the kernel still holds. Made
/// deterministic here with entry_timeout and attr_timeout of a minute.
/// </summary>
public class StickyRaceTests
{
    private const uint Victim = 1001;

    private static RunResult AsNobody(string script, string dir) =>
        Proc.RunAsNobody(["sh", "-c", script, "sh", dir], TimeSpan.FromSeconds(20));

    [Fact]
    public void A_name_another_user_made_again_behind_the_mount_is_not_removed_or_replaced_through_a_stale_entry()
    {
        using var m = TestMount.Start(false, "-o", "entry_timeout=60,attr_timeout=60");
        Px.Chmod(m.Root, 0x1ED);
        Px.Chmod(m.Backing, 0x1ED);
        Directory.CreateDirectory(m.B("tmp"));
        Px.Chmod(m.B("tmp"), 0x3FF); // 01777, as /tmp
        var dir = m.M("tmp");

        // nobody's own names, seen through the mount (the kernel keeps them for a minute).
        var made = AsNobody("""cd "$1" && echo mine > f && echo mine > g && echo mine > h && mkdir d && ls -l f g h d >/dev/null""", dir);
        Assert.True(made.ExitCode == 0, made.ToString());

        // Behind the mount they go, and another user's files of the same names come.
        foreach (var name in new[] { "f", "g", "h" })
        {
            File.Delete(m.B($"tmp/{name}"));
            File.WriteAllText(m.B($"tmp/{name}"), "victim's\n");
            Assert.Equal(0, Px.Lchown(m.B($"tmp/{name}"), Victim, Victim));
        }
        Directory.Delete(m.B("tmp/d"));
        Directory.CreateDirectory(m.B("tmp/d"));
        Assert.Equal(0, Px.Lchown(m.B("tmp/d"), Victim, Victim));

        var rm = AsNobody("""cd "$1"; rm -f f; echo "rm=$?"; echo x > mine; mv -f mine g; echo "mv onto=$?"; mv h stolen; echo "mv away=$?"; rmdir d; echo "rmdir=$?" """, dir);
        foreach (var name in new[] { "f", "g", "h" })
        {
            Assert.True(File.Exists(m.B($"tmp/{name}")), $"nobody removed or replaced the victim's {name}: {rm.Stdout}{rm.Stderr}");
            Assert.Equal("victim's\n", File.ReadAllText(m.B($"tmp/{name}")));
            Assert.Equal(Victim, Px.Stat(m.B($"tmp/{name}")).Uid);
        }
        Assert.False(File.Exists(m.B("tmp/stolen")), "nobody moved the victim's file away");
        Assert.True(Directory.Exists(m.B("tmp/d")), "nobody removed the victim's directory");
        Assert.Contains("Operation not permitted", rm.Stderr);

        // Their own names they still remove and replace.
        var own = AsNobody("""cd "$1" && echo again > mine && mv mine own && rm own && mkdir dd && rmdir dd""", dir);
        Assert.True(own.ExitCode == 0, own.ToString());
        Assert.Equal(0, m.Unmount().ExitCode);
    }
}
