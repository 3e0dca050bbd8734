using TierFs.Tests.Fakes;
using TierFs.Posix;

namespace TierFs.Tests.Common;

/// <summary>What the CLI trusts as a runtime file: root's, and writable by root alone.</summary>
public sealed class RootOwnedTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tierfs-owned-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Root_files_writable_by_root_alone_are_trusted_others_are_not()
    {
        var f = Path.Combine(_dir, "r.json");
        File.WriteAllText(f, "{}");
        File.SetUnixFileMode(f, (UnixFileMode)0b110_100_100);
        Assert.Null(RootOwned.Problem(f, RootOwned.Kind.File));
        Assert.Null(RootOwned.Problem(_dir, RootOwned.Kind.Directory));
        Assert.Null(RootOwned.Problem(Path.Combine(_dir, "missing"), RootOwned.Kind.File));

        File.SetUnixFileMode(f, (UnixFileMode)0b110_110_110);
        Assert.Equal($"{f} is writable by others (mode 666)", RootOwned.Problem(f, RootOwned.Kind.File));

        File.SetUnixFileMode(f, (UnixFileMode)0b110_100_100);
        Commands.Ok("chown", "65534", f);
        Assert.Equal($"{f} is owned by uid 65534, not root", RootOwned.Problem(f, RootOwned.Kind.File));

        File.SetUnixFileMode(_dir, (UnixFileMode)0b111_111_111);
        Assert.Equal($"{_dir} is writable by others (mode 777)", RootOwned.Problem(_dir, RootOwned.Kind.Directory));

        var link = Path.Combine(_dir, "link.json");
        File.CreateSymbolicLink(link, f);
        Assert.Equal($"{link} is not a regular file", RootOwned.Problem(link, RootOwned.Kind.File));
        Assert.Equal($"{f} is not a socket", RootOwned.Problem(f, RootOwned.Kind.Socket));
    }
}
