using TierFs.Namespace;
using TierFs.Namespace.Import;
using TierFs.Remote;
using TierFs.Tiering.Config;

namespace TierFs.Host;

/// <summary>
/// `tierfs import`: loads a generation of the pair's namespace from the configuration's remote tier
/// and rebuilds the tree of stubs in the target (see <see cref="TreeImporter"/>). Bad input (the
/// configuration, a missing generation, a non-empty target) is a <see cref="UsageException"/> or a
/// <see cref="ConfigException"/>; a remote that fails, or a namespace that does not decode, a <see cref="CommandException"/>.
/// </summary>
public static class ImportRunner
{
    public static async Task<ImportSummary> RunAsync(string configFile, string target, long? generation, ImportOptions options,
        Action<string> info, CancellationToken ct)
    {
        var config = ConfigLoader.Load(configFile);
        if (config.Pair is not { } pair) throw new ConfigException($"{configFile}: no pair: is configured; import reads the pair's namespace");
        if (config.Remote is { Type: RemoteType.Directory, Path: null })
            throw new ConfigException($"{configFile}: remote: names no remote tier (the embedded default lives in a mount's state directory); give remote.path or an S3 bucket");
        if (!Directory.Exists(target)) throw new UsageException($"{target}: no such directory (create an empty one to import into)");
        await using var remote = RemoteFromConfig.Create(config.Remote, Path.GetTempPath(), configFile);
        var reader = new NamespaceReader(remote, pair.Name);
        NamespaceTree? tree;
        try
        {
            tree = await reader.LoadAsync(generation, ct).ConfigureAwait(false);
        }
        catch (NamespaceNotFoundException e) { throw new UsageException(e.Message); }
        catch (NamespaceFormatException e) { throw new CommandException($"the namespace of the pair '{pair.Name}' in {remote.Description} cannot be read: {e.Message}"); }
        catch (RemoteException e) { throw new CommandException($"remote tier: {e.Message}"); }
        if (tree is null) throw new UsageException($"the pair '{pair.Name}' has no namespace in {remote.Description} (was `tierfs sync` ever run on its master side?)");
        info($"importing generation {tree.Generation} of the pair '{pair.Name}' ({tree.Count} entries) into {target}");
        try
        {
            return new TreeImporter(tree, options).Run(target);
        }
        catch (ImportRefusedException e) { throw new UsageException(e.Message); }
    }
}
