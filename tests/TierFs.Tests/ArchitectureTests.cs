using System.Text.RegularExpressions;

namespace TierFs.Tests;

/// <summary>
/// The README's architecture picture, held to the project files: a project may import only what
/// the picture allows (the arrows), so that the rooms stay apart as the code grows.
/// </summary>
public class ArchitectureTests
{
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["Cli"] = ["Host", "Ops", "Daemon", "Policies", "Tiering", "Index", "Fuse", "Namespace", "Common", "Posix", "Records"],
        ["Host"] = ["FileSystem", "Fuse", "Scan", "Ops", "Daemon", "Policies", "Tiering", "Index", "Remote", "Records", "Peer", "Namespace", "West", "Common", "Posix"],
        ["West"] = ["Fuse", "Namespace", "Remote", "Records", "Common", "Posix"],
        ["Ops"] = ["Peer", "Daemon", "Tiering", "Index", "Remote", "Records", "Common", "Posix"],
        ["Namespace"] = ["Index", "Remote", "Records", "Common", "Posix"],
        ["Peer"] = ["Index", "Records", "Common"],
        ["Daemon"] = ["Scan", "Policies", "Tiering", "Index", "Records", "Common", "Posix"],
        ["Scan"] = ["Index", "FileSystem", "Records", "Common", "Posix"],
        ["Policies"] = ["Index", "Tiering", "Records", "Common", "Posix"],
        ["Tiering"] = ["Remote", "Records", "Common", "Posix"],
        ["FileSystem"] = ["Fuse", "Common", "Posix"],
        ["Index"] = ["Records", "Common"],
        ["Remote"] = ["Common", "Posix"],
        ["Fuse"] = ["Posix"],
        ["Records"] = [],
        ["Posix"] = [],
        ["Common"] = [],
    };

    private static string SrcDir()
    {
        for (var dir = AppContext.BaseDirectory; dir is not null; dir = Path.GetDirectoryName(dir))
            if (File.Exists(Path.Combine(dir, "TierFs.sln"))) return Path.Combine(dir, "src");
        throw new InvalidOperationException("the repository root (TierFs.sln) is not above the test binaries");
    }

    public static TheoryData<string> Projects() => new(Directory.GetDirectories(SrcDir(), "TierFs.*").Select(d => Path.GetFileName(d)["TierFs.".Length..]));

    [Theory]
    [MemberData(nameof(Projects))]
    public void A_project_imports_only_what_the_architecture_allows(string project)
    {
        Assert.True(Allowed.ContainsKey(project), $"TierFs.{project} is not in the README's architecture picture (nor in this test)");
        var csproj = File.ReadAllText(Path.Combine(SrcDir(), $"TierFs.{project}", $"TierFs.{project}.csproj"));
        var imports = Regex.Matches(csproj, @"ProjectReference Include=""\.\./TierFs\.([A-Za-z]+)/").Select(m => m.Groups[1].Value);
        Assert.All(imports, i => Assert.True(Allowed[project].Contains(i), $"TierFs.{project} imports TierFs.{i}, which the architecture does not allow"));
    }
}
