# Shared by the benchmark scripts (sourced, not run): messages, the wait for a quiet machine,
# a private copy of the build under test, and watching mounts and processes go away.

# The defaults every script shares (a script may set its own before sourcing this; HERE is its directory).
REPO=${REPO:-$(cd "$HERE/../.." && pwd)}
TIERFS=${TIERFS:-$REPO/src/TierFs.Cli/bin/Release/net10.0/tierfs}
S3RVER=${S3RVER:-$REPO/integration/node_modules/.bin/s3rver}
BENCH_DIR=${BENCH_DIR:-/var/tmp}
REPS=${REPS:-5}
QUIET_WAIT=${QUIET_WAIT:-30}
RESULTS=${RESULTS:-$HERE/results}

die() { echo "$(basename "$0"): $*" >&2; exit 1; }
log() { echo "[$(date +%T)] $*" >&2; }

# Other work on this machine (builds, test runs) skews the numbers: waits up to QUIET_WAIT
# seconds for the 1-minute load average to fall below QUIET_LOAD (default 1) and the CPUs to be
# idle for a moment (QUIET_BUSY percent busy at most over 2 s, default 15). Says so when it gives up:
# the numbers are then measured under load, and the load printed with them says how much.
wait_for_quiet() {
    local i load busy
    for ((i = 0; i <= QUIET_WAIT; i += 5)); do
        load=$(load1)
        busy=$(busy_pct 2)
        if awk -v l="$load" -v q="${QUIET_LOAD:-1}" -v b="$busy" -v m="${QUIET_BUSY:-15}" 'BEGIN {exit !(l < q && b <= m)}'; then
            return 0
        fi
        ((i == 0)) && log "load average $load, CPUs ${busy}% busy: waiting up to ${QUIET_WAIT}s for the machine to quieten"
        ((i < QUIET_WAIT)) && sleep 3
    done
    log "still busy after ${QUIET_WAIT}s (load $load, ${busy}% busy): measuring anyway"
}

load1() { cut -d' ' -f1 /proc/loadavg; }

# The median of the values given ("-" when none), for the tables.
median() { printf '%s\n' "$@" | sort -g | awk 'NF {a[++n] = $1} END {if (!n) print "-"; else if (n % 2) print a[(n + 1) / 2]; else print (a[n / 2] + a[n / 2 + 1]) / 2}'; }

# `perf record -g` of process PID into FILE (perf's messages into ERRFILE), in the background;
# sets PERF_PID once perf has attached. The caller stops it with SIGINT and waits for it.
perf_record_process() { # PID FILE ERRFILE
    perf record -q -g -F 999 -p "$1" -o "$2" 2>"$3" &
    PERF_PID=$!
    sleep 1 # perf attaches to every thread first
}

