// tierbench: the peer side of integration/bench/tier-run.sh (see the README next to it).
//
//   tierbench download     --key K --out FILE [--md5|--crc32c|--sha256|--blake3] [--early-writeback] [--fsync]
//                                                                  plain parallel-range download
//   tierbench upload       --key K --file FILE [--no-md5]          plain multipart upload
//   tierbench lib-download --key K --out FILE [--prefix P]         TierFs.Remote's DownloadAsync
//   tierbench lib-stream   --key K --out FILE [--prefix P]         TierFs.Remote's VerifiedReader + PartFetch (a streaming
//                                                                  recall's download, no reader), then fsync as a recall does
//   tierbench lib-upload   --key K --file FILE [--prefix P]        TierFs.Remote's UploadAsync
//   tierbench delete       --key K                                 DeleteObject (not timed)
//   tierbench heads        --keys FILE [--list-prefix P]           a plain loop of HEAD requests, one per key
//                                                                  of FILE (full keys, one a line), --concurrency at once;
//                                                                  with --list-prefix, a plain listing of P beside it
// common: --endpoint URL --bucket B [--part-size BYTES] [--concurrency N] [--delete-after]
//
// The client is configured exactly as TierFs's S3ClientFactory configures its own: path-style
// addressing on the endpoint, checksums WHEN_REQUIRED both ways, standard retries (3), no HttpClient
// timeout, credentials from the standard chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY). Uploads
// send UseChunkEncoding=false like TierFs. Downloads read each response into a 1 MiB buffer and
// write it at its offset (pwrite), as TierFs does.
//
// Prints one line of key=value on stdout: wall (s, the transfer only: from the first request to the
// last byte written, not the process start), cpu (s of this process's CPU over the same interval),
// mibs, and for downloads the number of body reads and their average size. Before the timed
// transfer, each mode warms up on a few bytes (see WarmDownload), untimed.
using System.Diagnostics;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using TierFs.Remote;

var mode = args.Length > 0 ? args[0] : "";
var opt = ParseOptions(args.Skip(1).ToArray());
string Req(string name) => opt.TryGetValue(name, out var v) && v is not null ? v : throw new ArgumentException($"--{name} is required");
bool Flag(string name) => opt.ContainsKey(name);

var endpoint = Req("endpoint");
var bucket = Req("bucket");
var partSize = opt.TryGetValue("part-size", out var ps) ? long.Parse(ps!) : 16L << 20;
var concurrency = opt.TryGetValue("concurrency", out var cc) ? int.Parse(cc!) : 4;
var key = mode == "heads" ? "" : Req("key");

try
{
    switch (mode)
    {
        case "download":
            {
                using var s3 = Client(endpoint);
                await WarmDownload(s3, bucket, key);
                var hash = new[] { "md5", "crc32c", "sha256", "blake3" }.FirstOrDefault(Flag);
                await Measure(() => PeerDownload(s3, bucket, key, Req("out"), partSize, concurrency, hash, Flag("early-writeback"), Flag("fsync")));
                break;
            }
        case "upload":
            {
                using var s3 = Client(endpoint);
                await WarmUpload(s3, bucket, key);
                await Measure(() => PeerUpload(s3, bucket, key, Req("file"), partSize, concurrency, !Flag("no-md5")));
                if (Flag("delete-after")) await s3.DeleteObjectAsync(bucket, key);
                break;
            }
        case "lib-download":
            {
                await using var store = LibStore(endpoint, bucket, opt.GetValueOrDefault("prefix") ?? "", partSize, concurrency);
                await WarmLib(store, key);
                await Measure(() => LibDownload(store, key, Req("out")));
                break;
            }
        case "lib-stream":
            {
                await using var store = LibStore(endpoint, bucket, opt.GetValueOrDefault("prefix") ?? "", partSize, concurrency);
                await WarmLib(store, key);
                await Measure(() => LibStream(store, key, Req("out"), concurrency));
                break;
            }
        case "lib-upload":
            {
                await using var store = LibStore(endpoint, bucket, opt.GetValueOrDefault("prefix") ?? "", partSize, concurrency);
                await WarmLib(store, key);
                await Measure(() => LibUpload(store, key, Req("file")));
                if (Flag("delete-after")) await store.DeleteAsync(key, CancellationToken.None);
                break;
            }
        case "heads":
            {
                using var s3 = Client(endpoint);
                var keys = await File.ReadAllLinesAsync(Req("keys"));
                if (keys.Length == 0) throw new ArgumentException("--keys names an empty file");
                await s3.GetObjectMetadataAsync(bucket, keys[0]); // warm-up, untimed (as the others)
                await Measure(() => PeerHeads(s3, bucket, keys, concurrency, opt.GetValueOrDefault("list-prefix")));
                break;
            }
        case "delete":
            {
                using var s3 = Client(endpoint);
                await s3.DeleteObjectAsync(bucket, key);
                break;
            }
        default:
            Console.Error.WriteLine("usage: tierbench download|upload|lib-download|lib-stream|lib-upload|delete|heads --endpoint URL --bucket B --key K|--keys FILE ...");
            return 2;
    }
    return 0;
}
catch (Exception e)
{
    Console.Error.WriteLine($"tierbench {mode}: {e.GetType().Name}: {e.Message}");
    return 1;
}

