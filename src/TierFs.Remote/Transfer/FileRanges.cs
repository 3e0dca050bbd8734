using System.Buffers;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace TierFs.Remote.Transfer;

/// <summary>Positional reads of file ranges through pooled buffers, never the whole file in memory.</summary>
internal static class FileRanges
{
    /// <summary>The chunk size for streaming copies and hashing.</summary>
    public const int ChunkSize = 1024 * 1024;

    /// <summary>Fills <paramref name="buffer"/> from <paramref name="offset"/>; a file that ends early is an IOException.</summary>
    public static async Task ReadExactlyAsync(SafeFileHandle file, Memory<byte> buffer, long offset, CancellationToken ct)
    {
        var done = 0;
        while (done < buffer.Length)
        {
            var n = await RandomAccess.ReadAsync(file, buffer[done..], offset + done, ct);
            if (n == 0) throw new IOException($"the source file ended at byte {offset + done}, before the {offset + buffer.Length} bytes to send (did it shrink?)");
            done += n;
        }
    }

    public static async Task<byte[]> Md5Async(SafeFileHandle file, long offset, long length, CancellationToken ct)
    {
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(ChunkSize, Math.Max(length, 1)));
        try
        {
            for (long done = 0; done < length;)
            {
                var chunk = buffer.AsMemory(0, (int)Math.Min(buffer.Length, length - done));
                await ReadExactlyAsync(file, chunk, offset + done, ct);
                md5.AppendData(chunk.Span);
                done += chunk.Length;
            }
            return md5.GetHashAndReset();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Copies a range between two files (same offset in both), hashing the bytes written with
    /// <paramref name="hash"/> (disposed here), then starts the range's writeback; each chunk is reported to
    /// <paramref name="onChunk"/>.
    /// </summary>
    public static async Task<PartDigest> CopyAndHashAsync(SafeFileHandle from, SafeFileHandle to, long offset, long length,
        PartHash hash, Action<long> onChunk, CancellationToken ct)
    {
        using var owned = hash;
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(ChunkSize, Math.Max(length, 1)));
        try
        {
            for (long done = 0; done < length;)
            {
                var chunk = buffer.AsMemory(0, (int)Math.Min(buffer.Length, length - done));
                await ReadExactlyAsync(from, chunk, offset + done, ct);
                hash.Append(chunk.Span);
                await RandomAccess.WriteAsync(to, chunk, offset + done, ct);
                done += chunk.Length;
                onChunk(chunk.Length);
            }
            Writeback.Start(to, offset, length);
            return hash.Finish();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
