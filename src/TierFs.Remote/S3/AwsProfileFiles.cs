namespace TierFs.Remote;

/// <summary>
/// Where the AWS SDK read a profile setting from: the shared config and credentials files as the
/// SDK finds them (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/config and
/// ~/.aws/credentials; the profile from AWS_PROFILE, else "default"), so that a broken setting is
/// reported as FILE:LINE like TierFs's own configuration.
/// </summary>
internal static class AwsProfileFiles
{
    public static string ProfileName => Environment.GetEnvironmentVariable("AWS_PROFILE") is { Length: > 0 } p ? p : "default";

    /// <summary>"FILE:LINE" of <paramref name="key"/> in the current profile, or null when no file has it.</summary>
    public static string? Locate(string key)
    {
        var home = Environment.GetEnvironmentVariable("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var name = ProfileName;
        // The config file names sections "profile NAME" (but "default"); the credentials file plain "NAME".
        var files = new[]
        {
            (Path: Environment.GetEnvironmentVariable("AWS_CONFIG_FILE") is { Length: > 0 } c ? c : Path.Combine(home, ".aws", "config"),
             Sections: name == "default" ? ["default", "profile default"] : new[] { "profile " + name }),
            (Path: Environment.GetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE") is { Length: > 0 } k ? k : Path.Combine(home, ".aws", "credentials"),
             Sections: new[] { name }),
        };
        foreach (var (path, sections) in files)
            if (Find(path, sections, key) is { } line) return $"{path}:{line}";
        return null;
    }

    private static int? Find(string path, string[] sections, string key)
    {
        string[] lines;
        try { lines = File.ReadAllLines(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
        var inSection = false;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.StartsWith('[') && line.EndsWith(']'))
                inSection = sections.Contains(string.Join(' ', line[1..^1].Split(' ', StringSplitOptions.RemoveEmptyEntries)));
            else if (inSection && line.Split('=', 2)[0].Trim() == key)
                return i + 1;
        }
        return null;
    }
}
