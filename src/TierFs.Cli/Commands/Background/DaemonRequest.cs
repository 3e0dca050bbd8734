using TierFs.Cli.Commands.Tier;
using TierFs.Host;
using TierFs.Tiering.Control;

namespace TierFs.Cli.Commands.Background;

/// <summary>Sends one daemon request (scan, policy list|run, status) to the mount holding a path, and hands each reply to a callback.</summary>
public static class DaemonRequest
{
    /// <summary>Returns the exit status: 0, or 1 when the daemon reported failures or an error (printed).</summary>
    public static async Task<int> RunAsync(string mountPath, ControlRequest request, Action<ControlMessage> onReply, CancellationToken ct)
    {
        var resolved = new TierPathResolver().Resolve(mountPath);
        if (resolved.Error is not null) throw new CommandException($"{mountPath}: {resolved.Error}");
        var mountPoint = resolved.MountPoint!;
        var failed = 0;
        try
        {
            await using var client = await ControlClient.ConnectAsync(RuntimeFiles.SocketPath(mountPoint), mountPoint, null, ct);
            await foreach (var message in client.RunAsync(request, ct))
            {
                switch (message)
                {
                    case ResultMessage { Result: { Ok: false } r }:
                        failed++;
                        Console.Error.WriteLine($"tierfs: {(r.Path.Length > 0 ? r.Path + ": " : "")}{r.Error}");
                        break;
                    case ErrorMessage m:
                        failed++;
                        Console.Error.WriteLine($"tierfs: {mountPoint}: {m.Message}");
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
            Console.Error.WriteLine("tierfs: interrupted");
            return 130;
        }
        return failed > 0 ? 1 : 0;
    }
}
