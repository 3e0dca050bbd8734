using System.Text.Json;

namespace TierFs.Remote;

/// <summary>
/// What the directory store keeps next to an object in ".tierfs-meta.NAME.json": the attributes
/// (the S3 user metadata of this store), the upload's part size and checksum, and the length.
/// </summary>
internal sealed record Sidecar(long Length, long? PartSize, string Checksum, Dictionary<string, string> Attributes)
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true };

    public const string NamePrefix = RemoteKey.ReservedSegmentPrefix + "meta.";

    public static string PathFor(string objectPath) =>
        Path.Combine(Path.GetDirectoryName(objectPath)!, $"{NamePrefix}{Path.GetFileName(objectPath)}.json");

    public byte[] ToBytes() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    /// <summary>The sidecar of an object, null if it has none; an unreadable one is a RemoteDataException.</summary>
    public static Sidecar? Read(string objectPath)
    {
        var path = PathFor(objectPath);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        try
        {
            var sidecar = JsonSerializer.Deserialize<Sidecar>(bytes, Json) ?? throw new JsonException("null");
            return sidecar.Attributes is null ? sidecar with { Attributes = [] } : sidecar;
        }
        catch (JsonException e)
        {
            throw new RemoteDataException($"the attributes of {objectPath} in {path} are unreadable: {e.Message}", e);
        }
    }
}
