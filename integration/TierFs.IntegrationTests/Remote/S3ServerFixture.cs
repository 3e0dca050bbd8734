using TierFs.IntegrationTests.Harness;

namespace TierFs.IntegrationTests.Remote;

/// <summary>One s3rver shared by the tests of a class (each test uses its own prefix).</summary>
public sealed class S3ServerFixture : IDisposable
{
    public S3Server Server { get; } = S3Server.Launch();

    public void Dispose() => Server.Dispose();
}
