namespace TierFs.Remote;

/// <summary>
/// One entry of <see cref="IRemoteStore.ListWithManifestsAsync"/>: an object (as a plain listing gives
/// it), or, with <see cref="Manifest"/>, the part manifest of the object <see cref="Info"/> names by
/// its key (the manifest's own length and time).
/// </summary>
public sealed record ListedObject(RemoteObjectInfo Info, bool Manifest);
