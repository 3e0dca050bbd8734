using Microsoft.Win32.SafeHandles;

namespace TierFs.Remote;

/// <summary>A small file of the directory store (a record, a manifest) read whole into memory.</summary>
internal static class SmallFiles
{
    /// <summary>The file's bytes; longer than <paramref name="maxBytes"/>, or shrinking meanwhile, is a <see cref="RemoteDataException"/>.</summary>
    public static byte[] Read(SafeFileHandle data, int maxBytes, string where)
    {
        var length = RandomAccess.GetLength(data);
        if (length > maxBytes) throw new RemoteDataException($"{where}: the object has {length} bytes, more than the {maxBytes} expected");
        var bytes = new byte[length];
        for (var done = 0; done < bytes.Length;)
        {
            var n = RandomAccess.Read(data, bytes.AsSpan(done), done);
            if (n == 0) throw new RemoteDataException($"{where}: the object ended at byte {done} (it shrank)");
            done += n;
        }
        return bytes;
    }
}
