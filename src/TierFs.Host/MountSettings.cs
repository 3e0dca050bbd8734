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
    /// <summary>Pass close(2) to the backing file; null: only for network filesystems.</summary>
    public bool? FlushOnClose { get; set; }
    public bool ReadOnly { get; set; }
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

    /// <summary>Applies a comma-separated -o list; throws <see cref="UsageException"/> naming a bad option.</summary>
    public void ApplyOptions(string list)
    {
        foreach (var raw in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = raw.IndexOf('=');
            var key = eq < 0 ? raw : raw[..eq];
            var value = eq < 0 ? null : raw[(eq + 1)..];
            switch (key)
            {
                case "attr_timeout": AttrTimeout = Seconds(key, value); break;
                case "entry_timeout": EntryTimeout = Seconds(key, value); break;
                case "negative_timeout": NegativeTimeout = Seconds(key, value); break;
                case "threads": Threads = Count(key, value, 1, 1024); break;
                case "idle_threads": IdleThreads = Count(key, value, 1, 1024); break;
                case "read_ahead_kb": ReadAheadKb = Count(key, value, 0, 1 << 20); break;
                case "max_inode_fds": MaxInodeFds = Count(key, value, 16, 1 << 24); break;
                case "state_dir": StateDir = Required(key, value); break;
                case "config": ConfigFile = Path.GetFullPath(Required(key, value)); break;
                case "delete_interval": DeleteIntervalSeconds = Count(key, value, 1, 86400); break;
                case "keep_cache": KeepCache = true; break;
                case "no_keep_cache": KeepCache = false; break;
                case "flush": FlushOnClose = true; break;
                case "noflush": FlushOnClose = false; break;
                case "ro": ReadOnly = true; break;
                case "debug": FuseDebug = true; break;
                case "acl": PosixAcl = true; break;
                case "noacl": PosixAcl = false; break;
                case "nodaemon": RunDaemon = false; break;
                case "allow_foreign": AllowForeign = true; break;
                case "log_level":
                    LogLevel = TierFs.Common.Log.ParseLevel(Required(key, value)) ?? throw new UsageException($"mount option {raw}: expected debug, info, warn or error");
                    break;
                case "log_max_size": LogMaxBytes = Bytes(key, value); break;
                case "log_files": LogFiles = (int)Count(key, value, 1, 100); break;
                default:
                    if (KernelFlags.Contains(key) && value is null) KernelOptions.Add(key);
                    else if (Ignored.Contains(key) || key.StartsWith("x-", StringComparison.Ordinal) || key == "comment") { }
                    else throw new UsageException($"unknown mount option '{raw}' (see tierfs mount --help)");
                    break;
            }
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
