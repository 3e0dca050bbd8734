namespace TierFs.Index.Policies;

/// <summary>
/// A policy's where and order, checked against the index schema: each is a plain condition (or
/// order list) over the <c>files</c> view's columns and the index's functions (path, now, days,
/// hours, kib, mib, gib, tib, and SQLite's own), with no second statement, subquery or comment.
/// </summary>
public sealed class PolicyCondition
{
    public const string DefaultOrder = "size DESC";

    public string Where { get; }
    public string Order { get; }

    private PolicyCondition(string where, string order) => (Where, Order) = (where, order);

    /// <summary>Checks both against a scratch in-memory index; throws <see cref="PolicyConditionException"/> naming the part and position.</summary>
    public static PolicyCondition Compile(string where, string order = DefaultOrder)
    {
        ArgumentNullException.ThrowIfNull(where);
        ArgumentNullException.ThrowIfNull(order);
        if (where.Trim().Length == 0) throw new PolicyConditionException("where", "is empty", 1);
        if (order.Trim().Length == 0) throw new PolicyConditionException("order", "is empty", 1);
        using var compiler = new ConditionCompiler();
        compiler.Check(where, order);
        return new PolicyCondition(where, order);
    }

    public override string ToString() => $"WHERE {Where} ORDER BY {Order}";
}
