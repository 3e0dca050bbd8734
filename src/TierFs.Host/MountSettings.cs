using System.Globalization;

namespace TierFs.Host;

/// <summary>Everything `tierfs mount` was asked for, from its flags and its -o list.</summary>
public sealed class MountSettings
{
    public required string Backing { get; init; }
    public required string MountPoint { get; init; }
    public string? StateDir { get; set; }
    /// <summary>The YAML configuration (remote tier, pair); none: the embedded directory archive.</summary>
    public string? ConfigFile { get; set; }
    /// <summary>How often due remote deletions are carried out (seconds).</summary>
    public uint DeleteIntervalSeconds { get; set; } = 30;
    /// <summary>Null: <see cref="DefaultTimeout"/>.</summary>
    public double? AttrTimeout { get; set; }
    public double? EntryTimeout { get; set; }

    /// <summary>Cache lifetime when none is given: in place on a local disk nothing can change the
    /// tree behind the mount, so the kernel may cache for long; elsewhere (a separate mountpoint,
    /// whose backing tree others may change, or a cluster filesystem) for 1 s.</summary>
    public static double DefaultTimeout(bool inPlace, bool networkBacking) => inPlace && !networkBacking ? 60.0 : 1.0;
    public double NegativeTimeout { get; set; }
    public uint Threads { get; set; } = 64;
    /// <summary>Idle FUSE workers kept waiting (more: less thread start-up; fewer: fewer wake-ups).</summary>
    public uint IdleThreads { get; set; } = 4;
    public uint ReadAheadKb { get; set; } = 1024;
    /// <summary>Most inode descriptors the daemon keeps open (0: half its descriptor limit).</summary>
    public uint MaxInodeFds { get; set; }
    public bool KeepCache { get; set; } = true;
    /// <summary>Let the kernel serve read-only opens of local files itself (FUSE passthrough), where it offers it.</summary>
    public bool Passthrough { get; set; } = true;
    /// <summary>Pass close(2) to the backing file; null: only for network filesystems.</summary>
    public bool? FlushOnClose { get; set; }
    public bool ReadOnly { get; set; }
    /// <summary>Mount over a MOUNTPOINT that holds files (refused otherwise: they would be hidden).</summary>
    public bool NonEmpty { get; set; }
    public bool FuseDebug { get; set; }
    /// <summary>Enforce POSIX ACLs in the kernel (off: mode bits only, ACLs left to the backing tree).</summary>
    public bool PosixAcl { get; set; } = true;
    /// <summary>Run the tiering daemon's periodic scans and policies (off: only commands move files).</summary>
    public bool RunDaemon { get; set; } = true;
    /// <summary>-o log_level= (null: --log-level or its default, info).</summary>
    public TierFs.Common.LogLevel? LogLevel { get; set; }
    /// <summary>The log file is rotated at this size (0: never, e.g. when logrotate handles it).</summary>
    public long LogMaxBytes { get; set; } = TierFs.Common.Logging.RotatingFileSink.DefaultMaxBytes;
    /// <summary>Rotated log files kept (tierfs.log.1 ... tierfs.log.N).</summary>
    public int LogFiles { get; set; } = TierFs.Common.Logging.RotatingFileSink.DefaultKeep;
    /// <summary>Kernel mount flags passed through to libfuse (nosuid, nodev, noatime, ...).</summary>
    public List<string> KernelOptions { get; } = [];

    /// <summary>Mount even when the index holds records of another remote tier (their stubs fail with EIO).</summary>
    public bool AllowForeign { get; set; }
    /// <summary>The TierFs -o options given (by name), so that a west mount can refuse the east's own.</summary>
    public HashSet<string> AppliedOptions { get; } = [];

    /// <summary>The -o options that mean something to a west mount (`tierfs mount --remote`); `ro` it is anyway.</summary>
    public static readonly IReadOnlySet<string> WestOptions = new HashSet<string>
    {
        "attr_timeout", "entry_timeout", "threads", "idle_threads", "read_ahead_kb", "state_dir", "config", "log_level", "log_max_size", "log_files", "nonempty", "ro", "debug",
    };

    /// <summary>`tierfs mount --remote`: the west view of the pair's namespace (Backing is unused).</summary>
    public bool RemoteView { get; set; }
    /// <summary>With <see cref="RemoteView"/>: serve this generation only (`--generation N`); null follows the latest.</summary>
    public long? Generation { get; set; }