static Dictionary<string, string?> ParseOptions(string[] a)
{
    var d = new Dictionary<string, string?>();
    for (var i = 0; i < a.Length; i++)
    {
        if (!a[i].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"unexpected argument '{a[i]}'");
        var name = a[i][2..];
        d[name] = i + 1 < a.Length && !a[i + 1].StartsWith("--", StringComparison.Ordinal) ? a[++i] : null;
    }
    return d;
}

// Warm-ups, not timed: the TierFs daemon is a long-running process whose client, connections and
// JIT-compiled code are warm; the peer, a fresh process per run, first exercises the same calls once
// on a few bytes so that its timed transfer is as warm (the comparison is then the stricter one).
static async Task WarmDownload(AmazonS3Client s3, string bucket, string key)
{
    await s3.GetObjectMetadataAsync(bucket, key);
    using var response = await s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = key, ByteRange = new ByteRange(0, 4095) });
    await response.ResponseStream.CopyToAsync(Stream.Null);
    var scratch = Path.GetTempFileName();
    using (var file = File.OpenHandle(scratch, FileMode.Create, FileAccess.Write))
        await RandomAccess.WriteAsync(file, new byte[4096], 0);
    File.Delete(scratch);
}

static async Task WarmUpload(AmazonS3Client s3, string bucket, string key)
{
    var warm = key + ".warmup";
    var created = await s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = bucket, Key = warm });
    var body = new byte[4096];
    var part = await s3.UploadPartAsync(new UploadPartRequest
    {
        BucketName = bucket, Key = warm, UploadId = created.UploadId, PartNumber = 1, PartSize = body.Length,
        InputStream = new MemoryStream(body), UseChunkEncoding = false, MD5Digest = Convert.ToBase64String(MD5.HashData(body)),
    });
    // Completed and deleted rather than aborted: s3rver answers 405 to AbortMultipartUpload.
    await s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
    {
        BucketName = bucket, Key = warm, UploadId = created.UploadId, PartETags = [new PartETag(1, part.ETag)],
    });
    await s3.DeleteObjectAsync(bucket, warm);
}

static async Task WarmLib(IRemoteStore store, string key)
{
    var warm = key + ".warmup";
    var scratch = Path.GetTempFileName();
    try
    {
        await File.WriteAllBytesAsync(scratch, new byte[4096]);
        using (var file = File.OpenHandle(scratch, FileMode.Open, FileAccess.ReadWrite))
        {
            await store.UploadAsync(warm, file, 4096, new Dictionary<string, string>(), null, CancellationToken.None);
            await store.DownloadAsync(warm, file, 4096, ChecksumKind.CompositeBlake3, null, CancellationToken.None);
        }
        await store.DeleteAsync(warm, CancellationToken.None);
    }
    finally
    {
        File.Delete(scratch);
    }
}

