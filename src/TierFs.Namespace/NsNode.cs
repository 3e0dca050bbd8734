using TierFs.Records;

namespace TierFs.Namespace;

/// <summary>
/// An entry of a <see cref="NamespaceTree"/> read in place (the slot's fields, the arena's bytes):
/// what the west mount answers getattr, readdir, readlink and getxattr from, with no object made.
/// <see cref="ToEntry"/> makes the <see cref="NsEntry"/>.
/// </summary>
public readonly struct NsNode
{
    private readonly NamespaceTree _tree;

    internal NsNode(NamespaceTree tree, int slot)
    {
        _tree = tree;
        Slot = slot;
    }

    public int Slot { get; }

    private ref readonly NsSlot S => ref _tree.SlotAt(Slot);
    private NsEntry? Wide => S.Is(NsSlot.Wide) ? _tree.WideAt(Slot) : null;

    public long Id => _tree.IdAt(Slot);
    public long ParentId => S.ParentId;
    public char Type => Wide?.Type ?? (char)S.Type;
    public long Mode => Wide?.Mode ?? S.Mode;
    public long Uid => Wide?.Uid ?? S.Uid;
    public long Gid => Wide?.Gid ?? S.Gid;
    public long Nlink => Wide?.Nlink ?? S.Nlink;
    public TierState State => Wide?.State ?? (TierState)S.State;
    public long Size => S.Size;
    public long Ino => S.Ino;
    public long AtimeNs => S.AtimeNs;
    public long MtimeNs => S.MtimeNs;
    public long CtimeNs => S.CtimeNs;
    /// <summary>As <see cref="NsEntry.DataIsRemote"/>.</summary>
    public bool DataIsRemote => S.Is(NsSlot.DataIsRemote);

    /// <summary>The name, UTF-8.</summary>
    public ReadOnlySpan<byte> Name => EntryBytes.Name(_tree.BytesAt(Slot));
    public bool HasTarget => S.Is(NsSlot.HasTarget);
    /// <summary>The target, UTF-8 (empty when there is none: see <see cref="HasTarget"/>).</summary>
    public ReadOnlySpan<byte> Target => EntryBytes.Target(_tree.BytesAt(Slot), S.Bits);

    /// <summary>The value of the xattr named <paramref name="name"/> (UTF-8), if the entry has it.</summary>
    public bool TryGetXattr(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        var run = _tree.BytesAt(Slot);
        if (EntryBytes.FindXattr(run, S.Bits, name, out var offset, out var length))
        {
            value = run.Slice(offset, length);
            return true;
        }
        value = default;
        return false;
    }

    /// <summary>The xattrs' names, each followed by a NUL (listxattr's answer): their length, and the bytes when <paramref name="into"/> holds them.</summary>
    public int XattrNames(Span<byte> into)
    {
        var rest = EntryBytes.Xattrs(_tree.BytesAt(Slot), S.Bits, out var count);
        var length = 0;
        for (var i = 0; i < count; i++)
        {
            EntryBytes.NextXattr(ref rest, out var name, out _);
            if (length + name.Length + 1 <= into.Length)
            {
                name.CopyTo(into[length..]);
                into[length + name.Length] = 0;
            }
            length += name.Length + 1;
        }
        return length;
    }

    /// <summary>The stub record's bytes as the tree holds them: equal bytes, equal object key and digests.</summary>
    public ReadOnlySpan<byte> RecordBytes => EntryBytes.Record(_tree.BytesAt(Slot), S.Bits);

    public StubRecord? Record => _tree.RecordAt(Slot);

    public NsEntry ToEntry() => _tree.EntryAt(Slot);
}
