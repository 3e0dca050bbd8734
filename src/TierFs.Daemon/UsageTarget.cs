namespace TierFs.Daemon;

/// <summary>usage_high/usage_low: above the high mark, release enough to get below the low mark.</summary>
public static class UsageTarget
{
    /// <summary>Bytes to free, 0 when the filesystem is not fuller than <paramref name="highPercent"/>.</summary>
    public static long BytesToFree((long Used, long Size) usage, int highPercent, int lowPercent)
    {
        var (used, size) = usage;
        if (size <= 0 || used * 100 <= size * (long)highPercent) return 0;
        return Math.Max(0, used - size * lowPercent / 100);
    }

    public static double Percent((long Used, long Size) usage) => usage.Size <= 0 ? 0 : 100.0 * usage.Used / usage.Size;
}
