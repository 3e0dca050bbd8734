namespace TierFs.Cli.Commands.Query;

/// <summary>How tierfs query and report print: aligned text for people, CSV or JSON for programs.</summary>
public enum OutputFormat
{
    Table,
    Csv,
    Json,
}
