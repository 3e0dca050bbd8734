namespace TierFs.Index.Policies;

/// <summary>
/// The lexical checks on a where or order before SQLite sees it: no ';', no comment, and
/// parentheses balanced, so the fragment cannot close the statement's own parenthesis or
/// comment out what follows it. Quoted text ('…', "…", `…`, […]) is skipped.
/// </summary>
internal static class SqlFragment
{
    /// <summary>The first problem and its 1-based position, or null.</summary>
    public static (string Problem, int Position)? Check(string text)
    {
        var depth = 0;
        var opened = new Stack<int>();
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '\'' or '"' or '`' or '[':
                    var close = c == '[' ? ']' : c;
                    var end = text.IndexOf(close, i + 1);
                    if (end < 0) return ($"unterminated {c}", i + 1);
                    i = end; // a doubled quote ('') is two adjacent quoted pieces: same result
                    break;
                case ';':
                    return ("';' is not allowed: one condition, not statements", i + 1);
                case '-' when At(text, i + 1, '-'):
                case '/' when At(text, i + 1, '*'):
                    return ("comments are not allowed", i + 1);
                case '(':
                    depth++;
                    opened.Push(i);
                    break;
                case ')':
                    if (--depth < 0) return ("')' closes nothing", i + 1);
                    opened.Pop();
                    break;
            }
        }
        return depth > 0 ? ("'(' is never closed", opened.Peek() + 1) : null;
    }

    private static bool At(string text, int i, char c) => i < text.Length && text[i] == c;
}
