using System.Text;

namespace TierFs.Namespace;

/// <summary>
/// The primitives of a generation's body: LEB128 varints (zig-zag for signed values), length-prefixed
/// byte strings and UTF-8 strings. Anything that does not decode is a <see cref="NamespaceFormatException"/>.
/// </summary>
internal static class NsWire
{
    /// <summary>Longest name, target, xattr value or record a reader accepts: past it the object is malformed, not a reason to allocate.</summary>
    public const int MaxField = 1 << 20;

    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    public static void WriteVar(Stream s, ulong v)
    {
        Span<byte> buf = stackalloc byte[10];
        var n = 0;
        while (v >= 0x80)
        {
            buf[n++] = (byte)(v | 0x80);
            v >>= 7;
        }
        buf[n++] = (byte)v;
        s.Write(buf[..n]);
    }

    public static void WriteZig(Stream s, long v) => WriteVar(s, (ulong)((v << 1) ^ (v >> 63)));

    public static void WriteString(Stream s, string v)
    {
        Span<byte> small = stackalloc byte[256];
        var count = Encoding.UTF8.GetByteCount(v);
        var bytes = count <= small.Length ? small[..count] : new byte[count];
        Encoding.UTF8.GetBytes(v, bytes);
        WriteBytes(s, bytes);
    }

    public static void WriteBytes(Stream s, ReadOnlySpan<byte> v)
    {
        WriteVar(s, (ulong)v.Length);
        s.Write(v);
    }

    public static int ReadByte(Stream s)
    {
        var b = s.ReadByte();
        return b < 0 ? throw new NamespaceFormatException("the body ends inside a record") : b;
    }

    public static ulong ReadVar(Stream s)
    {
        ulong v = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = ReadByte(s);
            v |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return v;
        }
        throw new NamespaceFormatException("a number longer than 64 bits");
    }

    public static long ReadZig(Stream s)
    {
        var v = ReadVar(s);
        return (long)(v >> 1) ^ -(long)(v & 1);
    }

    public static string ReadString(Stream s)
    {
        var length = ReadLength(s);
        Span<byte> small = stackalloc byte[256];
        var bytes = length <= small.Length ? small[..length] : new byte[length];
        s.ReadExactly(bytes);
        try { return StrictUtf8.GetString(bytes); }
        catch (DecoderFallbackException) { throw new NamespaceFormatException("a name or target is not UTF-8"); }
    }

    public static byte[] ReadBytes(Stream s)
    {
        var bytes = new byte[ReadLength(s)];
        s.ReadExactly(bytes);
        return bytes;
    }

    public static int ReadLength(Stream s)
    {
        var length = ReadVar(s);
        if (length > MaxField) throw new NamespaceFormatException($"a field of {length} bytes (at most {MaxField})");
        return (int)length;
    }
}
