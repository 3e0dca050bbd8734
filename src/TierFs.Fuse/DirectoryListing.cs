namespace TierFs.Fuse;

/// <summary>The reply buffer of one readdir/readdirplus request.</summary>
public readonly unsafe struct DirectoryListing
{
    private readonly IntPtr _buffer;

    internal DirectoryListing(IntPtr buffer, bool plus) => (_buffer, Plus) = (buffer, plus);

    /// <summary>True for readdirplus: add entries with <see cref="AddPlus"/>, each counting as a lookup.</summary>
    public bool Plus { get; }

    /// <summary>Adds a plain entry (only ino and the type bits of mode are used). False when full.</summary>
    public bool Add(byte* name, in FuseAttr attr, long nextOffset)
    {
        fixed (FuseAttr* a = &attr)
            return NativeMethods.DirBufAdd(_buffer, name, a, nextOffset) != 0;
    }

    /// <summary>Adds an entry with attributes. False when full: the caller must then undo its lookup.</summary>
    public bool AddPlus(byte* name, in FuseEntry entry, long nextOffset)
    {
        fixed (FuseEntry* e = &entry)
            return NativeMethods.DirBufAddPlus(_buffer, name, e, nextOffset) != 0;
    }
}
