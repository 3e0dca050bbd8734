using System.Runtime.CompilerServices;
using TierFs.Index;

namespace TierFs.Scan;

/// <summary>
/// The rows the index has under one directory, found by the UTF-8 bytes of a name as readdir gives
/// them: a rescan compares an unchanged entry without making a string or a row object for it.
/// Each scan thread reuses one for every directory it reads.
/// </summary>
internal sealed class DirRows
{
    private EntryStamp[] _rows = new EntryStamp[64];
    private int[] _nameStart = new int[64];
    private int[] _nameLength = new int[64];
    private bool[] _taken = new bool[64];
    private byte[] _names = new byte[4096];
    /// <summary>Open addressing: a row's index + 1 per slot, 0 for none; a power of two at least twice the rows.</summary>
    private int[] _slots = new int[128];
    private int _count;
    private int _namesUsed;

    public ChildStampVisitor Add { get; }

    public DirRows() => Add = AddRow;

    /// <summary>Empties it for the next directory.</summary>
    public void Clear()
    {
        Array.Clear(_slots);
        Array.Clear(_taken, 0, _count);
        _count = 0;
        _namesUsed = 0;
    }

    /// <summary>Takes the row of <paramref name="name"/> (once: a taken row is not <see cref="Untaken"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // per entry of a scan: optimized from its first call (see ScanRun)
    public bool TryTake(ReadOnlySpan<byte> name, out EntryStamp row)
    {
        var mask = _slots.Length - 1;
        for (var slot = Hash(name) & mask; _slots[slot] != 0; slot = (slot + 1) & mask)
        {
            var i = _slots[slot] - 1;
            if (_taken[i] || !name.SequenceEqual(_names.AsSpan(_nameStart[i], _nameLength[i]))) continue;
            _taken[i] = true;
            row = _rows[i];
            return true;
        }
        row = default;
        return false;
    }

    /// <summary>The ids of the rows no name took.</summary>
    public IEnumerable<long> Untaken()
    {
        for (var i = 0; i < _count; i++)
            if (!_taken[i]) yield return _rows[i].Id;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // per entry of a scan: optimized from its first call (see ScanRun)
    private void AddRow(in EntryStamp row, ReadOnlySpan<byte> name)
    {
        if (_count == _rows.Length) Grow();
        if (_namesUsed + name.Length > _names.Length) Array.Resize(ref _names, Math.Max(_names.Length * 2, _namesUsed + name.Length));
        var i = _count++;
        _rows[i] = row;
        _nameStart[i] = _namesUsed;
        _nameLength[i] = name.Length;
        name.CopyTo(_names.AsSpan(_namesUsed));
        _namesUsed += name.Length;
        Insert(i, name);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // per entry of a scan: optimized from its first call (see ScanRun)
    private void Insert(int i, ReadOnlySpan<byte> name)
    {
        var mask = _slots.Length - 1;
        var slot = Hash(name) & mask;
        while (_slots[slot] != 0) slot = (slot + 1) & mask;
        _slots[slot] = i + 1;
    }

    private void Grow()
    {
        var size = _rows.Length * 2;
        Array.Resize(ref _rows, size);
        Array.Resize(ref _nameStart, size);
        Array.Resize(ref _nameLength, size);
        Array.Resize(ref _taken, size);
        _slots = new int[size * 2];
        for (var i = 0; i < _count; i++) Insert(i, _names.AsSpan(_nameStart[i], _nameLength[i]));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // per entry of a scan: optimized from its first call (see ScanRun)
    private static int Hash(ReadOnlySpan<byte> name)
    {
        var hash = new HashCode();
        hash.AddBytes(name);
        return hash.ToHashCode();
    }
}
