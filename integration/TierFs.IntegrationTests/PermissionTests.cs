using System.Buffers.Binary;
using TierFs.IntegrationTests.Harness;

namespace TierFs.IntegrationTests;

/// <summary>
/// A non-root user (nobody:nogroup, no supplementary groups) against the mount, which is
/// mounted with default_permissions and allow_other: the kernel must refuse exactly what it
/// refuses on a plain directory (EACCES/EPERM), and what the user may create must belong to
/// the user in the backing directory, not to the root daemon that made it.
/// </summary>
public class PermissionTests(MountFixture f) : IClassFixture<MountFixture>
{
    private const uint Nobody = 65534, NoGroup = 65534;

    /// <summary>Runs a shell snippet as nobody:nogroup ($D is the scenario directory) and records exit, stdout, stderr.</summary>
    private static void AsNobody(Scenario s, string label, string script)
    {
        var r = Proc.RunAsNobody(["sh", "-c", "D=\"$1\"; umask 022; " + script, "sh", s.Dir],
            timeout: TimeSpan.FromSeconds(20));
        string Clean(string text) => text.Replace(s.Dir, "$D").Trim().Replace("\n", " | ");
        s.Note($"[nobody] {label}: exit {r.ExitCode} out [{Clean(r.Stdout)}] err [{Clean(r.Stderr)}]");
    }

    /// <summary>The owner and mode a stat through this run shows (checked against the backing file on the mount).</summary>
    private static void Owner(Scenario s, string rel, uint uid, uint gid)
    {
        var st = s.Stat(rel);
        if (st is null) return;
        if (s.OnMount)
        {
            var b = Px.Stat(Path.Combine(s.BackingDir!, rel));
            Assert.True(b.Uid == uid && b.Gid == gid, $"{rel} in the backing dir is owned by {b.Uid}:{b.Gid}, not {uid}:{gid}");
        }
    }

    [Fact]
    public void Closed_directories_and_files_refuse_a_non_root_user()
    {
        Differential.Same(f, "eacces", s =>
        {
            s.Do("mkdir secret 0700", Px.Mkdir(s.P("secret"), 0x1C0));
            File.WriteAllText(s.P("secret/file"), "top secret");
            s.Do("mkdir open 0755", Px.Mkdir(s.P("open"), 0x1ED));
            File.WriteAllText(s.P("open/file"), "root data");
            s.Do("mkdir shared 0777", Px.Mkdir(s.P("shared"), 0x1FF));
            Px.Chmod(s.P("shared"), 0x1FF);

            AsNobody(s, "cat secret/file", "cat \"$D/secret/file\"");
            AsNobody(s, "ls secret", "ls \"$D/secret\"");
            AsNobody(s, "stat secret/file", "stat -c %s \"$D/secret/file\"");
            AsNobody(s, "touch secret/new", "touch \"$D/secret/new\"");
            AsNobody(s, "test -e secret/file", "test -e \"$D/secret/file\"");
            AsNobody(s, "cd secret", "cd \"$D/secret\"");
            AsNobody(s, "cat open/file", "cat \"$D/open/file\"");
            AsNobody(s, "append to open/file", "echo more >> \"$D/open/file\"");
            AsNobody(s, "truncate open/file", "truncate -s 0 \"$D/open/file\"");
            AsNobody(s, "touch open/new", "touch \"$D/open/new\"");
            AsNobody(s, "mkdir open/x", "mkdir \"$D/open/x\"");
            AsNobody(s, "rm open/file", "rm -f \"$D/open/file\"");
            AsNobody(s, "mv open/file", "mv \"$D/open/file\" \"$D/open/g\"");
            AsNobody(s, "mv open/file out", "mv \"$D/open/file\" \"$D/shared/g\"");
            AsNobody(s, "ln -s in open", "ln -s x \"$D/open/l\"");
            AsNobody(s, "hard link root's file", "ln \"$D/open/file\" \"$D/shared/hl\"");
            AsNobody(s, "mkfifo in open", "mkfifo \"$D/open/p\"");
            AsNobody(s, "chmod root's file", "chmod 777 \"$D/open/file\"");
            AsNobody(s, "chown root's file", "chown nobody \"$D/open/file\"");
            AsNobody(s, "chgrp root's file", "chgrp nogroup \"$D/open/file\"");
            AsNobody(s, "touch -d (explicit times) root's file", "touch -d @1000000000 \"$D/open/file\"");
            AsNobody(s, "touch (now) root's file", "touch \"$D/open/file\"");
            AsNobody(s, "access R W X", "test -r \"$D/open/file\" && echo r; test -w \"$D/open/file\" && echo w; test -x \"$D/open/file\" && echo x; echo done");
            AsNobody(s, "setfattr user.* on root's file", "setfattr -n user.a -v 1 \"$D/open/file\"");
            AsNobody(s, "rmdir open", "rmdir \"$D/open\"");
            s.Stat("open/file");
            s.Content("open/file");
            s.List("open");
        });
    }

