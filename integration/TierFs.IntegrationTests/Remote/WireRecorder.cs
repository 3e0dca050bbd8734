using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime;

namespace TierFs.IntegrationTests.Remote;

/// <summary>
/// Sits between the SDK and the server (through S3StoreOptions.ConfigureClient): records each
/// request with the Content-MD5 it carried and the MD5 of the body actually sent, and can corrupt
/// a body in transit. s3rver 3.7.1 does not check Content-MD5 (its source only reads the header
/// for V2 signatures), so when <see cref="VerifyMd5"/> is on the recorder plays the verifying
/// server as AWS, MinIO and Ceph do: a body that does not match its Content-MD5 gets 400 BadDigest.
/// </summary>
public sealed class WireRecorder : DelegatingHandler
{
    public sealed record Request(string Method, string PathAndQuery, string? ContentMd5, string BodyMd5, int BodyLength);

    public ConcurrentQueue<Request> Requests { get; } = new();

    /// <summary>Flips one byte of the body of requests this matches, after the SDK computed Content-MD5.</summary>
    public Func<HttpRequestMessage, bool> Corrupt { get; set; } = _ => false;

    public bool VerifyMd5 { get; set; }

    public WireRecorder() : base(new SocketsHttpHandler()) { }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        string? contentMd5 = null;
        var bodyMd5 = "";
        var bodyLength = 0;
        if (request.Content is { } content)
        {
            var body = await content.ReadAsByteArrayAsync(ct);
            contentMd5 = content.Headers.ContentMD5 is { } md5 ? Convert.ToBase64String(md5)
                : request.Headers.TryGetValues("Content-MD5", out var values) ? values.First() : null;
            if (body.Length > 0 && Corrupt(request)) body[body.Length / 2] ^= 0x01;
            bodyMd5 = Convert.ToBase64String(MD5.HashData(body));
            bodyLength = body.Length;
            var copy = new ByteArrayContent(body);
            foreach (var h in content.Headers) copy.Headers.TryAddWithoutValidation(h.Key, h.Value);
            request.Content = copy;
        }
        Requests.Enqueue(new Request(request.Method.Method, request.RequestUri!.PathAndQuery, contentMd5, bodyMd5, bodyLength));
        if (VerifyMd5 && contentMd5 is not null && contentMd5 != bodyMd5)
        {
            return new HttpResponseMessage(HttpStatusCode.BadRequest)
            {
                RequestMessage = request,
                Content = new StringContent(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>BadDigest</Code>" +
                    "<Message>The Content-MD5 you specified did not match what we received.</Message>" +
                    "<RequestId>wire-recorder</RequestId></Error>", Encoding.UTF8, "application/xml"),
            };
        }
        return await base.SendAsync(request, ct);
    }

    /// <summary>Plugs the recorder into the SDK.</summary>
    public HttpClientFactory Factory() => new RecorderClientFactory(this);

    private sealed class RecorderClientFactory(WireRecorder recorder) : HttpClientFactory
    {
        public override HttpClient CreateHttpClient(IClientConfig clientConfig) => new(recorder, disposeHandler: false);

        public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

        public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;
    }
}
