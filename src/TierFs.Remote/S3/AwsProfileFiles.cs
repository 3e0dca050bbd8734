namespace TierFs.Remote;

/// <summary>
/// Where the AWS SDK read a profile setting from: the shared config and credentials files as the
/// SDK finds them (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/config and
/// ~/.aws/credentials; the profile from AWS_PROFILE, else "default"), so that a broken setting is
/// reported as FILE:LINE like TierFs's own configuration.
/// </summary>
public static class AwsProfileFiles
{
    public static string ProfileName => Environment.GetEnvironmentVariable("AWS_PROFILE") is { Length: > 0 } p ? p : "default";

    private static string Home => Environment.GetEnvironmentVariable("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    private static string ConfigFile => Environment.GetEnvironmentVariable("AWS_CONFIG_FILE") is { Length: > 0 } c ? c : Path.Combine(Home, ".aws", "config");

    private static string CredentialsFile =>
        Environment.GetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE") is { Length: > 0 } k ? k : Path.Combine(Home, ".aws", "credentials");

    /// <summary>
    /// For a process running as root: why the AWS profile files the SDK would read are not root's
    /// alone (see <see cref="TierFs.Posix.RootOnlyFile"/>), or null. Root runs their credential_process
    /// and sends their keys: a user who could write or choose them (a HOME or AWS_CONFIG_FILE kept
    /// from a user's environment, `sudo -E`) would run commands as root. Files that are not there are
    /// not read, and need nothing.
    /// </summary>
    public static string? UntrustedProblem()
    {
        foreach (var path in new[] { ConfigFile, CredentialsFile })
        {
            if (!File.Exists(path) && !Directory.Exists(path)) continue;
            try { TierFs.Posix.RootOnlyFile.Check(path); }
            catch (TierFs.Posix.UntrustedFileException e)
            {
                return $"{path}: refused: {e.Message}; root runs this AWS profile's credential_process and sends its keys, " +
                       "so it must be root's alone (chown root, chmod go-w, and the same for its directories; or run without a user's HOME)";
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { } // the SDK cannot read it either
        }
        return null;
    }

    /// <summary>"FILE:LINE" of <paramref name="key"/> in the current profile, or null when no file has it.</summary>
    public static string? Locate(string key)
    {
        var name = ProfileName;
        // The config file names sections "profile NAME" (but "default"); the credentials file plain "NAME".
        var files = new[]
        {
            (Path: ConfigFile, Sections: name == "default" ? ["default", "profile default"] : new[] { "profile " + name }),
            (Path: CredentialsFile, Sections: new[] { name }),
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
