namespace TierFs.Tiering.Config;

/// <summary>A bad configuration: the message names the file, the key and the line.</summary>
public sealed class ConfigException(string message) : Exception(message);