// The same settings as src/TierFs.Remote/S3/S3ClientFactory.cs (keep them in step).
static AmazonS3Client Client(string endpoint)
{
    var config = new AmazonS3Config
    {
        RegionEndpoint = RegionEndpoint.USEast1,
        RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
        ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        RetryMode = RequestRetryMode.Standard,
        MaxErrorRetry = 3,
        Timeout = Timeout.InfiniteTimeSpan,
        ConnectTimeout = TimeSpan.FromSeconds(10),
        ServiceURL = endpoint,
        AuthenticationRegion = "us-east-1",
        ForcePathStyle = true,
    };
    return new AmazonS3Client(config);
}

static IRemoteStore LibStore(string endpoint, string bucket, string prefix, long partSize, int concurrency) =>
    RemoteStore.Create(new S3StoreOptions
    {
        Endpoint = endpoint,
        Bucket = bucket,
        Prefix = prefix,
        PartSize = partSize,
        Concurrency = concurrency,
        RequestTimeout = TimeSpan.FromSeconds(30), // TierFs's config default
    });

async Task Measure(Func<Task<(long Bytes, long Reads)>> transfer)
{
    // --watch-pid PID (the server): its CPU over the same interval, and the whole machine's.
    var watched = opt.TryGetValue("watch-pid", out var wp) && wp is not null ? int.Parse(wp) : 0;
    var process = Process.GetCurrentProcess();
    var cpu0 = process.TotalProcessorTime;
    var (busy0, w0) = (MachineBusySeconds(), ProcessSeconds(watched));
    var clock = Stopwatch.StartNew();
    var (bytes, reads) = await transfer();
    var wall = clock.Elapsed.TotalSeconds;
    var (busy1, w1) = (MachineBusySeconds(), ProcessSeconds(watched));
    process.Refresh();
    var cpu = (process.TotalProcessorTime - cpu0).TotalSeconds;
    var line = $"wall={wall:0.000} cpu={cpu:0.000} mibs={bytes / 1048576.0 / wall:0.0} busy={busy1 - busy0:0.00}";
    if (watched != 0) line += $" watched_cpu={w1 - w0:0.00}";
    if (reads > 0) line += $" reads={reads} avgread={bytes / reads}";
    Console.WriteLine(line);
}

// user+nice+system+irq+softirq+steal of all CPUs, from /proc/stat, in seconds (USER_HZ = 100).
static double MachineBusySeconds()
{
    var f = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
    return (long.Parse(f[1]) + long.Parse(f[2]) + long.Parse(f[3]) + long.Parse(f[6]) + long.Parse(f[7]) + long.Parse(f[8])) / 100.0;
}

