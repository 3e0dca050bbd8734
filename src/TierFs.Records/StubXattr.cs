using System.Text.Json;
using System.Text.Json.Serialization;

namespace TierFs.Records;

/// <summary>
/// The on-disk form of a <see cref="StubRecord"/>: compact JSON in a trusted.* xattr (only root
/// can read or change trusted.*; the mount hides it from everybody).
/// </summary>
public static class StubXattr
{
    /// <summary>Every xattr of TierFs's own starts so: hidden from and protected against users of the mount.</summary>
    public const string PrivatePrefix = "trusted.tierfs.";

    public const string Name = PrivatePrefix + "stub";

    private static readonly JsonSerializerOptions Options = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingDefault,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static byte[] Encode(StubRecord record) => JsonSerializer.SerializeToUtf8Bytes(record, Options);

    /// <summary>Decodes, or throws <see cref="CorruptStubException"/>: a stub we cannot read is never guessed at.</summary>
    public static StubRecord Decode(ReadOnlySpan<byte> value)
    {
        StubRecord? record;
        try { record = JsonSerializer.Deserialize<StubRecord>(value, Options); }
        catch (JsonException e) { throw new CorruptStubException($"unreadable stub record: {e.Message}"); }
        if (record is null) throw new CorruptStubException("empty stub record");
        Check(record);
        return record;
    }

    /// <summary>What every record read from outside must be (the xattr, a published namespace), or <see cref="CorruptStubException"/>.</summary>
    public static void Check(StubRecord record)
    {
        if (record.Version != StubRecord.CurrentVersion)
            throw new CorruptStubException($"stub record version {record.Version} is not {StubRecord.CurrentVersion}");
        if (!StubRecord.IsKnownState(record.State))
            throw new CorruptStubException($"unknown stub state '{record.State}'");
        if (record.State != StubRecord.StateNone && (record.ObjectKey is null || record.Checksum is null || record.PartSize <= 0 || record.Size < 0))
            throw new CorruptStubException($"stub record in state {record.State} lacks its object key, checksum or part size");
    }
}

public sealed class CorruptStubException(string message) : Exception(message);
