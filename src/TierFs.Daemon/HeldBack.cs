namespace TierFs.Daemon;

/// <summary>A file a run did not move although its policy matched it, and what keeps it (this file's own detail).</summary>
public sealed record HeldFile(string Path, string? Detail);

/// <summary>The files held back for one reason: all counted, the first <see cref="HeldTally.MaxNamed"/> named.</summary>
public sealed record HeldGroup(string Reason, long Count, IReadOnlyList<HeldFile> Files);

/// <summary>
/// Adds up the files a job holds back, by reason ("younger than min_age (1h)", "open through the
/// mount", "waiting for a retry", ...), for `tierfs policy run` and its dry run. Thread-safe: the
/// workers add to it at once.
/// </summary>
public sealed class HeldTally
{
    /// <summary>Names kept per reason: a million young files are counted, not listed.</summary>
    public const int MaxNamed = 1000;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, (long Count, List<HeldFile> Files)> _groups = new(StringComparer.Ordinal);

    public void Add(string reason, string path, string? detail = null)
    {
        lock (_gate)
        {
            var (count, files) = _groups.TryGetValue(reason, out var g) ? g : (0, []);
            if (files.Count < MaxNamed) files.Add(new HeldFile(path, detail));
            _groups[reason] = (count + 1, files);
        }
    }

    public void Add(IEnumerable<HeldGroup> groups)
    {
        foreach (var group in groups)
            lock (_gate)
            {
                var (count, files) = _groups.TryGetValue(group.Reason, out var g) ? g : (0, []);
                files.AddRange(group.Files.Take(MaxNamed - files.Count));
                _groups[group.Reason] = (count + group.Count, files);
            }
    }

    /// <summary>The groups, most files first.</summary>
    public IReadOnlyList<HeldGroup> Groups()
    {
        lock (_gate)
            return _groups.Select(g => new HeldGroup(g.Key, g.Value.Count, g.Value.Files.ToList()))
                .OrderByDescending(g => g.Count).ThenBy(g => g.Reason, StringComparer.Ordinal).ToList();
    }

    /// <summary>As the job and plan reports carry it: [{reason, count, files: [{path, detail}]}].</summary>
    public static object View(IReadOnlyList<HeldGroup> groups) => groups.Select(g => new
    {
        reason = g.Reason,
        count = g.Count,
        files = g.Files.Select(f => new { path = f.Path, detail = f.Detail }).ToList(),
    }).ToList();
}
