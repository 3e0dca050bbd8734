namespace TierFs.Index.Policies;

/// <summary>
/// A policy's where or order that is not a plain condition over the <c>files</c> view. The message
/// reads "where: no such column: sise (at position 5)"; positions count characters from 1.
/// </summary>
public sealed class PolicyConditionException(string part, string problem, int position)
    : Exception($"{part}: {problem} (at position {position})")
{
    /// <summary>"where" or "order".</summary>
    public string Part { get; } = part;
    public string Problem { get; } = problem;
    public int Position { get; } = position;
}
