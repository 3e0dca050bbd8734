namespace TierFs.Namespace.Import;

/// <summary>How `tierfs import` rebuilds a tree.</summary>
public sealed record ImportOptions
{
    /// <summary>Create files that were never archived, empty (their data was only east).</summary>
    public bool IncludeUnarchived { get; init; }
    /// <summary>Import into a non-empty target: existing directories are entered, existing names left as they are.</summary>
    public bool Merge { get; init; }
    /// <summary>Each refused entry or failure, one line (naming the entry).</summary>
    public Action<string> Problem { get; init; } = _ => { };
    /// <summary>Each never-archived file, by path (listed, created only with <see cref="IncludeUnarchived"/>).</summary>
    public Action<string> Unarchived { get; init; } = _ => { };
    /// <summary>Entries done so far of the total, now and then.</summary>
    public Action<long, long>? Progress { get; init; }
}

/// <summary>What an import did.</summary>
public sealed record ImportSummary
{
    public long Directories { get; set; }
    public long Stubs { get; set; }
    public long StubBytes { get; set; }
    public long Symlinks { get; set; }
    public long HardLinks { get; set; }
    public long Unarchived { get; set; }
    public long UnarchivedCreated { get; set; }
    public long Others { get; set; }
    public long Existing { get; set; }
    public long Refused { get; set; }
    public long Failed { get; set; }

    public override string ToString() =>
        $"imported {Directories} directories, {Stubs} stubs ({Stubs} files, {StubBytes} bytes in the remote tier), {Symlinks} symlinks, {HardLinks} hard links" +
        (Others > 0 ? $", {Others} special files" : "") +
        $"; {Unarchived} never-archived files {(UnarchivedCreated > 0 ? $"created empty ({UnarchivedCreated})" : "not created")}" +
        (Existing > 0 ? $"; {Existing} names already there, left as they were" : "") +
        (Refused > 0 ? $"; {Refused} entries refused" : "") +
        (Failed > 0 ? $"; {Failed} failed" : "");
}