// utime+stime of a process, in seconds; 0 for pid 0 or a process that is gone.
static double ProcessSeconds(int pid)
{
    if (pid == 0) return 0;
    try
    {
        var s = File.ReadAllText($"/proc/{pid}/stat");
        var f = s[(s.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(f[11]) + long.Parse(f[12])) / 100.0; // fields 14 and 15
    }
    catch (IOException)
    {
        return 0;
    }
}

// Workers pull part numbers 0..count-1, at most `concurrency` in flight (as a plain client would).
static async Task RunParts(int count, int concurrency, Func<int, Task> part)
{
    var next = -1;
    async Task Worker()
    {
        int i;
        while ((i = Interlocked.Increment(ref next)) < count) await part(i);
    }
    await Task.WhenAll(Enumerable.Range(0, Math.Min(concurrency, count)).Select(_ => Task.Run(Worker)));
}

// HEAD for the length, then ranged GETs of partSize in parallel, each streamed to its offset.
// What-if options (not part of the plain peer): hash each part on the way (md5 as records older than
// the BLAKE3 form are verified, crc32c alone as recalls did before, blake3 + crc32c as recalls do,
// sha256 + crc32c as the other candidate), start the writeback of each part once it is written
// (sync_file_range WRITE, so that the final fsync has little left), fsync at the end.
static async Task<(long, long)> PeerDownload(AmazonS3Client s3, string bucket, string key, string path,
    long partSize, int concurrency, string? hashKind, bool earlyWriteback, bool fsync)
{
    var head = await s3.GetObjectMetadataAsync(bucket, key);
    var length = head.ContentLength;
    var count = (int)Math.Max(1, (length + partSize - 1) / partSize);
    long reads = 0;
    using var file = File.OpenHandle(path, FileMode.Create, FileAccess.Write);
    await RunParts(count, concurrency, async i =>
    {
        var offset = i * partSize;
        var size = Math.Min(partSize, length - offset);
        var buffer = new byte[Math.Min(1 << 20, size)];
        using var hash = hashKind switch
        {
            "md5" => IncrementalHash.CreateHash(HashAlgorithmName.MD5),
            "sha256" => IncrementalHash.CreateHash(HashAlgorithmName.SHA256),
            _ => null,
        };
        using var blake3 = hashKind == "blake3" ? Blake3.Hasher.New() : default;
        var crc = 0u;
        using var response = await s3.GetObjectAsync(new GetObjectRequest
        {
            BucketName = bucket,
            Key = key,
            ByteRange = new ByteRange(offset, offset + size - 1),
        });
        await using var body = response.ResponseStream;
        long done = 0, n;
        while (done < size)
        {
            n = await body.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, size - done)));
            if (n == 0) throw new IOException($"part {i}: the body ended after {done} of {size} bytes");
            hash?.AppendData(buffer.AsSpan(0, (int)n));
            blake3?.Update(buffer.AsSpan(0, (int)n));
            if (hashKind is "crc32c" or "sha256" or "blake3") crc = Native.Crc32C(crc, buffer.AsSpan(0, (int)n));
            await RandomAccess.WriteAsync(file, buffer.AsMemory(0, (int)n), offset + done);
            done += n;
            Interlocked.Increment(ref reads);
        }
        hash?.GetHashAndReset();
        if (blake3 is not null) GC.KeepAlive(blake3.Finalize());
        GC.KeepAlive(crc);
        if (earlyWriteback && Native.SyncFileRange((int)file.DangerousGetHandle(), offset, size, Native.SyncFileRangeWrite) != 0)
            throw new IOException($"sync_file_range: errno {Marshal.GetLastPInvokeError()}");
    });
    if (fsync) RandomAccess.FlushToDisk(file);
    return (length, reads);
}

// CreateMultipartUpload, parts read positionally into one buffer per worker and sent (with
// Content-MD5 unless told not to), then Complete.
static async Task<(long, long)> PeerUpload(AmazonS3Client s3, string bucket, string key, string path,
    long partSize, int concurrency, bool md5)
{
    using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
    var length = RandomAccess.GetLength(file);
    var count = (int)Math.Max(1, (length + partSize - 1) / partSize);
    var created = await s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest
    {
        BucketName = bucket,
        Key = key,
        ContentType = "application/octet-stream",
    });
    var etags = new string[count];
    var buffers = new System.Collections.Concurrent.ConcurrentBag<byte[]>();
    await RunParts(count, concurrency, async i =>
    {
        var offset = i * partSize;
        var size = (int)Math.Min(partSize, length - offset);
        if (!buffers.TryTake(out var buffer)) buffer = new byte[partSize];
        for (var done = 0; done < size;)
        {
            var n = await RandomAccess.ReadAsync(file, buffer.AsMemory(done, size - done), offset + done);
            if (n == 0) throw new IOException("the file shrank");
            done += n;
        }
        var request = new UploadPartRequest
        {
            BucketName = bucket,
            Key = key,
            UploadId = created.UploadId,
            PartNumber = i + 1,
            PartSize = size,
            InputStream = new MemoryStream(buffer, 0, size, writable: false),
            UseChunkEncoding = false,
        };
        if (md5) request.MD5Digest = Convert.ToBase64String(MD5.HashData(buffer.AsSpan(0, size)));
        var response = await s3.UploadPartAsync(request);
        etags[i] = response.ETag;
        buffers.Add(buffer);
    });
    await s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
    {
        BucketName = bucket,
        Key = key,
        UploadId = created.UploadId,
        PartETags = [.. etags.Select((etag, i) => new PartETag(i + 1, etag))],
    });
    return (length, 0);
}

