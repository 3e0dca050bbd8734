using System.Runtime.CompilerServices;
using System.Text;
using TierFs.Records;

namespace TierFs.Namespace;

/// <summary>
/// An entry's variable-length part as a <see cref="NamespaceTree"/> holds it in its arena, one run
/// per entry: the name (UTF-8, length-prefixed), then, as the slot's bits say, the symlink target,
/// the xattrs (count, then name and value each) and the stub record. The record is the namespace
/// format's own compact form (<see cref="CompactStubRecord"/>: digests as bytes, the object key as
/// its token, size and times as differences from the entry's) with the pair and remote, the same
/// text in most records, replaced by their number in the tree's <see cref="StringTable"/>.
/// </summary>
internal static class EntryBytes
{
    /// <summary>Writes <paramref name="e"/>'s run to <paramref name="run"/> (emptied first) and returns the slot bits it needs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static byte Write(NsEntry e, StringTable strings, MemoryStream run, MemoryStream record)
    {
        run.SetLength(0);
        byte bits = 0;
        NsWire.WriteString(run, e.Name);
        if (e.Target is { } target)
        {
            bits |= NsSlot.HasTarget;
            NsWire.WriteString(run, target);
        }
        if (e.Xattrs.Count > 0)
        {
            bits |= NsSlot.HasXattrs;
            NsWire.WriteVar(run, (ulong)e.Xattrs.Count);
            foreach (var x in e.Xattrs)
            {
                NsWire.WriteString(run, x.Name);
                NsWire.WriteBytes(run, x.Value);
            }
        }
        if (e.Record is { } r)
        {
            bits |= NsSlot.HasRecord;
            record.SetLength(0);
            NsWire.WriteVar(record, strings.Ref(r.Pair));
            NsWire.WriteVar(record, strings.Ref(r.Remote));
            CompactStubRecord.Write(record, r with { Pair = null, Remote = null }, e);
            NsWire.WriteBytes(run, record.GetBuffer().AsSpan(0, (int)record.Length));
        }
        return bits;
    }

    public static ReadOnlySpan<byte> Name(ReadOnlySpan<byte> run) => Field(run, out _);

    /// <summary>The target's bytes; empty when the entry has none (the slot says which).</summary>
    public static ReadOnlySpan<byte> Target(ReadOnlySpan<byte> run, byte bits)
    {
        Field(run, out var rest);
        return (bits & NsSlot.HasTarget) != 0 ? Field(rest, out _) : default;
    }

    /// <summary>The xattrs as a run: their count, then each name and value (<see cref="NextXattr"/>).</summary>
    public static ReadOnlySpan<byte> Xattrs(ReadOnlySpan<byte> run, byte bits, out int count)
    {
        count = 0;
        if ((bits & NsSlot.HasXattrs) == 0) return default;
        var rest = AfterTarget(run, bits);
        count = (int)Var(ref rest);
        return rest;
    }

    /// <summary>The next xattr of a run from <see cref="Xattrs"/>; <paramref name="xattrs"/> moves past it.</summary>
    public static void NextXattr(ref ReadOnlySpan<byte> xattrs, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        name = Field(xattrs, out xattrs);
        value = Field(xattrs, out xattrs);
    }

    /// <summary>Where the value of the xattr named <paramref name="name"/> is in the run, if the entry has it.</summary>
    public static bool FindXattr(ReadOnlySpan<byte> run, byte bits, ReadOnlySpan<byte> name, out int offset, out int length)
    {
        var rest = Xattrs(run, bits, out var count);
        for (var i = 0; i < count; i++)
        {
            NextXattr(ref rest, out var n, out var value);
            if (!n.SequenceEqual(name)) continue;
            (offset, length) = (run.Length - rest.Length - value.Length, value.Length);
            return true;
        }
        (offset, length) = (0, 0);
        return false;
    }

    /// <summary>The record's bytes (compare them to compare records); empty when the entry has none.</summary>
    public static ReadOnlySpan<byte> Record(ReadOnlySpan<byte> run, byte bits) =>
        (bits & NsSlot.HasRecord) != 0 ? Field(AfterXattrs(run, bits), out _) : default;

    /// <summary>The offset of the record's bytes in the run (past their length), or -1.</summary>
    public static int RecordOffset(ReadOnlySpan<byte> run, byte bits, out int length)
    {
        length = 0;
        if ((bits & NsSlot.HasRecord) == 0) return -1;
        var rest = AfterXattrs(run, bits);
        length = (int)Var(ref rest);
        return run.Length - rest.Length;
    }

    /// <summary>Decodes a record's bytes (a stream over them) for the entry of the given id, size and times.</summary>
    public static StubRecord DecodeRecord(Stream bytes, StringTable strings, long id, long size, long mtimeNs, long atimeNs, long ctimeNs)
    {
        var pair = strings.Get(NsWire.ReadVar(bytes));
        var remote = strings.Get(NsWire.ReadVar(bytes));
        return CompactStubRecord.Read(bytes, id, size, mtimeNs, atimeNs, ctimeNs) with { Pair = pair, Remote = remote };
    }

    public static List<NsXattr> DecodeXattrs(ReadOnlySpan<byte> run, byte bits)
    {
        var rest = Xattrs(run, bits, out var count);
        var list = new List<NsXattr>(count);
        for (var i = 0; i < count; i++)
        {
            NextXattr(ref rest, out var name, out var value);
            list.Add(new NsXattr(Encoding.UTF8.GetString(name), value.ToArray()));
        }
        return list;
    }

    private static ReadOnlySpan<byte> AfterTarget(ReadOnlySpan<byte> run, byte bits)
    {
        Field(run, out var rest);
        if ((bits & NsSlot.HasTarget) != 0) Field(rest, out rest);
        return rest;
    }

    private static ReadOnlySpan<byte> AfterXattrs(ReadOnlySpan<byte> run, byte bits)
    {
        var rest = AfterTarget(run, bits);
        if ((bits & NsSlot.HasXattrs) == 0) return rest;
        var count = Var(ref rest);
        for (var i = 0UL; i < count; i++) NextXattr(ref rest, out _, out _);
        return rest;
    }

    // A length-prefixed field at the start of `run`, and what follows it.
    private static ReadOnlySpan<byte> Field(ReadOnlySpan<byte> run, out ReadOnlySpan<byte> rest)
    {
        var length = (int)Var(ref run);
        rest = run[length..];
        return run[..length];
    }

    // The runs are the tree's own writing (NsWire's varints): no checks beyond the span's.
    private static ulong Var(ref ReadOnlySpan<byte> s)
    {
        ulong v = 0;
        var i = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = s[i++];
            v |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) break;
        }
        s = s[i..];
        return v;
    }
}
