namespace TierFs.Cli.Commands.Tier;

/// <summary>
/// Shows a result's path (relative to the mount root, as the daemon reports it) the way the user
/// named it: the path as given, or for a file found below a given directory (-r), that
/// directory as given followed by the rest ("./proj" → "./proj/a/b", as find prints).
/// </summary>
public sealed class DisplayPaths(string mountPoint, IEnumerable<ResolvedPath> given)
{
    // Deepest first, so that "-r dir dir/sub" shows files below sub under sub's spelling.
    private readonly ResolvedPath[] _given = given.OrderByDescending(g => g.Relative!.Length).ToArray();

    public string For(string resultPath)
    {
        var path = resultPath.Trim('/');
        foreach (var g in _given)
        {
            var rel = g.Relative!;
            if (path == rel) return g.Given;
            if (rel.Length == 0) return Under(g.Given, path);
            if (path.Length > rel.Length && path.StartsWith(rel, StringComparison.Ordinal) && path[rel.Length] == '/')
                return Under(g.Given, path[(rel.Length + 1)..]);
        }
        return path.Length == 0 ? mountPoint : mountPoint.TrimEnd('/') + "/" + path;
    }

    private static string Under(string given, string rest) => given.TrimEnd('/') + "/" + rest;
}
