using System.Net;

namespace TierFs.Tiering.Config;

/// <summary>The `node:` and `peer:` sections: the two management nodes of a pair and the link between them.</summary>
internal static class PeerReader
{
    public static NodeConfig ReadNode(YamlSection top)
    {
        var s = top.Section("node");
        if (s is null) return new NodeConfig();
        var defaults = new NodeConfig();
        var node = new NodeConfig
        {
            Name = s.String("name") ?? defaults.Name,
            Listen = s.String("listen"),
            TlsCertificate = s.String("tls_certificate"),
            TlsKey = s.String("tls_key"),
        };
        s.RejectUnknown();
        if (node.Name.Length == 0 || node.Name.Length > 64 || node.Name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
            throw s.Error("name", $"expected 1 to 64 letters, digits, '-', '_' or '.', got '{node.Name}'");
        if (node.Listen is not null && !IPEndPoint.TryParse(node.Listen, out var ep) | ep is { Port: 0 })
            throw s.Error("listen", $"expected ADDRESS:PORT such as 0.0.0.0:7401, got '{node.Listen}'");
        if ((node.TlsCertificate is null) != (node.TlsKey is null))
            throw s.Error(node.TlsCertificate is null ? "tls_key" : "tls_certificate", "goes with tls_certificate and tls_key together");
        foreach (var (key, file) in new[] { ("tls_certificate", node.TlsCertificate), ("tls_key", node.TlsKey) })
            if (file is not null && !File.Exists(file)) throw s.Error(key, $"{file} does not exist");
        if (node.TlsKey is not null && RootOnly(node.TlsKey) is { } problem) throw s.Error("tls_key", problem);
        return node;
    }

    public static PeerConfig? ReadPeer(YamlSection top)
    {
        var s = top.Section("peer");
        if (s is null) return null;
        var url = s.RequiredString("url");
        var secretFile = s.RequiredString("secret_file");
        var caFile = s.String("ca_file");
        s.RejectUnknown();
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.UserInfo.Length > 0)
            throw s.Error("url", $"expected http(s)://HOST:PORT of the other node (no credentials in it), got '{(uri?.UserInfo.Length > 0 ? "(a URL with credentials)" : url)}'");
        if (caFile is not null && !File.Exists(caFile)) throw s.Error("ca_file", $"{caFile} does not exist");
        if (!File.Exists(secretFile)) throw s.Error("secret_file", $"{secretFile} does not exist (put the shared secret there, root-only: chmod 600)");
        if (RootOnly(secretFile) is { } problem) throw s.Error("secret_file", problem);
        byte[] secret;
        try { secret = System.Text.Encoding.UTF8.GetBytes(File.ReadAllText(secretFile).Trim()); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw s.Error("secret_file", $"cannot read {secretFile}: {e.Message}"); }
        if (secret.Length < 16) throw s.Error("secret_file", $"{secretFile} holds {secret.Length} bytes: a shared secret needs 16 or more (e.g. openssl rand -hex 32)");
        return new PeerConfig { Url = uri, Secret = secret, SecretFile = secretFile, CaFile = caFile };
    }

    /// <summary>Why a secret's file is not root's alone, or null: a secret others can read is no secret.</summary>
    private static unsafe string? RootOnly(string file)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(file + "\0");
        TierFs.Posix.StatX st;
        fixed (byte* p = bytes)
            if (TierFs.Posix.Libc.Statx(TierFs.Posix.Libc.AT_FDCWD, p, TierFs.Posix.Libc.AT_SYMLINK_NOFOLLOW, TierFs.Posix.StatX.BasicStats, &st) != 0)
                return $"cannot stat {file}";
        if ((st.Mode & TierFs.Posix.Libc.S_IFMT) != TierFs.Posix.Libc.S_IFREG) return $"{file} is not a regular file (a symlink is not followed)";
        if (st.Uid != 0) return $"{file} is owned by uid {st.Uid}, not root";
        if ((st.Mode & 0x3F) != 0) return $"{file} may be read or written by others (mode {Convert.ToString(st.Mode & 0xFFF, 8)}): chmod 600 it";
        return null;
    }
}