    public bool InPlace => Path.GetFullPath(Backing).TrimEnd('/') == Path.GetFullPath(MountPoint).TrimEnd('/');

    public string ResolvedStateDir => Path.GetFullPath(StateDir ?? Path.Combine("/var/lib/tierfs", MountName.For(MountPoint)));

    // Options libfuse passes to mount(2) as they are.
    private static readonly HashSet<string> KernelFlags =
    [
        "nosuid", "suid", "nodev", "dev", "noexec", "exec", "noatime", "atime", "nodiratime", "diratime",
        "relatime", "norelatime", "strictatime", "lazytime", "nolazytime", "sync", "async", "dirsync", "nosymfollow", "symfollow",
    ];

    // fstab and mount(8) words that mean nothing to the filesystem itself.
    private static readonly HashSet<string> Ignored =
        ["defaults", "rw", "auto", "noauto", "user", "nouser", "users", "_netdev", "nofail", "allow_other", "default_permissions"];

    /// <summary>One -o option: how it is written in help, what it means, and what it sets.</summary>
    private sealed record OptionSpec(string Name, string Usage, string Help, Action<MountSettings, string, string?> Apply);

    private static OptionSpec Flag(string name, string help, Action<MountSettings> apply) =>
        new(name, name, help, (s, key, value) =>
        {
            if (value is not null) throw new UsageException($"mount option {key} takes no value (got {key}={value})");
            apply(s);
        });

    private static OptionSpec Valued(string name, string placeholder, string help, Action<MountSettings, string, string?> apply) =>
        new(name, $"{name}={placeholder}", help, apply);

    // The one list of TierFs's own -o options: ApplyOptions reads it, and `tierfs mount --help` prints it.
    private static readonly OptionSpec[] Specs =
    [
        Valued("attr_timeout", "S", "seconds the kernel caches attributes (default 60 in place on a local disk, else 1)", (s, k, v) => s.AttrTimeout = Seconds(k, v)),
        Valued("entry_timeout", "S", "seconds the kernel caches names (default as attr_timeout)", (s, k, v) => s.EntryTimeout = Seconds(k, v)),
        Valued("negative_timeout", "S", "seconds the kernel caches a missing name (default 0)", (s, k, v) => s.NegativeTimeout = Seconds(k, v)),
        Valued("threads", "N", "most FUSE worker threads (default 64)", (s, k, v) => s.Threads = Count(k, v, 1, 1024)),
        Valued("idle_threads", "N", "idle workers kept waiting (default 4)", (s, k, v) => s.IdleThreads = Count(k, v, 1, 1024)),
        Valued("read_ahead_kb", "N", "kernel read-ahead of the mount in KiB (default 1024)", (s, k, v) => s.ReadAheadKb = Count(k, v, 0, 1 << 20)),
        Valued("max_inode_fds", "N", "inode descriptors kept open (default half the descriptor limit)", (s, k, v) => s.MaxInodeFds = Count(k, v, 16, 1 << 24)),
        Valued("state_dir", "DIR", "TierFs's own state (default /var/lib/tierfs/NAME)", (s, k, v) => s.StateDir = Required(k, v)),
        Valued("config", "FILE", "the YAML configuration (same as --config)", (s, k, v) => s.ConfigFile = Path.GetFullPath(Required(k, v))),
        Valued("delete_interval", "S", "how often due remote deletions are carried out (default 30)", (s, k, v) => s.DeleteIntervalSeconds = Count(k, v, 1, 86400)),
        Flag("keep_cache", "keep the page cache across opens (the default)", s => s.KeepCache = true),
        Flag("no_keep_cache", "drop the page cache at each open", s => s.KeepCache = false),
        Flag("passthrough", "the kernel reads local files opened read-only itself, where it can (the default)", s => s.Passthrough = true),
        Flag("no_passthrough", "every read goes through the daemon", s => s.Passthrough = false),
        Flag("flush", "pass close(2) to the backing file (default: on network filesystems only)", s => s.FlushOnClose = true),
        Flag("noflush", "never pass close(2) to the backing file", s => s.FlushOnClose = false),
        Flag("acl", "enforce POSIX ACLs in the kernel (the default)", s => s.PosixAcl = true),
        Flag("noacl", "mode bits only", s => s.PosixAcl = false),
        Flag("nodaemon", "no periodic scans and policies (same as --no-daemon)", s => s.RunDaemon = false),
        Flag("allow_foreign", "mount even though the index holds tiered files of another remote tier (their stubs fail with EIO)", s => s.AllowForeign = true),
        Valued("log_level", "L", "debug, info, warn or error (same as --log-level)",
            (s, k, v) => s.LogLevel = TierFs.Common.Log.ParseLevel(Required(k, v)) ?? throw new UsageException($"mount option {k}={v}: expected debug, info, warn or error")),
        Valued("log_max_size", "SIZE", "rotate the log at this size (default 64M; 0: never, leave it to logrotate)", (s, k, v) => s.LogMaxBytes = Bytes(k, v)),
        Valued("log_files", "N", "rotated log files kept (default 5)", (s, k, v) => s.LogFiles = (int)Count(k, v, 1, 100)),
        Flag("nonempty", "mount over a non-empty MOUNTPOINT (its files are hidden while mounted)", s => s.NonEmpty = true),
        Flag("ro", "read-only: users cannot change files; archive, release, migrate and policies are refused (stubs still recall on open)", s => s.ReadOnly = true),
        Flag("debug", "libfuse's request trace on stderr (with -f)", s => s.FuseDebug = true),
    ];

