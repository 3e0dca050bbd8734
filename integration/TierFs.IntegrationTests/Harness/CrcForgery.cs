using System.Numerics;
using System.Runtime.InteropServices;

namespace TierFs.IntegrationTests.Harness;

/// <summary>
/// What an attacker who can write the remote tier does to a CRC: changes bytes, then restores the
/// CRC32C by setting 4 chosen bytes. A CRC of messages of one length is affine over GF(2)
/// (crc(a ⊕ d) = crc(a) ⊕ L(d), L linear), so the 4 bytes are the solution of 32 linear equations.
/// Independent of TierFs's own CRC code; also linked into the unit tests.
/// </summary>
public static class CrcForgery
{
    /// <summary>Standard CRC-32C (init and final xor all ones), with the CPU's instruction.</summary>
    public static uint Crc32C(ReadOnlySpan<byte> data)
    {
        var crc = uint.MaxValue;
        var words = MemoryMarshal.Cast<byte, ulong>(data);
        foreach (var w in words) crc = BitOperations.Crc32C(crc, w);
        foreach (var b in data[(words.Length * sizeof(ulong))..]) crc = BitOperations.Crc32C(crc, b);
        return ~crc;
    }

    /// <summary>
    /// <paramref name="data"/> with <paramref name="replacement"/> written at <paramref name="at"/>,
    /// and 4 bytes at <paramref name="patchAt"/> (outside the replaced range) chosen so that the
    /// CRC32C of the whole is unchanged.
    /// </summary>
    public static byte[] SameCrc(byte[] data, int at, ReadOnlySpan<byte> replacement, int patchAt)
    {
        if (patchAt + 4 > data.Length || (patchAt + 4 > at && patchAt < at + replacement.Length))
            throw new ArgumentOutOfRangeException(nameof(patchAt), "the patch must lie inside the data and outside the replaced bytes");
        var forged = (byte[])data.Clone();
        replacement.CopyTo(forged.AsSpan(at));
        var target = Crc32C(data) ^ Crc32C(forged); // what the patch must cancel
        // L(e_j) for the 32 bits of the patch window: crc(zeros with bit j) ^ crc(zeros).
        var zeros = new byte[data.Length];
        var zeroCrc = Crc32C(zeros);
        var columns = new uint[32];
        for (var j = 0; j < 32; j++)
        {
            zeros[patchAt + j / 8] = (byte)(1 << (j % 8));
            columns[j] = Crc32C(zeros) ^ zeroCrc;
            zeros[patchAt + j / 8] = 0;
        }
        var patch = Solve(columns, target);
        for (var j = 0; j < 32; j++)
            if ((patch >> j & 1) != 0) forged[patchAt + j / 8] ^= (byte)(1 << (j % 8));
        if (Crc32C(forged) != Crc32C(data)) throw new InvalidOperationException("the forgery did not keep the CRC");
        return forged;
    }

    /// <summary>x with XOR of columns[j] over the set bits j of x equal to target (Gauss-Jordan over GF(2)).</summary>
    private static uint Solve(uint[] columns, uint target)
    {
        // Rows are equations (bit i of each column); augmented with the target bit in bit 32.
        var rows = new ulong[32];
        for (var i = 0; i < 32; i++)
        {
            ulong row = 0;
            for (var j = 0; j < 32; j++) row |= (ulong)(columns[j] >> i & 1) << j;
            rows[i] = row | (ulong)(target >> i & 1) << 32;
        }
        for (var col = 0; col < 32; col++)
        {
            var pivot = Array.FindIndex(rows, col, r => (r >> col & 1) != 0);
            if (pivot < 0) throw new InvalidOperationException("singular: this CRC window cannot be solved");
            (rows[col], rows[pivot]) = (rows[pivot], rows[col]);
            for (var r = 0; r < 32; r++)
                if (r != col && (rows[r] >> col & 1) != 0) rows[r] ^= rows[col];
        }
        uint x = 0;
        for (var i = 0; i < 32; i++) x |= (uint)(rows[i] >> 32 & 1) << i;
        return x;
    }
}
