using Amazon.Runtime;
using Amazon.S3;

namespace TierFs.Remote;

/// <summary>
/// An S3 bucket/prefix on AWS or any S3-compatible server (MinIO, Ceph RGW, ...). Credentials come
/// from the standard AWS chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, profile, instance role)
/// unless <see cref="Credentials"/> is given.
/// </summary>
public sealed record S3StoreOptions : RemoteStoreOptions
{
    /// <summary>"http://127.0.0.1:9000" for a non-AWS server (path-style addressing); null for AWS.</summary>
    public string? Endpoint { get; init; }

    public required string Bucket { get; init; }

    public string Region { get; init; } = "us-east-1";

    /// <summary>
    /// How long a request may go without progress: no answer, or no bytes moving in a transfer.
    /// A dead server is noticed within this time (plus the retries' backoff).
    /// </summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Retries of a failed request by the SDK (throttling, 5xx, connection errors), with backoff.</summary>
    public int MaxRetries { get; init; } = 3;

    /// <summary>Explicit credentials; null uses the standard AWS chain.</summary>
    public AWSCredentials? Credentials { get; init; }

    /// <summary>The last word on the SDK configuration (a proxy, a custom HTTP handler), applied after TierFs's settings.</summary>
    public Action<AmazonS3Config>? ConfigureClient { get; init; }

    public override string Identity => $"s3://{Bucket}/{RemoteKey.NormalizePrefix(Prefix)}";

    /// <summary>S3's minimum for all parts but the last.</summary>
    internal override long MinPartSize => 5 * PartPlan.MiB;

    internal override void Validate()
    {
        base.Validate();
        if (string.IsNullOrWhiteSpace(Bucket) || Bucket.Contains('/'))
            throw new ArgumentException($"bucket name '{Bucket}' is empty or contains '/'", nameof(Bucket));
        Uri? uri = null;
        if (Endpoint is not null && !(Uri.TryCreate(Endpoint, UriKind.Absolute, out uri) && uri.Scheme is "http" or "https"))
            throw new ArgumentException("endpoint is not an http(s) URL", nameof(Endpoint));
        // The endpoint is shown in log lines and errors (the store's Description): it must hold no secret.
        if (uri?.UserInfo.Length > 0)
            throw new ArgumentException("endpoint must not hold credentials (user:secret@host); give them as Credentials", nameof(Endpoint));
        if (string.IsNullOrWhiteSpace(Region))
            throw new ArgumentException("region is empty", nameof(Region));
        if (RequestTimeout <= TimeSpan.Zero)
            throw new ArgumentException($"request timeout {RequestTimeout} is not positive", nameof(RequestTimeout));
        if (MaxRetries is < 0 or > 20)
            throw new ArgumentException($"max retries {MaxRetries} is outside 0..20", nameof(MaxRetries));
    }
}
