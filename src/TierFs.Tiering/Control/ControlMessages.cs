namespace TierFs.Tiering.Control;

/// <summary>One line the mount process sends back on the control socket.</summary>
public abstract record ControlMessage;

/// <summary>The request covers this many regular files and bytes (sent once, if the engine knows it).</summary>
public sealed record PlanMessage(int Files, long Bytes) : ControlMessage;

/// <summary>A transfer moved on: <paramref name="Done"/> of <paramref name="Total"/> bytes of one file.</summary>
public sealed record ProgressMessage(string Path, long Done, long Total) : ControlMessage;

/// <summary>One file is finished, successfully or not.</summary>
public sealed record ResultMessage(FileResult Result) : ControlMessage;

/// <summary>A daemon operation's report (scan progress, a plan, the status): one JSON object of a named kind.</summary>
public sealed record DataMessage(string Kind, string Json) : ControlMessage;

/// <summary>The last line of a request that ran to its end.</summary>
public sealed record EndMessage(int Failed) : ControlMessage;

/// <summary>The request could not be run at all (malformed, or the mount is going away); the last line.</summary>
public sealed record ErrorMessage(string Message) : ControlMessage;
