using TierFs.Records;

namespace TierFs.Namespace;

/// <summary>
/// A stub record as a format-2 namespace stores it: field by field, every field of
/// <see cref="StubRecord"/> (nothing an import or a west read needs is lost), digests and ids as
/// bytes (<see cref="CompactText"/>), the object key as its attempt token when it is the engine's
/// key of the file's id and generation, and the record's size and times as differences from the
/// entry's (usually 0). A record that decodes is checked as the xattr's are
/// (<see cref="StubXattr.Check"/>).
/// </summary>
internal static class CompactStubRecord
{
    private static readonly string[] States = [StubRecord.StateNone, StubRecord.StateArchived, StubRecord.StateReleased, StubRecord.StateLost];
    private const byte OtherState = 0xFF;

    private const byte KeyNone = 0;
    private const byte KeyOfId = 1;
    private const byte KeyLiteral = 2;

    private const byte IsDirty = 1;
    private const byte IsRecalling = 2;

    public static void Write(Stream s, StubRecord r, NsEntry e)
    {
        NsWire.WriteVar(s, (ulong)r.Version);
        var state = Array.IndexOf(States, r.State);
        s.WriteByte(state < 0 ? OtherState : (byte)state);
        if (state < 0) NsWire.WriteString(s, r.State);
        CompactText.Write(s, r.FileId);
        NsWire.WriteZig(s, r.Generation);
        var prefix = KeyPrefix(r.FileId, r.Generation);
        if (r.ObjectKey is null) s.WriteByte(KeyNone);
        else if (prefix is not null && r.ObjectKey.Length > prefix.Length && r.ObjectKey.StartsWith(prefix, StringComparison.Ordinal))
        {
            s.WriteByte(KeyOfId);
            CompactText.Write(s, r.ObjectKey[prefix.Length..]);
        }
        else
        {
            s.WriteByte(KeyLiteral);
            NsWire.WriteString(s, r.ObjectKey);
        }
        CompactText.Write(s, r.Checksum);
        CompactText.Write(s, r.Crc32C);
        CompactText.Write(s, r.Blake3);
        CompactText.Write(s, r.ETag);
        NsWire.WriteZig(s, r.PartSize);
        NsWire.WriteZig(s, r.Size - e.Size);
        NsWire.WriteZig(s, r.MtimeNs - e.MtimeNs);
        NsWire.WriteZig(s, r.AtimeNs - e.AtimeNs);
        NsWire.WriteZig(s, r.CtimeNs - e.CtimeNs);
        CompactText.Write(s, r.Pair);
        CompactText.Write(s, r.Remote);
        NsWire.WriteVar(s, (ulong)(uint)r.Flags);
        NsWire.WriteZig(s, r.ArchivedAtMs);
        NsWire.WriteZig(s, r.ReleasedAtMs);
        s.WriteByte((byte)((r.Dirty ? IsDirty : 0) | (r.Recalling ? IsRecalling : 0)));
    }

    /// <summary>The record of entry <paramref name="id"/>, whose size and times are given (the entry's).</summary>
    public static StubRecord Read(Stream s, long id, long size, long mtimeNs, long atimeNs, long ctimeNs)
    {
        var version = (int)NsWire.ReadVar(s);
        var stateByte = NsWire.ReadByte(s);
        var state = stateByte == OtherState ? NsWire.ReadString(s)
            : stateByte < States.Length ? States[stateByte]
            : throw new NamespaceFormatException($"entry {id}: unknown record state {stateByte}");
        var fileId = CompactText.Read(s) ?? throw new NamespaceFormatException($"entry {id}: a record without a file id");
        var generation = (int)NsWire.ReadZig(s);
        var objectKey = NsWire.ReadByte(s) switch
        {
            KeyNone => null,
            KeyOfId => (KeyPrefix(fileId, generation) ?? throw new NamespaceFormatException($"entry {id}: an object key of a file id too short")) +
                       CompactText.Read(s),
            KeyLiteral => NsWire.ReadString(s),
            var k => throw new NamespaceFormatException($"entry {id}: unknown object key form {k}"),
        };
        var record = new StubRecord
        {
            Version = version,
            State = state,
            FileId = fileId,
            Generation = generation,
            ObjectKey = objectKey,
            Checksum = CompactText.Read(s),
            Crc32C = CompactText.Read(s),
            Blake3 = CompactText.Read(s),
            ETag = CompactText.Read(s),
            PartSize = NsWire.ReadZig(s),
            Size = size + NsWire.ReadZig(s),
            MtimeNs = mtimeNs + NsWire.ReadZig(s),
            AtimeNs = atimeNs + NsWire.ReadZig(s),
            CtimeNs = ctimeNs + NsWire.ReadZig(s),
            Pair = CompactText.Read(s),
            Remote = CompactText.Read(s),
            Flags = (TierFlags)(int)NsWire.ReadVar(s),
            ArchivedAtMs = NsWire.ReadZig(s),
            ReleasedAtMs = NsWire.ReadZig(s),
        };
        var bits = NsWire.ReadByte(s);
        if ((bits & ~(IsDirty | IsRecalling)) != 0) throw new NamespaceFormatException($"entry {id}: unknown record bits {bits}");
        record = record with { Dirty = (bits & IsDirty) != 0, Recalling = (bits & IsRecalling) != 0 };
        try { StubXattr.Check(record); }
        catch (CorruptStubException e) { throw new NamespaceFormatException($"entry {id}: {e.Message}"); }
        return record;
    }

    // The engine's data key of a file id and generation, up to its attempt token
    // (RemoteLayout.DataKey: data/ID[..2]/ID/GENERATION.ATTEMPT); null when the id cannot make one.
    private static string? KeyPrefix(string fileId, int generation) =>
        fileId.Length >= 2 && !fileId.Contains('/') ? $"data/{fileId[..2]}/{fileId}/{generation}." : null;
}