# All CPUs' busy time so far, in clock ticks (user, nice, system, irq, softirq, steal).
busy_ticks() { awk '/^cpu / {printf "%d", $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }
# Percent of all CPUs busy over the next SECONDS.
busy_pct() {
    local b0 b1 t0 t1
    read -r b0 t0 < <(awk '/^cpu / {b = $2 + $3 + $4 + $7 + $8 + $9; printf "%d %d\n", b, b + $5 + $6}' /proc/stat)
    sleep "$1"
    read -r b1 t1 < <(awk '/^cpu / {b = $2 + $3 + $4 + $7 + $8 + $9; printf "%d %d\n", b, b + $5 + $6}' /proc/stat)
    awk -v b=$((b1 - b0)) -v t=$((t1 - t0)) 'BEGIN {printf "%.0f", (t > 0 ? 100 * b / t : 0)}'
}
# A process's CPU time so far (user + system), in clock ticks; 0 once it is gone.
proc_cpu() { awk '{printf "%d", $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
TICK=$(getconf CLK_TCK)

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

# Starts the test S3 server (sets S3RVER_PID) on 127.0.0.1:PORT with BUCKET, storing in DIR, and
# waits until it listens. s3rver 3.7 makes ListObjectsV2 continuation tokens with DES, which
# Node.js on OpenSSL 3 has only in its legacy provider: without it a truncated listing (the mount's
# remote check, MaxKeys=1) answers 500.
# Nices the session (autogroup) of PID as a whole: the kernel shares the CPU between sessions first,
# and a nice value acts only within its session. PID must have a session of its own.
nice_session() { # PID NICE WHAT
    [[ $(cut -d' ' -f1 "/proc/$1/autogroup") != $(cut -d' ' -f1 /proc/self/autogroup) ]] || die "$3 shares this script's session"
    echo "$2" >"/proc/$1/autogroup"
}

start_s3rver() { # DIR PORT BUCKET OUTFILE
    local i
    export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1
    if (($(node -p 'process.versions.openssl.split(".")[0]' 2>/dev/null || echo 0) >= 3)) && [[ ${NODE_OPTIONS:-} != *--openssl-legacy-provider* ]]; then
        export NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }--openssl-legacy-provider"
    fi
    # S3RVER_LOG=1: s3rver logs each request (one line each, to count them; costs s3rver CPU).
    local quiet=--silent
    [[ ${S3RVER_LOG:-0} == 1 ]] && quiet=
    # S3RVER_NICE=N: s3rver runs at nice N (a benchmark whose target is about the host's CPU lets
    # the server, which stands for one on other machines, yield the CPU to the host's own work).
    # The kernel shares the CPU between sessions first (autogroups, Debian's default), and a nice
    # value acts only within its session: so s3rver gets a session of its own, niced as a whole.
    if [[ ${S3RVER_NICE:-0} != 0 ]]; then
        setsid nice -n "$S3RVER_NICE" "$S3RVER" -d "$1" -p "$2" -a 127.0.0.1 --configure-bucket "$3" $quiet >"$4" 2>&1 &
        S3RVER_PID=$!
    else
        "$S3RVER" -d "$1" -p "$2" -a 127.0.0.1 --configure-bucket "$3" $quiet >"$4" 2>&1 &
        S3RVER_PID=$!
    fi
    for ((i = 0; i < 100; i++)); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null; then
            # Listening, so its own session exists: nice that session's share of the CPU.
            if [[ ${S3RVER_NICE:-0} != 0 && -w /proc/$S3RVER_PID/autogroup ]]; then
                nice_session "$S3RVER_PID" "$S3RVER_NICE" s3rver
            fi
            return 0
        fi
        kill -0 "$S3RVER_PID" 2>/dev/null || die "s3rver exited: $(tail -5 "$4")"
        sleep 0.1
    done
    die "s3rver does not listen on $2"
}

# What every mounting benchmark needs: root, s3rver, a build, a disk-backed BENCH_DIR (sets fstype), a free PORT (sets it).
require_mount_bench() {
    [[ $(id -u) == 0 ]] || die "run as root (FUSE mount)"
    [[ -x $S3RVER ]] || die "$S3RVER is missing: cd $REPO/integration && npm ci"
    [[ -x $TIERFS ]] || die "$TIERFS is missing: build first (cd $REPO && dotnet build TierFs.sln -c Release)"
    fstype=$(findmnt -n -o FSTYPE --target "$BENCH_DIR") || die "cannot find the filesystem of $BENCH_DIR"
    [[ $fstype != tmpfs && $fstype != ramfs ]] || die "$BENCH_DIR is $fstype: set BENCH_DIR to a disk-backed directory"
    if [[ -z ${PORT:-} ]]; then
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            PORT=$((20000 + RANDOM % 20000))
            ss -Hltn "sport = :$PORT" | grep -q . || break
        done
    fi
}

stop_s3rver() { # the one start_s3rver started
    if [[ -n ${S3RVER_PID:-} ]]; then
        kill "$S3RVER_PID" 2>/dev/null || true
        wait_gone "$S3RVER_PID" 10 || kill -9 "$S3RVER_PID" 2>/dev/null || true
        S3RVER_PID=
    fi
}

bytes_of() { # 16M -> bytes (K/M/G binary)
    local v=${1^^}
    case $v in
        *K) echo $((${v%K} * 1024)) ;; *M) echo $((${v%M} * 1048576)) ;; *G) echo $((${v%G} * 1073741824)) ;;
        *) echo "$v" ;;
    esac
}

