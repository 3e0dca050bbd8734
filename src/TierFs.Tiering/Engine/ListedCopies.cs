using TierFs.Remote;

namespace TierFs.Tiering.Engine;

/// <summary>
/// The data objects of one listing of the remote tier, by key: where a whole-mount `tierfs verify
/// --level object` takes each object's size and ETag from (one LIST request answers for up to 1,000
/// objects, a HEAD for one). A file's check waits for the whole listing: the listing is not in the
/// files' order.
/// </summary>
public sealed class ListedCopies
{
    private readonly Task<Dictionary<string, RemoteObjectInfo>> _byKey;

    /// <param name="listing">The listing under way (objects and part manifests, as <see cref="IRemoteStore.ListWithManifestsAsync"/> gives them).</param>
    public ListedCopies(Task<List<ListedObject>> listing) => _byKey = ByKeyAsync(listing);

    /// <summary>
    /// The object as the listing shows it; null when the listing holds no such object or could not be
    /// made (its failure is the orphan check's to report): the caller asks the store itself then.
    /// </summary>
    public async Task<RemoteObjectInfo?> FindAsync(string key, CancellationToken ct)
    {
        try
        {
            return (await _byKey.WaitAsync(ct).ConfigureAwait(false)).GetValueOrDefault(key);
        }
        catch (Exception e) when (e is RemoteException or IOException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            return null;
        }
    }

    private static async Task<Dictionary<string, RemoteObjectInfo>> ByKeyAsync(Task<List<ListedObject>> listing)
    {
        var byKey = new Dictionary<string, RemoteObjectInfo>(StringComparer.Ordinal);
        foreach (var o in await listing.ConfigureAwait(false))
            if (!o.Manifest) byKey[o.Info.Key] = o.Info;
        return byKey;
    }
}
