namespace TierFs.Cli.Commands.Query;

/// <summary>How tierfs query prints: aligned text for people, CSV or JSON for programs, NUL-terminated values for xargs -0.</summary>
public enum OutputFormat
{
    Table,
    Csv,
    Json,
    Nul,
}

/// <summary>What tierfs report prints: sections for people, one JSON object for programs.</summary>
public enum ReportFormat
{
    Table,
    Json,
}
