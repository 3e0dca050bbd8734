using System.Text.Json;
using TierFs.Cli.Commands.Tier;
using TierFs.Host;
using TierFs.Tiering.Control;

namespace TierFs.Cli.Commands.Background;

/// <summary>
/// Sends one request of the mount as a whole (scan, policy list|run, status, reload) to the mount
/// holding a path, and hands each reply to a callback. Files the request works on (a policy run's)
/// report through <paramref name="view"/>: progress, and each failure as "tierfs: PATH: why".
/// </summary>
public static class DaemonRequest
{
    /// <summary>
    /// Returns the exit status: 0; 1 when the mount reported failures or an error (printed); 2 when
    /// it refused the request as bad input. A path that is not on a TierFs mount is bad input.
    /// </summary>
    public static async Task<int> RunAsync(string mountPath, ControlRequest request, Action<ControlMessage> onReply, CancellationToken ct, ProgressView? view = null)
    {
        var mountPoint = MountOf(mountPath);
        view ??= new ProgressView(Console.Out, Console.Error);
        var failed = 0;
        var refused = 0;
        try
        {
            await using var client = await ControlClient.ConnectAsync(RuntimeFiles.SocketPath(mountPoint), mountPoint, null, ct);
            await foreach (var message in client.RunAsync(request, ct))
            {
                switch (message)
                {
                    case ProgressMessage m:
                        view.Progress(m.Path, Absolute(mountPoint, m.Path), m.Done, m.Total);
                        break;
                    case ResultMessage { Result: var r }:
                        view.FileDone(r.Path, r.Ok);
                        if (!r.Ok)
                        {
                            failed++;
                            view.Error($"tierfs: {(r.Path.Length > 0 ? Absolute(mountPoint, r.Path) + ": " : "")}{r.Error}");
                        }
                        onReply(message);
                        break;
                    case DataMessage { Kind: "refused" } m:
                        using (var doc = JsonDocument.Parse(m.Json))
                        {
                            var d = doc.RootElement;
                            refused = Math.Max(refused, d.GetProperty("badInput").GetBoolean() ? 2 : 1);
                            view.Error($"tierfs: {d.GetProperty("message").GetString()}");
                        }
                        break;
                    case ErrorMessage m:
                        failed++;
                        view.Error($"tierfs: {mountPoint}: {m.Message}");
                        break;
                    default:
                        onReply(message);
                        break;
                }
            }
        }
        catch (ControlException e)
        {
            throw new CommandException(e.Message);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            view.Error("tierfs: interrupted");
            return 130;
        }
        finally
        {
            await view.StopAsync();
        }
        return refused > 0 ? refused : failed > 0 ? 1 : 0;
    }

    /// <summary>The TierFs mountpoint holding <paramref name="path"/> (any path on the mount); bad input otherwise.</summary>
    public static string MountOf(string path)
    {
        var resolved = new TierPathResolver().Resolve(path);
        if (resolved.Error is not null) throw new UsageException($"{path}: {resolved.Error}");
        return resolved.MountPoint!;
    }

    /// <summary>A path the mount reports (relative to its root) as the user reaches it.</summary>
    public static string Absolute(string mountPoint, string relative) =>
        relative.Length == 0 || relative == "." ? mountPoint : mountPoint.TrimEnd('/') + "/" + relative;
}
