namespace TierFs.Remote;

/// <summary>What every remote store is configured with. <see cref="RemoteStore.Create"/> picks the store from the type.</summary>
public abstract record RemoteStoreOptions
{
    /// <summary>Prepended to every key ("tierfs/" or ""); slashes at the ends are ignored.</summary>
    public string Prefix { get; init; } = "";

    /// <summary>The preferred part size for transfers and checksums; raised for files that would need more than 10,000 parts.</summary>
    public long PartSize { get; init; } = PartPlan.DefaultPartSize;

    /// <summary>How many parts of one transfer are in flight at once.</summary>
    public int Concurrency { get; init; } = 4;

    /// <summary>
    /// Which remote tier this is, as a stub record names it: the store type, the bucket or the
    /// directory, and the prefix ("s3://bucket/east/", "directory:/srv/archive/east/"). Not the
    /// endpoint, which may change (a new address, a proxy) while the objects stay the same.
    /// </summary>
    public abstract string Identity { get; }

    /// <summary>The smallest part size this kind of store accepts.</summary>
    internal abstract long MinPartSize { get; }

    /// <summary>The largest part size: a part is buffered whole in memory while it is sent.</summary>
    internal const long MaxPartSize = 1024 * PartPlan.MiB;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    internal virtual void Validate()
    {
        RemoteKey.NormalizePrefix(Prefix);
        if (PartSize < MinPartSize || PartSize > MaxPartSize)
            throw new ArgumentException($"part size {PartSize} is outside {MinPartSize}..{MaxPartSize} bytes", nameof(PartSize));
        if (Concurrency is < 1 or > 64)
            throw new ArgumentException($"concurrency {Concurrency} is outside 1..64", nameof(Concurrency));
    }
}
