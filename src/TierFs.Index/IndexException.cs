namespace TierFs.Index;

/// <summary>The index file cannot be used (not SQLite, corrupt, another program's, too new); the message names the file.</summary>
public sealed class IndexException(string message, Exception? inner = null) : Exception(message, inner);
