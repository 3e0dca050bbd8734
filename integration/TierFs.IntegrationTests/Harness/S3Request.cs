using System.Text.RegularExpressions;

namespace TierFs.IntegrationTests.Harness;

/// <summary>
/// One request as s3rver logged its answer (an <see cref="S3Server"/> launched with logRequests):
/// method, path (/bucket/key, undecoded), query (decoded), status. For tests that count what TierFs asks.
/// </summary>
public sealed partial record S3Request(string Method, string Path, string Query, int Status)
{
    /// <summary>A ListObjectsV2 of <paramref name="bucket"/> below <paramref name="prefix"/> (exactly that prefix).</summary>
    public bool IsListing(string bucket, string prefix) =>
        Method == "GET" && Path.TrimEnd('/') == "/" + bucket && Query.Contains("list-type=2", StringComparison.Ordinal)
        && Query.Split('&').Contains("prefix=" + prefix);

    /// <summary>The requests in s3rver's output, in the order it answered them (its log's colour codes stripped).</summary>
    public static List<S3Request> Parse(string output)
    {
        var requests = new List<S3Request>();
        foreach (var line in output.Split('\n'))
        {
            var m = Answered().Match(Colour().Replace(line, ""));
            if (!m.Success) continue;
            var url = m.Groups[2].Value;
            var q = url.IndexOf('?', StringComparison.Ordinal);
            requests.Add(new S3Request(m.Groups[1].Value, q < 0 ? url : url[..q], q < 0 ? "" : Uri.UnescapeDataString(url[(q + 1)..]),
                int.Parse(m.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture)));
        }
        return requests;
    }

    // koa-logger's answer line, as s3rver prints it: "info: METHOD URL STATUS TIME LENGTH".
    [GeneratedRegex(@"^info: (GET|HEAD|PUT|POST|DELETE) (/\S*) (\d{3}) ")]
    private static partial Regex Answered();

    [GeneratedRegex(@"\x1B\[[0-9;]*m")]
    private static partial Regex Colour();
}