# Builds the peer (integration/bench/tierbench) into DIR/tierbench against the private copy of the
# build (TierFs.Remote as built assemblies: nothing under src/ is rebuilt); tb runs it.
build_tierbench() { # DIR
    log "building the peer (tierbench) against the copied TierFs build"
    # No build server left behind: -nodeReuse:false and no shared compilation.
    dotnet build "$HERE/tierbench/tierbench.csproj" -c Release -o "$1/tierbench" -nologo -v:q \
        -nodeReuse:false -p:UseSharedCompilation=false -p:TierFsBin="$(dirname "$TIERFS")/" >"$1/build.out" 2>&1 ||
        die "cannot build tierbench: $(grep -E 'error' "$1/build.out" | head -5)"
    TIERBENCH=$1/tierbench/tierbench
}
# The daemon is a long-running process: its hot paths are JIT-compiled and optimised long before a
# transfer. The peer is a fresh process per run; without tiered compilation its code is compiled
# fully optimised on first use (in its untimed warm-up) instead of being re-compiled in the middle
# of the timed transfer, which would cost it ~0.5-0.9 s of CPU on a 2-CPU host.
# (Only for the peer: the tierfs daemon and CLI run with their own defaults.)
tb() { DOTNET_TieredCompilation=0 "$TIERBENCH" "$@"; }

# Mounts BACK at MNT (its config CFG, state in STATE, output appended to OUTFILE) and sets
# TIERFS_PID to its daemon's pid, from the runtime file the daemon writes.
mount_tierfs_at() { # CFG BACK MNT STATE OUTFILE
    local f
    # MOUNT_OPTS: -o options of the mount (threads=N,idle_threads=N, ...), for a run that compares them.
    "$TIERFS" mount --config "$1" "$2" "$3" --state-dir "$4" ${MOUNT_OPTS:+-o "$MOUNT_OPTS"} >>"$5" 2>&1 || die "tierfs mount failed: $(tail -5 "$5")"
    TIERFS_PID=
    for f in "${TIERFS_RUN_DIR:-/run/tierfs}"/*.json; do
        [[ -f $f ]] && grep -q "\"MountPoint\":\"$3\"" "$f" && TIERFS_PID=$(sed -n 's/.*"Pid":\([0-9]*\).*/\1/p' "$f")
    done
    [[ -n $TIERFS_PID ]] || die "cannot find the tierfs daemon's pid in /run/tierfs"
}

# For a cleanup: unmounts MNT, waits for its daemon (TIERFS_PID; killed if it outlives the unmount),
# stops s3rver (S3RVER_PID).
stop_mount_and_s3rver() { # MNT
    if is_mounted "$1"; then "$TIERFS" umount "$1" >/dev/null 2>&1 || umount -l "$1"; fi
    [[ -n $TIERFS_PID ]] && { wait_gone "$TIERFS_PID" 20 || kill -9 "$TIERFS_PID" 2>/dev/null; }
    stop_s3rver
    return 0
}

# For a cleanup: deletes DIR unless one of the MOUNTPOINTs is still mounted (then says so: a
# mount's tree is never deleted through it).
remove_unless_mounted() { # DIR MOUNTPOINT...
    local dir=$1 m
    shift
    for m in "$@"; do
        if is_mounted "$m"; then
            echo "$(basename "$0"): $m is still mounted; NOT deleting $dir" >&2
            return 0
        fi
    done
    rm -rf "$dir"
}

# The script's cleanup function runs on exit, also after Ctrl-C and SIGTERM.
trap_cleanup() {
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}