// One HEAD per key, `concurrency` in flight, workers pulling the next key as a plain client would;
// every object must be there (a missing one fails the run: it would not be the same work as
// verify's). With listPrefix, a plain ListObjectsV2 of it (page after page) runs beside the HEADs:
// the work of a whole-mount verify, which also lists for orphans. Returns (the objects' total
// length, the number of HEADs).
static async Task<(long, long)> PeerHeads(AmazonS3Client s3, string bucket, string[] keys, int concurrency, string? listPrefix)
{
    long bytes = 0;
    var listing = listPrefix is null ? Task.FromResult(0) : Task.Run(async () =>
    {
        var (listed, token) = (0, (string?)null);
        do
        {
            var page = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = listPrefix, ContinuationToken = token });
            listed += page.S3Objects?.Count ?? 0;
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);
        return listed;
    });
    await RunParts(keys.Length, concurrency, async i =>
    {
        var head = await s3.GetObjectMetadataAsync(bucket, keys[i]);
        Interlocked.Add(ref bytes, head.ContentLength);
    });
    if (await listing < (listPrefix is null ? 0 : keys.Length)) throw new IOException($"the listing of {listPrefix} missed objects");
    return (bytes, keys.Length);
}

// TierFs.Remote's own download into a sparse file of the full size (as a recall's target is).
static async Task<(long, long)> LibDownload(IRemoteStore store, string key, string path)
{
    var head = await store.HeadAsync(key, CancellationToken.None) ?? throw new IOException($"no object {key}");
    using var file = File.OpenHandle(path, FileMode.Create, FileAccess.Write);
    RandomAccess.SetLength(file, head.Length);
    await store.DownloadAsync(key, file, head.Length, ChecksumKind.CompositeBlake3, null, CancellationToken.None);
    return (head.Length, 0);
}

// A streaming recall's transfer in the peer's process: the part manifest read and bound to a digest
// combined from it (a recall takes the digest from the stub), every part fetched and verified into a
// sparse file of the full size, then fsync. Separates the library's streaming path from the daemon.
static async Task<(long, long)> LibStream(IRemoteStore store, string key, string path, int concurrency)
{
    var head = await store.HeadAsync(key, CancellationToken.None) ?? throw new IOException($"no object {key}");
    var manifest = await store.ReadManifestAsync(key, CancellationToken.None) ?? throw new IOException($"no part manifest for {key}");
    var blake3 = CompositeBlake3.Combine([.. Enumerable.Range(0, manifest.Count).Select(i => manifest.Blake3Of(i).ToArray())]);
    var digest = new ObjectDigest(head.Length, manifest.Plan.PartSize, blake3);
    var reader = await VerifiedReader.OpenAsync(store, key, digest, CancellationToken.None) ?? throw new IOException($"no verified reader for {key}");
    using var file = File.OpenHandle(path, FileMode.Create, FileAccess.Write);
    RandomAccess.SetLength(file, head.Length);
    await new PartFetch(reader, file, concurrency).RunAsync(CancellationToken.None);
    RandomAccess.FlushToDisk(file);
    return (head.Length, 0);
}

static async Task<(long, long)> LibUpload(IRemoteStore store, string key, string path)
{
    using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
    var length = RandomAccess.GetLength(file);
    await store.UploadAsync(key, file, length, new Dictionary<string, string>(), null, CancellationToken.None);
    return (length, 0);
}

internal static class Native
{
    public const uint SyncFileRangeWrite = 2; // SYNC_FILE_RANGE_WRITE: start writeback of the range, do not wait

    [DllImport("libc", EntryPoint = "sync_file_range", SetLastError = true)]
    public static extern int SyncFileRange(int fd, long offset, long nbytes, uint flags);

    // CRC32C with the CPU's crc32 instruction, 8 bytes at a time (a cheap alternative to MD5 for
    // verifying a download against a checksum recorded at upload).
    public static uint Crc32C(uint crc, ReadOnlySpan<byte> data)
    {
        var words = MemoryMarshal.Cast<byte, ulong>(data);
        foreach (var w in words) crc = BitOperations.Crc32C(crc, w);
        foreach (var b in data[(words.Length * 8)..]) crc = BitOperations.Crc32C(crc, b);
        return crc;
    }
}