    [Fact]
    public void What_a_non_root_user_creates_is_theirs_in_the_backing_dir()
    {
        Differential.Same(f, "owner", s =>
        {
            s.Do("mkdir shared 0777", Px.Mkdir(s.P("shared"), 0x1FF));
            Px.Chmod(s.P("shared"), 0x1FF);
            s.Do("mkdir sgid 2777", Px.Mkdir(s.P("sgid"), 0x1FF));
            Px.Lchown(s.P("sgid"), 0, 1234);
            Px.Chmod(s.P("sgid"), 0x5FF);

            AsNobody(s, "create in shared", """
                echo mine > "$D/shared/file" && mkdir "$D/shared/dir" && ln -s file "$D/shared/link" &&
                mkfifo "$D/shared/fifo" && ln "$D/shared/file" "$D/shared/hard" &&
                stat -c '%n %u:%g %a %F' "$D/shared/file" "$D/shared/dir" "$D/shared/link" "$D/shared/fifo"
                """);
            foreach (var n in new[] { "shared/file", "shared/dir", "shared/link", "shared/fifo", "shared/hard" })
                Owner(s, n, Nobody, NoGroup);
            AsNobody(s, "umask 077 create", "umask 077; echo x > \"$D/shared/private\"; mkdir \"$D/shared/privdir\"; stat -c '%a' \"$D/shared/private\" \"$D/shared/privdir\"");
            Owner(s, "shared/private", Nobody, NoGroup);
            Owner(s, "shared/privdir", Nobody, NoGroup);

            // In a set-group-id directory new entries take the directory's group; new directories keep the bit.
            AsNobody(s, "create in sgid dir", "echo x > \"$D/sgid/f\" && mkdir \"$D/sgid/d\" && stat -c '%n %u:%g %a' \"$D/sgid/f\" \"$D/sgid/d\"");
            Owner(s, "sgid/f", Nobody, 1234);
            Owner(s, "sgid/d", Nobody, 1234);
            // A file of a group the user is not in cannot be made set-gid by that user (the bit is dropped).
            AsNobody(s, "chmod g+s without the group", "chmod 2755 \"$D/sgid/f\"; stat -c '%a' \"$D/sgid/f\"");
            AsNobody(s, "chmod own file", "chmod 4711 \"$D/shared/file\" && stat -c '%a' \"$D/shared/file\"");
            Owner(s, "shared/file", Nobody, NoGroup);

            // The user's own file: times, rename, remove.
            AsNobody(s, "touch -d own file", "touch -d @1000000000 \"$D/shared/file\" && stat -c '%X %Y' \"$D/shared/file\"");
            AsNobody(s, "rename own file", "mv \"$D/shared/file\" \"$D/shared/renamed\"");
            Owner(s, "shared/renamed", Nobody, NoGroup);
            AsNobody(s, "remove own entries", "rm -r \"$D/shared/dir\" \"$D/shared/fifo\" \"$D/shared/link\"");
            s.List("shared");
        });
    }

