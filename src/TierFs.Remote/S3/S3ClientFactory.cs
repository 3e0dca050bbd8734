using Amazon;
using Amazon.Runtime;
using Amazon.S3;

namespace TierFs.Remote;

/// <summary>The SDK client for an S3 store: the same settings for AWS, MinIO, Ceph RGW and test servers.</summary>
internal static class S3ClientFactory
{
    public static AmazonS3Client Create(S3StoreOptions options)
    {
        var config = new AmazonS3Config
        {
            RegionEndpoint = RegionEndpoint.GetBySystemName(options.Region),
            // Checksums only where S3 requires them: TierFs sends its own Content-MD5 per part, and
            // not every S3-compatible server knows the newer CRC trailers.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            RetryMode = RequestRetryMode.Standard,
            MaxErrorRetry = options.MaxRetries,
            // Time limits are TierFs's idle deadlines (see IdleDeadline): a fixed HttpClient timeout
            // would cut a large part on a slow link, and none at all would wait forever on a dead one.
            Timeout = Timeout.InfiniteTimeSpan,
            ConnectTimeout = options.RequestTimeout < TimeSpan.FromSeconds(10) ? options.RequestTimeout : TimeSpan.FromSeconds(10),
        };
        if (options.Endpoint is { } endpoint)
        {
            config.ServiceURL = endpoint;
            config.AuthenticationRegion = options.Region;
            config.ForcePathStyle = true;
        }
        options.ConfigureClient?.Invoke(config);
        return options.Credentials is { } credentials ? new AmazonS3Client(credentials, config) : new AmazonS3Client(config);
    }
}
