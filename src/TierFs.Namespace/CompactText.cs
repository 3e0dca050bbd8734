using System.Globalization;

namespace TierFs.Namespace;

/// <summary>
/// A nullable string of a stub record (file id, digest, ETag, key suffix) in as few bytes as it
/// takes: text that is hex (lower or upper case, optionally quoted like an S3 ETag, optionally
/// ending in "-N" like a composite digest) is stored as its bytes, half the size and nothing for
/// zstd to fail to compress; anything else as UTF-8. Lossless by construction: the compact form is
/// used only when formatting it back gives exactly the text.
/// </summary>
internal static class CompactText
{
    private const byte Null = 0;
    private const byte Plain = 1;
    private const byte Hex = 2;
    private const byte Quoted = 4;
    private const byte Upper = 8;
    private const byte Suffix = 16;

    public static void Write(Stream s, string? text)
    {
        if (text is null)
        {
            s.WriteByte(Null);
            return;
        }
        if (TryParse(text, out var shape, out var bytes, out var suffix) && Format(shape, bytes, suffix) == text)
        {
            s.WriteByte(shape);
            NsWire.WriteBytes(s, bytes);
            if ((shape & Suffix) != 0) NsWire.WriteVar(s, suffix);
            return;
        }
        s.WriteByte(Plain);
        NsWire.WriteString(s, text);
    }

    public static string? Read(Stream s)
    {
        var shape = (byte)NsWire.ReadByte(s);
        if (shape == Null) return null;
        if (shape == Plain) return NsWire.ReadString(s);
        if ((shape & Hex) == 0 || (shape & ~(Hex | Quoted | Upper | Suffix)) != 0)
            throw new NamespaceFormatException($"unknown text form {shape}");
        var bytes = NsWire.ReadBytes(s);
        var suffix = (shape & Suffix) != 0 ? NsWire.ReadVar(s) : 0;
        return Format(shape, bytes, suffix);
    }

    private static bool TryParse(string text, out byte shape, out byte[] bytes, out ulong suffix)
    {
        shape = Hex;
        bytes = [];
        suffix = 0;
        var body = text.AsSpan();
        if (body.Length >= 2 && body[0] == '"' && body[^1] == '"')
        {
            shape |= Quoted;
            body = body[1..^1];
        }
        var dash = body.LastIndexOf('-');
        if (dash >= 0)
        {
            if (!ulong.TryParse(body[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out suffix)) return false;
            shape |= Suffix;
            body = body[..dash];
        }
        if (body.Length == 0 || body.Length % 2 != 0 || body.ContainsAnyExcept("0123456789abcdefABCDEF")) return false;
        if (body.ContainsAny("ABCDEF"))
        {
            if (body.ContainsAny("abcdef")) return false;
            shape |= Upper;
        }
        bytes = Convert.FromHexString(body);
        return true;
    }

    private static string Format(byte shape, byte[] bytes, ulong suffix)
    {
        var hex = (shape & Upper) != 0 ? Convert.ToHexString(bytes) : Convert.ToHexStringLower(bytes);
        if ((shape & Suffix) != 0) hex += "-" + suffix.ToString(CultureInfo.InvariantCulture);
        return (shape & Quoted) != 0 ? "\"" + hex + "\"" : hex;
    }
}
