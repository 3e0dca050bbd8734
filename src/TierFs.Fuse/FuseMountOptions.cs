namespace TierFs.Fuse;

/// <summary>How a session mounts and serves: kernel mount options, INIT tuning, threading.</summary>
public sealed class FuseMountOptions
{
    /// <summary>Shown as the mount's source in /proc/mounts.</summary>
    public string FsName { get; set; } = "fuse";
    /// <summary>The mount type becomes fuse.SUBTYPE.</summary>
    public string? Subtype { get; set; }
    public bool AllowOther { get; set; } = true;
    /// <summary>Let the kernel check permissions from the attributes (the usual choice for an overlay).</summary>
    public bool DefaultPermissions { get; set; } = true;
    /// <summary>
    /// With <see cref="DefaultPermissions"/>, have the kernel enforce the POSIX ACLs the filesystem
    /// stores (FUSE_CAP_POSIX_ACL). Without it an ACL set through the mount, or already on the
    /// backing files, is kept but ignored, and a user the ACL denies gets in by the mode bits.
    /// Also asks for FUSE_CAP_DONT_MASK, so that a default ACL, not the umask, decides the mode of
    /// new nodes as on a local filesystem: the filesystem must then apply <see cref="FuseContext.Umask"/>
    /// itself where the parent directory has no default ACL (the overlay does).
    /// </summary>
    public bool PosixAcl { get; set; } = true;
    public bool ReadOnly { get; set; }
    /// <summary>Ask the kernel for FUSE passthrough (see <see cref="KernelBacking"/>); used only if it offers it.</summary>
    public bool Passthrough { get; set; }
    public bool Debug { get; set; }
    /// <summary>Further -o options passed to libfuse as they are.</summary>
    public List<string> ExtraOptions { get; } = [];

    public uint MaxThreads { get; set; } = 64;
    public uint MaxIdleThreads { get; set; } = 16;
    public bool CloneFd { get; set; }

    public FuseCapabilities Want { get; set; }
    public FuseCapabilities Unwant { get; set; }
    public uint MaxWrite { get; set; } = 1 << 20;
    public uint MaxReadahead { get; set; } = 1 << 20;
    public uint MaxBackground { get; set; }
    /// <summary>Raised on the mount's backing-device info after mounting; 0 leaves the kernel default.</summary>
    public uint ReadAheadKb { get; set; } = 1024;

    internal string[] ToArguments()
    {
        var opts = new List<string> { "fsname=" + Escape(FsName) };
        if (Subtype is not null) opts.Add("subtype=" + Escape(Subtype));
        if (AllowOther) opts.Add("allow_other");
        if (DefaultPermissions) opts.Add("default_permissions");
        if (ReadOnly) opts.Add("ro");
        opts.AddRange(ExtraOptions);
        var args = new List<string> { "tierfs", "-o", string.Join(',', opts) };
        if (Debug) args.Add("-d");
        return [.. args];
    }

    // libfuse splits -o on commas; a backslash escapes one.
    internal static string Escape(string value) => value.Replace("\\", "\\\\").Replace(",", "\\,");

    internal NativeOptions ToNative() => new()
    {
        WantCaps = (uint)(DefaultPermissions && PosixAcl ? Want | FuseCapabilities.PosixAcl | FuseCapabilities.DontMask : Want),
        UnwantCaps = (uint)Unwant,
        MaxWrite = MaxWrite,
        MaxReadahead = MaxReadahead,
        MaxBackground = MaxBackground,
        Passthrough = Passthrough ? 1u : 0u,
    };
}
