namespace TierFs.Namespace;

/// <summary>A published namespace object that does not decode: refused whole, never guessed at.</summary>
public sealed class NamespaceFormatException(string message) : Exception(message);