    [Fact]
    public void Sticky_directory_protects_other_users_files()
    {
        Differential.Same(f, "sticky", s =>
        {
            s.Do("mkdir sticky 1777", Px.Mkdir(s.P("sticky"), 0x3FF));
            Px.Chmod(s.P("sticky"), 0x3FF);
            File.WriteAllText(s.P("sticky/rootfile"), "root's");
            Px.Chmod(s.P("sticky/rootfile"), 0x1B6);
            AsNobody(s, "rm root's file in sticky dir", "rm -f \"$D/sticky/rootfile\"");
            AsNobody(s, "mv root's file in sticky dir", "mv \"$D/sticky/rootfile\" \"$D/sticky/x\"");
            AsNobody(s, "write root's 0666 file", "echo changed > \"$D/sticky/rootfile\" && cat \"$D/sticky/rootfile\"");
            AsNobody(s, "touch (now) root's 0666 file", "touch \"$D/sticky/rootfile\"");
            AsNobody(s, "own file in sticky dir", "echo mine > \"$D/sticky/mine\" && mv \"$D/sticky/mine\" \"$D/sticky/mine2\" && rm \"$D/sticky/mine2\"");
            s.List("sticky");
            Owner(s, "sticky/rootfile", 0, 0);
        });
    }

    [Fact]
    public void Writing_drops_set_id_bits_as_on_a_plain_dir()
    {
        Differential.Same(f, "killsuid", s =>
        {
            s.Do("mkdir shared 0777", Px.Mkdir(s.P("shared"), 0x1FF));
            Px.Chmod(s.P("shared"), 0x1FF);
            foreach (var (name, mode) in new[] { ("s6777", 0xDFFu), ("s4777", 0x9FFu), ("g2767", 0x5F7u) })
            {
                File.WriteAllText(s.P($"shared/{name}"), "exec");
                s.Do($"chown {name} to nobody", Px.Lchown(s.P($"shared/{name}"), Nobody, NoGroup));
                s.Do($"chmod {name}", Px.Chmod(s.P($"shared/{name}"), mode));
                s.Stat($"shared/{name}");
                AsNobody(s, $"append to {name}", $"echo more >> \"$D/shared/{name}\"");
                s.Stat($"shared/{name}");
            }
            File.WriteAllText(s.P("shared/t6777"), "exec");
            Px.Chmod(s.P("shared/t6777"), 0xDFF);
            AsNobody(s, "truncate root's 6777 file", "truncate -s 1 \"$D/shared/t6777\"");
            s.Stat("shared/t6777");
            // Root writing keeps them.
            File.WriteAllText(s.P("shared/r6777"), "exec");
            Px.Chmod(s.P("shared/r6777"), 0xDFF);
            File.AppendAllText(s.P("shared/r6777"), "more");
            s.Stat("shared/r6777");
        });
    }

