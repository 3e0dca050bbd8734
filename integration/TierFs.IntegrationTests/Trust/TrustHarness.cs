using TierFs.IntegrationTests.Harness;

namespace TierFs.IntegrationTests.Trust;

/// <summary>Checks the trust tests share: what a backing file holds, how an open ends.</summary>
internal static class TrustHarness
{
    public const int ENXIO = 6;

    /// <summary>0 when the file opens, else its errno (the file is closed again).</summary>
    public static int OpenErrno(string path)
    {
        var rc = Px.TryOpen(path, Px.O_RDONLY, out var fd);
        if (rc == 0) Px.Close(fd);
        return rc;
    }

    /// <summary>Where the first data extent of a file starts, or null when it has none (all holes).</summary>
    public static long? FirstData(string path)
    {
        var fd = Px.Open(path, Px.O_RDONLY);
        try
        {
            var at = Px.Lseek(fd, 0, Px.SEEK_DATA);
            if (at == -ENXIO) return null;
            Assert.True(at >= 0, $"lseek SEEK_DATA on {path}: {Px.Name((int)-at)}");
            return at;
        }
        finally
        {
            Px.Close(fd);
        }
    }

    /// <summary>Runs `tierfs` with the AWS credentials a mount of the test S3 server needs (and more environment).</summary>
    public static RunResult TierfsEnv(IReadOnlyDictionary<string, string> extra, params string[] args)
    {
        var env = new Dictionary<string, string>(S3TierMount.AwsEnv);
        foreach (var (k, v) in extra) env[k] = v;
        return ProcEnv.Run(Proc.Tierfs, args, env, TimeSpan.FromSeconds(120));
    }
}
