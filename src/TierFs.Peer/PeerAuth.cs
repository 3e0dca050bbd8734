using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace TierFs.Peer;

/// <summary>
/// Each request carries a time and an HMAC-SHA256, with the shared secret, of its method, path and
/// query and that time: the secret itself never crosses the link (which may be plain HTTP), a
/// changed request fails, and an old one is refused after <see cref="MaxSkew"/>.
/// </summary>
public static class PeerAuth
{
    public const string DateHeader = "X-TierFs-Date";
    public const string SignatureHeader = "X-TierFs-Signature";

    /// <summary>How far the two nodes' clocks (and a request's age) may differ.</summary>
    public static readonly TimeSpan MaxSkew = TimeSpan.FromMinutes(5);

    public static string Sign(byte[] secret, string method, string pathAndQuery, long unixSeconds) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes($"{method}\n{pathAndQuery}\n{unixSeconds.ToString(CultureInfo.InvariantCulture)}")));

    /// <summary>Null when the request is signed with the secret and recent; else why it is refused.</summary>
    public static string? Check(byte[] secret, string method, string pathAndQuery, string? date, string? signature, DateTimeOffset now)
    {
        if (date is null || signature is null) return "unsigned request";
        if (!long.TryParse(date, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)) return "bad date";
        if (Math.Abs(now.ToUnixTimeSeconds() - seconds) > MaxSkew.TotalSeconds) return "request too old, or the clocks differ by more than 5 minutes";
        var expected = Encoding.ASCII.GetBytes(Sign(secret, method, pathAndQuery, seconds));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(signature)) ? null : "bad signature";
    }
}
