namespace TierFs.Tiering.Control;

/// <summary>How deep `tierfs verify` looks: the record against the index (meta), the object's HEAD (object), or its whole data (data).</summary>
public enum VerifyLevel { Meta, Object, Data }

public static class VerifyLevels
{
    public static string Name(VerifyLevel level) => level.ToString().ToLowerInvariant();

    public static VerifyLevel? Parse(string? word) => word switch
    {
        "meta" => VerifyLevel.Meta,
        "object" => VerifyLevel.Object,
        "data" => VerifyLevel.Data,
        _ => null,
    };
}
