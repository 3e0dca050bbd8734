using TierFs.Posix;

namespace TierFs.Host;

/// <summary>
/// A mount daemon started with umask 0 (by a shell or a job that had it) would hand it to what it
/// starts (an AWS credential_process writing its token cache): it takes the usual 022 instead. The
/// calls that make files for users set their own umask (see <see cref="ThreadCredentials.Creating"/>),
/// and the daemon's own files have explicit modes, so nothing else changes.
/// </summary>
internal static class StartingUmask
{
    private const uint Usual = 0x12; // 022

    public static void NotZero()
    {
        var was = Libc.Umask(Usual);
        if (was != 0) Libc.Umask(was);
    }
}
