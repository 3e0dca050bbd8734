namespace TierFs.Namespace;

/// <summary>
/// Text that most records of a tree share (the pair, the remote tier's identity), held once: a
/// record holds its number (0 for none). Only grows; a copy of the tree gets a copy.
/// </summary>
internal sealed class StringTable
{
    private readonly List<string> _strings;
    private readonly Dictionary<string, int> _numbers;

    public StringTable()
    {
        _strings = [];
        _numbers = new Dictionary<string, int>(StringComparer.Ordinal);
    }

    private StringTable(StringTable other)
    {
        _strings = [.. other._strings];
        _numbers = new Dictionary<string, int>(other._numbers, StringComparer.Ordinal);
    }

    public StringTable Copy() => new(this);

    public ulong Ref(string? text)
    {
        if (text is null) return 0;
        if (!_numbers.TryGetValue(text, out var n))
        {
            _strings.Add(text);
            _numbers[text] = n = _strings.Count;
        }
        return (ulong)n;
    }

    public string? Get(ulong number) => number == 0 ? null : _strings[(int)number - 1];
}
