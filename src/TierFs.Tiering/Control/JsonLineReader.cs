using System.Text;

namespace TierFs.Tiering.Control;

/// <summary>
/// Reads newline-terminated lines from a stream, refusing a line longer than a bound (a peer
/// that never sends a newline must not grow our memory without end).
/// </summary>
public sealed class JsonLineReader(Stream stream, int maxLineBytes = ControlProtocol.MaxLineBytes)
{
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;
    private readonly MemoryStream _partial = new();

    /// <summary>The next line without its newline; null at the end of the stream.</summary>
    public async ValueTask<string?> ReadLineAsync(CancellationToken ct)
    {
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (newline >= 0)
            {
                var line = Take(newline - _start);
                _start = newline + 1;
                return line;
            }
            _partial.Write(_buffer, _start, _end - _start);
            if (_partial.Length > maxLineBytes)
                throw new ControlException($"a line longer than {maxLineBytes} bytes");
            _start = _end = 0;
            var n = await stream.ReadAsync(_buffer, ct).ConfigureAwait(false);
            if (n == 0)
            {
                // The peer closed: a last line without its newline still counts.
                return _partial.Length > 0 ? Take(0) : null;
            }
            _end = n;
        }
    }

    private string Take(int count)
    {
        if (_partial.Length + count > maxLineBytes)
            throw new ControlException($"a line longer than {maxLineBytes} bytes");
        string line;
        if (_partial.Length == 0) line = Encoding.UTF8.GetString(_buffer, _start, count);
        else
        {
            _partial.Write(_buffer, _start, count);
            line = Encoding.UTF8.GetString(_partial.GetBuffer(), 0, (int)_partial.Length);
            _partial.SetLength(0);
        }
        return line;
    }
}
