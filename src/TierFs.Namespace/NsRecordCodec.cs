using System.Buffers.Binary;
using System.Text;
using TierFs.Records;

namespace TierFs.Namespace;

/// <summary>
/// The records of a generation's body, before compression: a put (an entry as it is now) or a
/// delete (an entry id gone). Integers are LEB128 varints (times zig-zag: before 1970 is possible),
/// strings and byte strings length-prefixed; an archived file's stub record is its xattr form
/// (<see cref="StubXattr"/>), so that import writes exactly what the engine would.
/// </summary>
public static class NsRecordCodec
{
    public const byte Put = 1;
    public const byte Delete = 2;

    /// <summary>Longest name, target, xattr value or record a reader accepts: past it the object is malformed, not a reason to allocate.</summary>
    public const int MaxField = 1 << 20;

    public static void WritePut(Stream s, NsEntry e)
    {
        s.WriteByte(Put);
        WriteVar(s, (ulong)e.Id);
        WriteVar(s, (ulong)e.ParentId);
        WriteString(s, e.Name);
        s.WriteByte((byte)e.Type);
        WriteVar(s, (ulong)e.Mode);
        WriteVar(s, (ulong)e.Uid);
        WriteVar(s, (ulong)e.Gid);
        WriteVar(s, (ulong)e.Size);
        WriteVar(s, (ulong)e.Nlink);
        WriteVar(s, (ulong)e.Ino);
        WriteZig(s, e.AtimeNs);
        WriteZig(s, e.MtimeNs - e.AtimeNs); // usually small, often 0
        WriteZig(s, e.CtimeNs - e.MtimeNs);
        WriteString(s, e.Target ?? "");
        WriteVar(s, (ulong)e.Xattrs.Count);
        foreach (var x in e.Xattrs)
        {
            WriteString(s, x.Name);
            WriteBytes(s, x.Value);
        }
        s.WriteByte((byte)e.State);
        WriteBytes(s, e.Record is null ? [] : StubXattr.Encode(e.Record));
    }

    public static void WriteDelete(Stream s, long id)
    {
        s.WriteByte(Delete);
        WriteVar(s, (ulong)id);
    }

    /// <summary>
    /// The next record, or false at the end of the body. A record that does not decode is a
    /// <see cref="NamespaceFormatException"/>: a namespace is never guessed at.
    /// </summary>
    public static bool TryRead(Stream s, out NsEntry? put, out long deletedId)
    {
        put = null;
        deletedId = 0;
        var kind = s.ReadByte();
        if (kind < 0) return false;
        switch (kind)
        {
            case Delete:
                deletedId = (long)ReadVar(s);
                return true;
            case Put:
                var id = (long)ReadVar(s);
                var parent = (long)ReadVar(s);
                var name = ReadString(s);
                var type = (char)ReadByte(s);
                if (type is not (NsEntry.TypeFile or NsEntry.TypeDir or NsEntry.TypeSymlink or NsEntry.TypeOther))
                    throw new NamespaceFormatException($"entry {id}: unknown type byte {(int)type}");
                var mode = (long)ReadVar(s);
                var uid = (long)ReadVar(s);
                var gid = (long)ReadVar(s);
                var size = (long)ReadVar(s);
                var nlink = (long)ReadVar(s);
                var ino = (long)ReadVar(s);
                var atime = ReadZig(s);
                var mtime = atime + ReadZig(s);
                var ctime = mtime + ReadZig(s);
                var target = ReadString(s);
                var count = ReadVar(s);
                if (count > 4096) throw new NamespaceFormatException($"entry {id}: {count} xattrs");
                var xattrs = new List<NsXattr>((int)count);
                for (var i = 0UL; i < count; i++) xattrs.Add(new NsXattr(ReadString(s), ReadBytes(s)));
                var state = ReadByte(s);
                if (!Enum.IsDefined((TierState)state)) throw new NamespaceFormatException($"entry {id}: unknown tier state {state}");
                var record = ReadBytes(s);
                StubRecord? stub;
                try { stub = record.Length == 0 ? null : StubXattr.Decode(record); }
                catch (CorruptStubException e) { throw new NamespaceFormatException($"entry {id}: {e.Message}"); }
                put = new NsEntry
                {
                    Id = id, ParentId = parent, Name = name, Type = type, Mode = mode, Uid = uid, Gid = gid, Size = size,
                    Nlink = nlink, Ino = ino, AtimeNs = atime, MtimeNs = mtime, CtimeNs = ctime,
                    Target = type == NsEntry.TypeSymlink ? target : null, Xattrs = xattrs, State = (TierState)state, Record = stub,
                };
                return true;
            default:
                throw new NamespaceFormatException($"unknown record kind {kind}");
        }
    }

    private static void WriteVar(Stream s, ulong v)
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

    private static void WriteZig(Stream s, long v) => WriteVar(s, (ulong)((v << 1) ^ (v >> 63)));

    private static void WriteString(Stream s, string v) => WriteBytes(s, Encoding.UTF8.GetBytes(v));

    private static void WriteBytes(Stream s, ReadOnlySpan<byte> v)
    {
        WriteVar(s, (ulong)v.Length);
        s.Write(v);
    }

    private static int ReadByte(Stream s)
    {
        var b = s.ReadByte();
        return b < 0 ? throw new NamespaceFormatException("the body ends inside a record") : b;
    }

    private static ulong ReadVar(Stream s)
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

    private static long ReadZig(Stream s)
    {
        var v = ReadVar(s);
        return (long)(v >> 1) ^ -(long)(v & 1);
    }

    private static string ReadString(Stream s)
    {
        var bytes = ReadBytes(s);
        try { return new UTF8Encoding(false, true).GetString(bytes); }
        catch (DecoderFallbackException) { throw new NamespaceFormatException("a name or target is not UTF-8"); }
    }

    private static byte[] ReadBytes(Stream s)
    {
        var length = ReadVar(s);
        if (length > MaxField) throw new NamespaceFormatException($"a field of {length} bytes (at most {MaxField})");
        var bytes = new byte[length];
        s.ReadExactly(bytes);
        return bytes;
    }

    internal static uint ReadU32(ReadOnlySpan<byte> b) => BinaryPrimitives.ReadUInt32BigEndian(b);
}

/// <summary>A published namespace object that does not decode: refused whole, never guessed at.</summary>
public sealed class NamespaceFormatException(string message) : Exception(message);
