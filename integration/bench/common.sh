# Shared by the benchmark scripts (sourced, not run): messages, the wait for a quiet machine,
# a private copy of the build under test, and watching mounts and processes go away.

die() { echo "$(basename "$0"): $*" >&2; exit 1; }
log() { echo "[$(date +%T)] $*" >&2; }

# Other work on this machine (builds, test runs) skews the numbers: waits up to QUIET_WAIT
# seconds for the 1-minute load average to fall below 1.
wait_for_quiet() {
    local i load
    for ((i = 0; i < QUIET_WAIT; i += 5)); do
        load=$(awk '{print $1}' /proc/loadavg)
        awk -v l="$load" 'BEGIN {exit !(l < 1.0)}' && return 0
        ((i == 0)) && log "load average $load: waiting up to ${QUIET_WAIT}s for the machine to quieten"
        sleep 5
    done
}

# Runs a private copy of the build in DIR (sets TIERFS and TIERFS_BUILT): a rebuild in the tree
# during the run must not change what is measured.
private_copy_of_build() { # DIR
    TIERFS_BUILT=$(date -u -r "$TIERFS.dll" +'%Y-%m-%d %H:%M UTC' 2>/dev/null || date -u -r "$TIERFS" +'%Y-%m-%d %H:%M UTC')
    cp -a "$(dirname "$TIERFS")" "$1"
    TIERFS=$1/$(basename "$TIERFS")
}

# From the mount table, not stat(2): a mount whose daemon died fails every stat.
is_mounted() { findmnt -n --mountpoint "$1" >/dev/null 2>&1; }

wait_gone() { # PID SECONDS
    local i
    for ((i = 0; i < $2 * 10; i++)); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
    return 1
}
