using TierFs.Records;

namespace TierFs.Namespace;

/// <summary>
/// Reads the records of a generation's body, of format 2 (<see cref="NsBodyWriter"/>) or format 1
/// (what TierFs wrote before: every integer absolute, the target always present, the stub record in
/// its xattr form): a bucket published by an older TierFs stays readable, and a chain may mix both.
/// A record that does not decode is a <see cref="NamespaceFormatException"/>: a namespace is never guessed at.
/// </summary>
internal sealed class NsBodyReader(Stream body, int format)
{
    private long _id, _parent, _ino;

    /// <summary>The next record, or false at the end of the body.</summary>
    public bool TryRead(out NsEntry? put, out long deletedId)
    {
        put = null;
        deletedId = 0;
        var kind = body.ReadByte();
        if (kind < 0) return false;
        switch (kind)
        {
            case NsBodyWriter.Delete:
                deletedId = _id = Next(_id);
                return true;
            case NsBodyWriter.Put:
                put = ReadPut();
                return true;
            default:
                throw new NamespaceFormatException($"unknown record kind {kind}");
        }
    }

    private long Next(long previous) => format == 1 ? (long)NsWire.ReadVar(body) : previous + NsWire.ReadZig(body);

    private NsEntry ReadPut()
    {
        var id = _id = Next(_id);
        var parent = _parent = Next(_parent);
        long ino = 0;
        if (format != 1) ino = _ino = Next(_ino);
        var name = NsWire.ReadString(body);
        var type = (char)NsWire.ReadByte(body);
        if (type is not (NsEntry.TypeFile or NsEntry.TypeDir or NsEntry.TypeSymlink or NsEntry.TypeOther))
            throw new NamespaceFormatException($"entry {id}: unknown type byte {(int)type}");
        var mode = (long)NsWire.ReadVar(body);
        var uid = (long)NsWire.ReadVar(body);
        var gid = (long)NsWire.ReadVar(body);
        var size = (long)NsWire.ReadVar(body);
        var nlink = (long)NsWire.ReadVar(body);
        if (format == 1) ino = (long)NsWire.ReadVar(body);
        var atime = NsWire.ReadZig(body);
        var mtime = atime + NsWire.ReadZig(body);
        var ctime = mtime + NsWire.ReadZig(body);
        var target = format == 1 || type == NsEntry.TypeSymlink ? NsWire.ReadString(body) : "";
        var count = NsWire.ReadVar(body);
        if (count > 4096) throw new NamespaceFormatException($"entry {id}: {count} xattrs");
        IReadOnlyList<NsXattr> xattrs = [];
        if (count > 0)
        {
            var list = new List<NsXattr>((int)count);
            for (var i = 0UL; i < count; i++) list.Add(new NsXattr(NsWire.ReadString(body), NsWire.ReadBytes(body)));
            xattrs = list;
        }
        var state = NsWire.ReadByte(body);
        if (!Enum.IsDefined((TierState)state)) throw new NamespaceFormatException($"entry {id}: unknown tier state {state}");
        var record = format == 1 ? ReadXattrRecord(id) : ReadCompactRecord(id, size, mtime, atime, ctime);
        return new NsEntry
        {
            Id = id, ParentId = parent, Name = name, Type = type, Mode = mode, Uid = uid, Gid = gid, Size = size,
            Nlink = nlink, Ino = ino, AtimeNs = atime, MtimeNs = mtime, CtimeNs = ctime,
            Target = type == NsEntry.TypeSymlink ? target : null, Xattrs = xattrs, State = (TierState)state, Record = record,
        };
    }

    private StubRecord? ReadCompactRecord(long id, long size, long mtime, long atime, long ctime) => NsWire.ReadByte(body) switch
    {
        0 => null,
        1 => CompactStubRecord.Read(body, id, size, mtime, atime, ctime),
        var b => throw new NamespaceFormatException($"entry {id}: unknown record mark {b}"),
    };

    private StubRecord? ReadXattrRecord(long id)
    {
        var record = NsWire.ReadBytes(body);
        try { return record.Length == 0 ? null : StubXattr.Decode(record); }
        catch (CorruptStubException e) { throw new NamespaceFormatException($"entry {id}: {e.Message}"); }
    }
}
