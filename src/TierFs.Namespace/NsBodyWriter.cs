namespace TierFs.Namespace;

/// <summary>
/// Writes the records of a generation's body (format 2, before compression): a put (an entry as it
/// is now) or a delete (an entry id gone). Integers are LEB128 varints; the id, parent id and inode
/// number as differences from the record before (a snapshot goes in id order, a directory's files
/// together: mostly 1, 0 and small), mtime from atime and ctime from mtime (zig-zag: before 1970 is
/// possible); a stub record field by field (<see cref="CompactStubRecord"/>). Disposing it ends the
/// zstd frame (<see cref="GenerationObject.BeginWrite"/>).
/// </summary>
public sealed class NsBodyWriter(Stream body) : IDisposable
{
    public const byte Put = 1;
    public const byte Delete = 2;

    private long _id, _parent, _ino;

    public void WritePut(NsEntry e)
    {
        body.WriteByte(Put);
        NsWire.WriteZig(body, e.Id - _id);
        NsWire.WriteZig(body, e.ParentId - _parent);
        NsWire.WriteZig(body, e.Ino - _ino);
        (_id, _parent, _ino) = (e.Id, e.ParentId, e.Ino);
        NsWire.WriteString(body, e.Name);
        body.WriteByte((byte)e.Type);
        NsWire.WriteVar(body, (ulong)e.Mode);
        NsWire.WriteVar(body, (ulong)e.Uid);
        NsWire.WriteVar(body, (ulong)e.Gid);
        NsWire.WriteVar(body, (ulong)e.Size);
        NsWire.WriteVar(body, (ulong)e.Nlink);
        NsWire.WriteZig(body, e.AtimeNs);
        NsWire.WriteZig(body, e.MtimeNs - e.AtimeNs); // usually small, often 0
        NsWire.WriteZig(body, e.CtimeNs - e.MtimeNs);
        if (e.Type == NsEntry.TypeSymlink) NsWire.WriteString(body, e.Target ?? "");
        NsWire.WriteVar(body, (ulong)e.Xattrs.Count);
        foreach (var x in e.Xattrs)
        {
            NsWire.WriteString(body, x.Name);
            NsWire.WriteBytes(body, x.Value);
        }
        body.WriteByte((byte)e.State);
        body.WriteByte(e.Record is null ? (byte)0 : (byte)1);
        if (e.Record is not null) CompactStubRecord.Write(body, e.Record, e);
    }

    public void WriteDelete(long id)
    {
        body.WriteByte(Delete);
        NsWire.WriteZig(body, id - _id);
        _id = id;
    }

    public void Dispose() => body.Dispose();
}