    [Fact]
    public void A_posix_acl_that_denies_a_user_is_enforced()
    {
        Differential.Same(f, "acl", s =>
        {
            File.WriteAllText(s.P("f"), "not for nobody");
            // user::rw- user:nobody:--- group::r-- mask::r-- other::r--
            var acl = Acl((1, 6, uint.MaxValue), (2, 0, Nobody), (4, 4, uint.MaxValue), (0x10, 4, uint.MaxValue), (0x20, 4, uint.MaxValue));
            s.Do("setxattr system.posix_acl_access", Px.SetXattr(s.P("f"), "system.posix_acl_access", acl));
            s.Stat("f");
            AsNobody(s, "cat a file an ACL denies", "cat \"$D/f\"");
            // Set in the backing tree directly (as on a share mounted over in place).
            File.WriteAllText(s.P("g"), "also not for nobody");
            if (s.OnMount) Assert.Equal(0, Px.SetXattr(Path.Combine(s.BackingDir!, "g"), "system.posix_acl_access", acl));
            else Assert.Equal(0, Px.SetXattr(s.P("g"), "system.posix_acl_access", acl));
            AsNobody(s, "cat a file the backing ACL denies", "cat \"$D/g\"");
            // A named-user entry that allows where the mode bits would not.
            File.WriteAllText(s.P("h"), "for nobody only");
            Px.Chmod(s.P("h"), 0x180);
            var allow = Acl((1, 6, uint.MaxValue), (2, 4, Nobody), (4, 0, uint.MaxValue), (0x10, 4, uint.MaxValue), (0x20, 0, uint.MaxValue));
            s.Do("setxattr allowing nobody", Px.SetXattr(s.P("h"), "system.posix_acl_access", allow));
            s.Stat("h");
            AsNobody(s, "cat a file an ACL allows", "cat \"$D/h\"");
            s.Do("remove the ACL", Px.RemoveXattr(s.P("h"), "system.posix_acl_access"));
            AsNobody(s, "cat it without the ACL", "cat \"$D/h\"");
        });
    }

    [Fact]
    public void Default_acls_are_inherited_and_the_umask_applies_only_without_one()
    {
        Differential.Same(f, "defacl", s =>
        {
            s.Do("mkdir proj 0777", Px.Mkdir(s.P("proj"), 0x1FF));
            Px.Chmod(s.P("proj"), 0x1FF);
            // default: user::rwx group::rwx other::r-x user:nobody:rwx mask::rwx
            var def = Acl((1, 7, uint.MaxValue), (2, 7, Nobody), (4, 7, uint.MaxValue), (0x10, 7, uint.MaxValue), (0x20, 5, uint.MaxValue));
            s.Do("setxattr system.posix_acl_default", Px.SetXattr(s.P("proj"), "system.posix_acl_default", def));
            s.Do("mkdir plain 0777", Px.Mkdir(s.P("plain"), 0x1FF));
            Px.Chmod(s.P("plain"), 0x1FF);
            // umask 022: ignored under a default ACL, applied without one.
            AsNobody(s, "create under a default ACL", "umask 022; echo x > \"$D/proj/f\"; mkdir \"$D/proj/d\"; mkfifo \"$D/proj/p\"; stat -c '%n %a' \"$D/proj/f\" \"$D/proj/d\" \"$D/proj/p\"");
            AsNobody(s, "create without one", "umask 027; echo x > \"$D/plain/f\"; mkdir \"$D/plain/d\"; mkfifo \"$D/plain/p\"; stat -c '%n %a' \"$D/plain/f\" \"$D/plain/d\" \"$D/plain/p\"");
            foreach (var n in new[] { "proj/f", "proj/d", "proj/p", "plain/f", "plain/d", "plain/p" })
            {
                s.Stat(n);
                var e = Px.TryGetXattr(s.P(n), "system.posix_acl_access", out var v);
                s.Note($"{n} access ACL: {Px.Name(e)} {Scenario.Hash(v)}");
            }
            var de = Px.TryGetXattr(s.P("proj/d"), "system.posix_acl_default", out var dv);
            s.Note($"proj/d default ACL: {Px.Name(de)} {Scenario.Hash(dv)}");
            // Root with umask 022 creating through .NET (mode 0666) under the default ACL.
            File.WriteAllText(s.P("proj/rootfile"), "x");
            s.Stat("proj/rootfile");
        });
    }

    private static byte[] Acl(params (ushort Tag, ushort Perm, uint Id)[] entries)
    {
        var b = new byte[4 + 8 * entries.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(b, 2);
        for (var i = 0; i < entries.Length; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(4 + 8 * i), entries[i].Tag);
            BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(6 + 8 * i), entries[i].Perm);
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(8 + 8 * i), entries[i].Id);
        }
        return b;
    }
}