    /// <summary>Every TierFs -o option as written in help ("attr_timeout=S", "ro").</summary>
    public static IEnumerable<string> OptionUsages => Specs.Select(o => o.Usage);

    /// <summary>The -o options for `tierfs mount --help`: one "name=VALUE: meaning" per TierFs option, then the kernel's.</summary>
    public static string OptionsHelp =>
        string.Join("; ", Specs.Select(o => $"{o.Usage}: {o.Help}")) +
        $"; and the kernel's mount flags, passed through: {string.Join(", ", KernelFlags)} (default nosuid,nodev). " +
        "fstab words (defaults, rw, auto, noauto, _netdev, nofail, user, x-*, comment=) are accepted and ignored.";

    /// <summary>Applies a comma-separated -o list; throws <see cref="UsageException"/> naming a bad option.</summary>
    public void ApplyOptions(string list)
    {
        foreach (var raw in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = raw.IndexOf('=');
            var key = eq < 0 ? raw : raw[..eq];
            var value = eq < 0 ? null : raw[(eq + 1)..];
            if (Array.Find(Specs, o => o.Name == key) is { } spec)
            {
                spec.Apply(this, key, value);
                AppliedOptions.Add(key);
            }
            else if (KernelFlags.Contains(key) && value is null) KernelOptions.Add(key);
            else if (Ignored.Contains(key) || key.StartsWith("x-", StringComparison.Ordinal) || key == "comment") { }
            else throw new UsageException($"unknown mount option '{raw}' (see tierfs mount --help)");
        }
    }

    private static string Required(string key, string? value) =>
        string.IsNullOrEmpty(value) ? throw new UsageException($"mount option {key} needs a value ({key}=...)") : value;

    private static double Seconds(string key, string? value)
    {
        if (!double.TryParse(Required(key, value), NumberStyles.Float, CultureInfo.InvariantCulture, out var s) || s < 0 || double.IsInfinity(s) || double.IsNaN(s))
            throw new UsageException($"mount option {key}={value}: expected seconds >= 0");
        return s;
    }

    // A size like 64M (binary units, as in the config) or a plain number of bytes.
    private static long Bytes(string key, string? value)
    {
        var text = Required(key, value);
        var unit = text[^1] switch { 'k' or 'K' => 1L << 10, 'm' or 'M' => 1L << 20, 'g' or 'G' => 1L << 30, _ => 1L };
        var digits = unit == 1 ? text : text[..^1];
        if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n > (1L << 40) / unit)
            throw new UsageException($"mount option {key}={value}: expected a size like 64M (0: never rotate)");
        return n * unit;
    }

    private static uint Count(string key, string? value, uint min, uint max)
    {
        if (!uint.TryParse(Required(key, value), NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < min || n > max)
            throw new UsageException($"mount option {key}={value}: expected a whole number from {min} to {max}");
        return n;
    }
}

/// <summary>Bad input from the user: one clear line, exit status 2.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>A command that cannot be carried out: one clear line, exit status 1.</summary>
public sealed class CommandException(string message) : Exception(message);
