using System.Text.Json;
using TierFs.Tiering.Config;

namespace TierFs.Tiering.Engine;

/// <summary>
/// Where things live in the remote tier. Data objects are named by the file's id and archive
/// generation, never by path, so a rename never touches the remote tier.
/// </summary>
public static class RemoteLayout
{
    public const string ForwardAttribute = "ltr_local_to_remote";
    public const string ReverseAttribute = "rtl_remote_to_local";

    /// <summary>
    /// The key of one upload of a file: its generation and a token of that attempt. An attempt that
    /// is abandoned (the file changed meanwhile) queues its object for deletion; the token makes the
    /// next attempt's key another one, so that deletion can never hit the object that replaces it.
    /// </summary>
    public static string DataKey(string fileId, int generation, string attempt) => $"data/{fileId[..2]}/{fileId}/{generation}.{attempt}";

    /// <summary>A fresh attempt token: 64 random bits in hex.</summary>
    public static string NewAttempt() => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8));

    /// <summary>The metadata record of a file (pairs with remote_role gpeer: the remote side lists and serves it).</summary>
    public static string MetaKey(string fileId) => $"meta/{fileId[..2]}/{fileId}.json";

    /// <summary>The attribute set on a data object at its creation, per the S3 attribute contract.</summary>
    public static Dictionary<string, string> ForwardAttributes(TierFsConfig config, string fileId)
    {
        var attributes = new Dictionary<string, string> { ["file_id"] = fileId };
        if (config.Pair is { } pair) attributes[ForwardAttribute] = pair.ContractValue(config.ClusterId);
        return attributes;
    }

    /// <summary>A gpeer metadata record: the file's namespace entry and attributes.</summary>
    public static byte[] MetaRecord(string fileId, string? path, long size, uint mode, uint uid, uint gid, long mtimeNs, long ctimeNs, string state) =>
        JsonSerializer.SerializeToUtf8Bytes(new { fileId, path, size, mode, uid, gid, mtimeNs, ctimeNs, state });
}
