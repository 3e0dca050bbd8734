namespace TierFs.Tiering.Control;

/// <summary>The control socket failed: no daemon, a malformed line, a broken connection. One clear sentence.</summary>
public sealed class ControlException(string message, Exception? inner = null) : Exception(message, inner);
