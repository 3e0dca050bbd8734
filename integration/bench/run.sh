#!/usr/bin/env bash
# TierFs overlay benchmark: native vs bindfs vs TierFs over ONE backing directory, interleaved,
# medians of REPS runs. Run by hand as root (not in CI):
#
#   dotnet build TierFs.sln -c Release && sudo integration/bench/run.sh
#
# Prints a markdown table and saves it to integration/bench/results/latest.md (raw values in
# results/latest.log). See integration/bench/README.md for how every row is measured.
#
# Environment overrides (defaults in brackets):
#   BENCH_DIR [/var/tmp]  where the backing directory is created (refused if tmpfs)
#   REPS [5]  FILE_MIB [1024]  WRITE_MIB [1024]  STAT_N [100000]  SMALL_N [10000]
#   RAND_N [50000]  READDIR_LOOPS [10]  READ_AHEAD_KB [1024]
#   TIERFS [src/TierFs.Cli/bin/Release/net10.0/tierfs]  TIERFS_OPTS [] (extra -o for tierfs)
#   TIERFS_LABEL [] what that binary is, for the header (e.g. "HEAD abc123, clean build")
#   BINDFS_OPTS [--multithreaded -o big_writes]
#   WITH_LL [0]  1 adds a column: libfuse's own passthrough_ll example (C, same libfuse),
#                as a reference for what the FUSE path itself costs
#   BEFORE []  another tierfs binary (e.g. an older build) measured side by side as a column of
#              its own, over its own identical copy of the backing data (a tree takes one mount)
#   BEFORE_LABEL [] what that binary is, for the header
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
TIERFS=${TIERFS:-$REPO/src/TierFs.Cli/bin/Release/net10.0/tierfs}
BENCH_DIR=${BENCH_DIR:-/var/tmp}
REPS=${REPS:-5}
FILE_MIB=${FILE_MIB:-1024}
WRITE_MIB=${WRITE_MIB:-1024}
STAT_N=${STAT_N:-100000}
SMALL_N=${SMALL_N:-10000}
RAND_N=${RAND_N:-50000}
READDIR_LOOPS=${READDIR_LOOPS:-10}
READ_AHEAD_KB=${READ_AHEAD_KB:-1024}
TIERFS_OPTS=${TIERFS_OPTS:-}
BINDFS_OPTS=${BINDFS_OPTS:---multithreaded -o big_writes}
WITH_LL=${WITH_LL:-0}
BEFORE=${BEFORE:-}
RESULTS=$HERE/results

# shellcheck source=common.sh
. "$HERE/common.sh"

# ---------------------------------------------------------------- preflight
[[ $(id -u) == 0 ]] || die "run as root (FUSE mounts with allow_other, drop_caches, bdi read_ahead_kb)"
command -v gcc >/dev/null || die "gcc is missing (apt-get install gcc)"
command -v bindfs >/dev/null || die "bindfs is missing (apt-get install bindfs)"
[[ -x $TIERFS ]] || die "$TIERFS is missing: build first (cd $REPO && dotnet build TierFs.sln -c Release)"
[[ -z $BEFORE || -x $BEFORE ]] || die "BEFORE=$BEFORE is not an executable tierfs"
fstype=$(findmnt -n -o FSTYPE --target "$BENCH_DIR") || die "cannot find the filesystem of $BENCH_DIR"
[[ $fstype != tmpfs && $fstype != ramfs ]] || die "$BENCH_DIR is $fstype: set BENCH_DIR to a disk-backed directory"
copies=1; [[ -n $BEFORE ]] && copies=2
need_mib=$(((FILE_MIB + WRITE_MIB + (STAT_N + 2 * SMALL_N) * 8 / 1024) * copies + 512))
avail_mib=$(( $(df -Pk "$BENCH_DIR" | awk 'NR==2 {print $4}') / 1024 ))
(( avail_mib > need_mib )) || die "$BENCH_DIR has $avail_mib MiB free, needs about $need_mib MiB"

ROOT=$(mktemp -d "$BENCH_DIR/tierfs-bench.XXXXXX")
BACK=$ROOT/backing
MNT_BINDFS=$ROOT/mnt-bindfs
MNT_TIERFS=$ROOT/mnt-tierfs
MNT_LL=$ROOT/mnt-ll
STATE=$ROOT/state
BACK_BEFORE=$ROOT/backing-before
MNT_BEFORE=$ROOT/mnt-before
STATE_BEFORE=$ROOT/state-before
FSBENCH=$ROOT/fsbench
LL_BIN=$ROOT/passthrough_ll
BINDFS_PID= TIERFS_PID= LL_PID= BEFORE_PID=
mkdir -p "$BACK" "$MNT_BINDFS" "$MNT_TIERFS" "$STATE" "$RESULTS"
# Run a private copy of the build: a rebuild in the tree during the run must not change what is measured.
private_copy_of_build "$ROOT/tierfs-bin"
if [[ -n $BEFORE ]]; then
    mkdir -p "$BACK_BEFORE" "$MNT_BEFORE" "$STATE_BEFORE"
    after_bin=$TIERFS after_built=$TIERFS_BUILT
    TIERFS=$BEFORE
    private_copy_of_build "$ROOT/before-bin"
    BEFORE=$TIERFS BEFORE_BUILT=$TIERFS_BUILT
    TIERFS=$after_bin TIERFS_BUILT=$after_built
fi

# ---------------------------------------------------------------- mounts and cleanup
umount_tierfs() { umount_tierfs_at "$TIERFS" "$MNT_TIERFS" "$TIERFS_PID"; TIERFS_PID=; }
umount_before() { if [[ -n $BEFORE ]]; then umount_tierfs_at "$BEFORE" "$MNT_BEFORE" "$BEFORE_PID"; fi; BEFORE_PID=; }
umount_tierfs_at() { # BIN MOUNTPOINT PID
    if is_mounted "$2"; then
        "$1" umount "$2" >/dev/null 2>&1 || umount -l "$2" 2>/dev/null || true
    fi
    if [[ -n $3 ]] && ! wait_gone "$3" 20; then
        log "tierfs daemon $3 still running after unmount: killing it"
        kill "$3" 2>/dev/null || true
    fi
}

umount_plain() { # MOUNTPOINT PID
    if is_mounted "$1"; then umount "$1" 2>/dev/null || umount -l "$1" 2>/dev/null || true; fi
    if [[ -n $2 ]] && ! wait_gone "$2" 20; then
        log "daemon $2 of $1 still running after unmount: killing it"
        kill "$2" 2>/dev/null || true
    fi
}

set_read_ahead() { # MOUNTPOINT KB
    echo "$2" >"/sys/class/bdi/$(findmnt -n -o MAJ:MIN --mountpoint "$1" | tr -d " ")/read_ahead_kb"
}
read_ahead_of() { cat "/sys/class/bdi/$(findmnt -n -o MAJ:MIN --mountpoint "$1" | tr -d " ")/read_ahead_kb"; }

mount_tierfs() { TIERFS_PID=$(mount_tierfs_at "$TIERFS" "$BACK" "$MNT_TIERFS" "$STATE"); }
mount_before() { BEFORE_PID=$(mount_tierfs_at "$BEFORE" "$BACK_BEFORE" "$MNT_BEFORE" "$STATE_BEFORE"); }
mount_tierfs_at() { # BIN BACKING MOUNTPOINT STATE -> the daemon's pid
    local opts=() f pid=
    [[ -n $TIERFS_OPTS ]] && opts=(-o "$TIERFS_OPTS")
    "$1" mount "$2" "$3" --state-dir "$4" "${opts[@]}" >>"$ROOT/tierfs-mount.out" 2>&1 ||
        die "tierfs mount failed: $(tail -5 "$ROOT/tierfs-mount.out")"
    for f in "${TIERFS_RUN_DIR:-/run/tierfs}"/*.json; do
        [[ -f $f ]] && grep -q "\"MountPoint\":\"$3\"" "$f" && pid=$(sed -n 's/.*"Pid":\([0-9]*\).*/\1/p' "$f")
    done
    [[ -n $pid ]] || pid=$(pgrep -f -- "tierfs mount $2 $3 " | head -1)
    [[ -n $pid ]] || die "cannot find the tierfs daemon's pid"
    set_read_ahead "$3" "$READ_AHEAD_KB"
    echo "$pid"
}

mount_bindfs() {
    # shellcheck disable=SC2086 # BINDFS_OPTS is a word list on purpose
    bindfs $BINDFS_OPTS "$BACK" "$MNT_BINDFS" || die "bindfs failed"
    BINDFS_PID=$(pgrep -f -x -- "bindfs $BINDFS_OPTS $BACK $MNT_BINDFS" | head -1)
    [[ -n $BINDFS_PID ]] || die "cannot find the bindfs pid"
    set_read_ahead "$MNT_BINDFS" "$READ_AHEAD_KB"
}

mount_ll() {
    "$LL_BIN" -o source="$BACK",allow_other "$MNT_LL" || die "passthrough_ll failed"
    LL_PID=$(pgrep -f -x -- "$LL_BIN -o source=$BACK,allow_other $MNT_LL" | head -1)
    [[ -n $LL_PID ]] || die "cannot find the passthrough_ll pid"
    set_read_ahead "$MNT_LL" "$READ_AHEAD_KB"
}

mount_all() {
    mount_bindfs
    mount_tierfs
    if [[ -n $BEFORE ]]; then mount_before; fi
    if [[ $WITH_LL == 1 ]]; then mount_ll; fi
}

umount_all() {
    umount_tierfs
    umount_before
    umount_plain "$MNT_BINDFS" "$BINDFS_PID"; BINDFS_PID=
    if [[ $WITH_LL == 1 ]]; then umount_plain "$MNT_LL" "$LL_PID"; LL_PID=; fi
}

remount_all() { umount_all; mount_all; }

# A FUSE daemon that died leaves a mount answering ENOTCONN: note it and mount again.
DIED=()
alive() { stat "$1" >/dev/null 2>&1; }
ensure_alive() { # FS
    local p
    [[ $1 == native ]] && return 0
    p=$(path_of "$1")
    alive "$p" && return 0
    log "$1 is dead (its mount answers: $(stat "$p" 2>&1 | sed 's/.*: //')): mounting it again"
    DIED+=("$1 during: ${CURRENT_ROW:-?}")
    cp "$STATE/tierfs.log" "$RESULTS/tierfs-died-$(date +%H%M%S).log" 2>/dev/null || true
    case $1 in
        tierfs) umount -l "$MNT_TIERFS" 2>/dev/null; TIERFS_PID=; mount_tierfs ;;
        before) umount -l "$MNT_BEFORE" 2>/dev/null; BEFORE_PID=; mount_before ;;
        bindfs) umount -l "$MNT_BINDFS" 2>/dev/null; BINDFS_PID=; mount_bindfs ;;
        ll) umount -l "$MNT_LL" 2>/dev/null; LL_PID=; mount_ll ;;
    esac
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    set +e
    umount_all
    mkdir -p "$RESULTS"
    [[ -f $STATE/tierfs.log ]] && cp "$STATE/tierfs.log" "$RESULTS/latest-tierfs.log"
    if is_mounted "$MNT_TIERFS" || is_mounted "$MNT_BINDFS" || { [[ -d $MNT_BEFORE ]] && is_mounted "$MNT_BEFORE"; } || { [[ -d $MNT_LL ]] && is_mounted "$MNT_LL"; }; then
        echo "run.sh: a mount under $ROOT is still there; NOT deleting $ROOT" >&2
    else
        rm -rf "$ROOT"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- tools and data
gcc -O2 -Wall -o "$FSBENCH" "$HERE/fsbench.c" || die "cannot compile fsbench.c"
if [[ $WITH_LL == 1 ]]; then
    ex=/usr/share/doc/libfuse3-dev/examples
    [[ -f $ex/passthrough_ll.c ]] || die "WITH_LL=1 needs libfuse3-dev's examples"
    gcc -O2 -w -I"$ex" -o "$LL_BIN" "$ex/passthrough_ll.c" $(pkg-config --cflags --libs fuse3) || die "cannot build passthrough_ll"
    mkdir -p "$MNT_LL"
fi

make_backing() { # DIR
    log "preparing $1 ($fstype)"
    mkdir -p "$1/big" "$1/many" "$1/small" "$1/lsdir" "$1/w"
    "$FSBENCH" mkfile "$1/big/file" "$FILE_MIB"
    "$FSBENCH" mkfiles "$1/many" "$STAT_N" 4096
    "$FSBENCH" mkfiles "$1/small" "$SMALL_N" 4096
    "$FSBENCH" mkfiles "$1/lsdir" "$SMALL_N" 4096
}
make_backing "$BACK"
[[ -n $BEFORE ]] && make_backing "$BACK_BEFORE"
sync
mount_all

FSES=(native bindfs tierfs)
[[ -n $BEFORE ]] && FSES+=(before)
[[ $WITH_LL == 1 ]] && FSES+=(ll)
path_of() {
    case $1 in
        native) echo "$BACK" ;;
        bindfs) echo "$MNT_BINDFS" ;;
        tierfs) echo "$MNT_TIERFS" ;;
        before) echo "$MNT_BEFORE" ;;
        ll) echo "$MNT_LL" ;;
    esac
}
# The directory a filesystem's data lives in (the before build has its own copy).
backing_of() { if [[ $1 == before ]]; then echo "$BACK_BEFORE"; else echo "$BACK"; fi; }
pid_of() {
    case $1 in
        bindfs) echo "$BINDFS_PID" ;;
        tierfs) echo "$TIERFS_PID" ;;
        before) echo "$BEFORE_PID" ;;
        ll) echo "$LL_PID" ;;
    esac
}
# The order of the filesystems rotates with the repetition, so none is always first or last.
order_of() {
    local r=$1 n=${#FSES[@]} i
    for ((i = 0; i < n; i++)); do echo "${FSES[$(((i + r) % n))]}"; done
}

declare -A RES=()   # "row|fs" -> space-separated values (FAIL for a failed run)
declare -A UNIT=()  # row -> unit
ROWS=()
LOG=$ROOT/raw.log
: >"$LOG"

add_row() { ROWS+=("$1"); UNIT[$1]=$2; }

# record ROW FS COMMAND...: run one timed fsbench invocation, keep its number
record() {
    local row=$1 fs=$2 out rc
    shift 2
    CURRENT_ROW=$row
    set +e
    out=$("$@" 2>"$ROOT/err")
    rc=$?
    set -e
    if [[ $rc == 0 && -n $out ]]; then
        RES[$row|$fs]+="$out "
    else
        RES[$row|$fs]+="FAIL "
        out="FAIL(rc=$rc) $(tr '\n' ' ' <"$ROOT/err" | cut -c1-300)"
        if [[ $fs != native ]] && ! alive "$(path_of "$fs")"; then out+=" [the $fs daemon died]"; fi
    fi
    printf '%s\t%s\t%s\tload=%s\n' "$row" "$fs" "$out" "$(load1)" >>"$LOG"
}

# The big backing file must be in page cache right before every read measurement: this VM pages
# out page cache left unused for about a minute (DAMON), so it is checked (mincore) and read again
# if need be immediately before each timed read, not once per row.
warm_backing() { # FS
    local f pct
    f=$(backing_of "$1")/big/file
    pct=$("$FSBENCH" incore "$f")
    [[ $pct == 100.0 ]] || "$FSBENCH" seqread "$f" >/dev/null
}

# The same for a directory of small files before a row that uses them: their names and inodes
# (a native stat of each) and, for reads, their data.
warm_small() { # FS DIR [data]
    local d
    d=$(backing_of "$1")/$2
    "$FSBENCH" stat "$d" "$SMALL_N" >/dev/null
    [[ ${3:-} == data ]] && "$FSBENCH" openread "$d" "$SMALL_N" >/dev/null
    return 0
}

# Drop the page cache of the big file as seen through a FUSE mount, keep the backing's.
drop_mount_cache() { # FS
    local p pct
    [[ $1 == native ]] && return 0
    p=$(path_of "$1")
    pct=$("$FSBENCH" dropcache "$p/big/file")
    if [[ $pct != 0.0 ]]; then
        # Should not happen (fadvise DONTNEED drops clean pages); fall back to the big hammer.
        log "fadvise left $pct% of $1's copy resident: using drop_caches"
        sync; echo 1 >/proc/sys/vm/drop_caches
    fi
    warm_backing "$1"
}

# ---------------------------------------------------------------- the rows
R_FIRST="Sequential read 1 GiB, first read through the mount (backing in page cache)"
R_REREAD="Sequential re-read 1 GiB (mount's page cache warm)"
R_RAND_COLD="4 KiB random reads, mount cache cold (backing in page cache)"
R_RAND_WARM="4 KiB random reads after a full read (mount cache warm)"
R_WRITE="Sequential write 1 GiB + fsync"
R_STAT_COLD="stat 100k files, cold (fresh mount: 1 LOOKUP each)"
R_STAT_WARM="stat 100k files, warm (same names again)"
R_STAT10K="stat 10k files, cold (extra)"
R_LSL="ls -l of 10k: readdir + lstat, cold (extra)"
R_OPENREAD="open + read 4 KiB + close, 10k files"
R_CREATE="create + write 4 KiB + close, 10k files"
R_READDIR="readdir of 10k entries"
R_RSS="Daemon RSS after the 100k-stat pass"
R_FDS="Daemon open fds after the 100k-stat pass (extra)"
if ((FILE_MIB != 1024)); then
    R_FIRST=${R_FIRST//1 GiB/$FILE_MIB MiB}; R_REREAD=${R_REREAD//1 GiB/$FILE_MIB MiB}
fi
((WRITE_MIB != 1024)) && R_WRITE=${R_WRITE//1 GiB/$WRITE_MIB MiB}
((STAT_N != 100000)) && { R_STAT_COLD=${R_STAT_COLD//100k/$STAT_N}; R_STAT_WARM=${R_STAT_WARM//100k/$STAT_N}; R_RSS=${R_RSS//100k/$STAT_N}; R_FDS=${R_FDS//100k/$STAT_N}; }
if ((SMALL_N != 10000)); then
    for v in R_STAT10K R_LSL R_OPENREAD R_CREATE R_READDIR; do printf -v "$v" '%s' "${!v//10k/$SMALL_N}"; done
fi

add_row "$R_FIRST" MiB/s
add_row "$R_REREAD" MiB/s
add_row "$R_RAND_COLD" ops/s
add_row "$R_RAND_WARM" ops/s
add_row "$R_WRITE" MiB/s
add_row "$R_STAT_COLD" ops/s
add_row "$R_STAT_WARM" ops/s
add_row "$R_STAT10K" ops/s
add_row "$R_OPENREAD" ops/s
add_row "$R_CREATE" ops/s
add_row "$R_READDIR" entries/s
add_row "$R_LSL" entries/s
add_row "$R_RSS" MiB
add_row "$R_FDS" fds

# Other work on this machine (builds, test runs) skews the numbers: wait a while for quiet.
QUIET_WAIT=${QUIET_WAIT:-120}
wait_for_quiet
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
OTHER_FUSE=$(grep -c ' fuse' /proc/mounts || true)
started=$(date +%s)

log "sequential and random reads"
for ((r = 0; r < REPS; r++)); do
    for fs in $(order_of $r); do
        p=$(path_of "$fs")
        ensure_alive "$fs"
        # first read: the mount's copy dropped, the backing's resident
        drop_mount_cache "$fs" # and the backing warmed
        record "$R_FIRST" "$fs" "$FSBENCH" seqread "$p/big/file"
        # re-read: right after a full read through the same mount (new open, as cat would)
        warm_backing "$fs"; "$FSBENCH" seqread "$p/big/file" >/dev/null
        record "$R_REREAD" "$fs" "$FSBENCH" seqread "$p/big/file"
        # random reads with the mount's cache cold, then warm
        drop_mount_cache "$fs"
        record "$R_RAND_COLD" "$fs" "$FSBENCH" randread "$p/big/file" "$RAND_N" $((r + 1))
        warm_backing "$fs"; "$FSBENCH" seqread "$p/big/file" >/dev/null
        record "$R_RAND_WARM" "$fs" "$FSBENCH" randread "$p/big/file" "$RAND_N" $((r + 11))
    done
done

log "sequential write + fsync"
for ((r = 0; r < REPS; r++)); do
    for fs in $(order_of $r); do
        p=$(path_of "$fs")
        ensure_alive "$fs"
        sync
        record "$R_WRITE" "$fs" "$FSBENCH" seqwrite "$p/w/out-$fs-$r" "$WRITE_MIB"
        rm -f "$p/w/out-$fs-$r" 2>/dev/null || rm -f "$(backing_of "$fs")/w/out-$fs-$r"
    done
done

log "stat: cold then warm on fresh mounts; daemon memory"
for ((r = 0; r < REPS; r++)); do
    remount_all
    for fs in $(order_of $r); do
        p=$(path_of "$fs")
        ensure_alive "$fs"
        # the backing's names and inodes cached right before (for native: both passes are warm, there is no FUSE to be cold)
        "$FSBENCH" stat "$(backing_of "$fs")/many" "$STAT_N" >/dev/null
        record "$R_STAT_COLD" "$fs" "$FSBENCH" stat "$p/many" "$STAT_N"
        record "$R_STAT_WARM" "$fs" "$FSBENCH" stat "$p/many" "$STAT_N"
        pid=$(pid_of "$fs")
        if [[ -n $pid ]]; then
            rss=$(awk '/^VmRSS:/ {printf "%.1f", $2 / 1024}' "/proc/$pid/status")
            fds=$(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 | wc -l)
            RES[$R_RSS|$fs]+="$rss "; RES[$R_FDS|$fs]+="$fds "
            printf '%s\t%s\t%s\n' "$R_RSS" "$fs" "$rss" >>"$LOG"
            printf '%s\t%s\t%s\n' "$R_FDS" "$fs" "$fds" >>"$LOG"
        fi
    done
done

log "stat 10k and ls -l 10k on fresh mounts"
for ((r = 0; r < REPS; r++)); do
    remount_all
    for fs in $(order_of $r); do
        p=$(path_of "$fs")
        ensure_alive "$fs"
        warm_small "$fs" small
        record "$R_STAT10K" "$fs" "$FSBENCH" stat "$p/small" "$SMALL_N"
        "$FSBENCH" lsl "$(backing_of "$fs")/lsdir" 1 >/dev/null
        record "$R_LSL" "$fs" "$FSBENCH" lsl "$p/lsdir" 1
    done
done

log "open+read, create, readdir"
remount_all
for ((r = 0; r < REPS; r++)); do
    for fs in $(order_of $r); do
        p=$(path_of "$fs")
        ensure_alive "$fs"
        "$FSBENCH" openread "$p/small" "$SMALL_N" >/dev/null # names and data seen once before
        warm_small "$fs" small data
        record "$R_OPENREAD" "$fs" "$FSBENCH" openread "$p/small" "$SMALL_N"
    done
done
for ((r = 0; r < REPS; r++)); do
    remount_all # fresh mounts: each run starts with no names held (see the fd-limit note in README)
    for fs in $(order_of $r); do
        p=$(path_of "$fs")
        ensure_alive "$fs"
        mkdir "$p/c-$fs-$r"
        record "$R_CREATE" "$fs" "$FSBENCH" create "$p/c-$fs-$r" "$SMALL_N"
    done
done
# Deleted only now: on ext4 without a journal, inodes freed moments before make the next
# creates scan past them (recently_deleted()), which would tax whichever run came next.
rm -rf "$BACK"/c-* "$BACK_BEFORE"/c-*
remount_all
for ((r = 0; r < REPS; r++)); do
    for fs in $(order_of $r); do
        p=$(path_of "$fs")
        ensure_alive "$fs"
        warm_small "$fs" small
        record "$R_READDIR" "$fs" "$FSBENCH" readdir "$p/small" "$READDIR_LOOPS"
    done
done

TIERFS_RA=$(read_ahead_of "$MNT_TIERFS"); BINDFS_RA=$(read_ahead_of "$MNT_BINDFS")
TIERFS_NOFILE=$(awk '/^Max open files/ {print $4 "/" $5}' "/proc/$TIERFS_PID/limits")
elapsed=$(($(date +%s) - started))
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------- the table
median() { # values... (FAIL counts as failed)
    local v ok=() fails=0
    for v in "$@"; do if [[ $v == FAIL ]]; then fails=$((fails + 1)); else ok+=("$v"); fi; done
    if ((fails > 0)); then echo "FAIL"; return; fi
    printf '%s\n' "${ok[@]}" | sort -g | awk '{a[NR] = $1} END {if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}
fmt() { # number -> human
    [[ $1 == FAIL || $1 == - ]] && { echo "$1"; return; }
    awk -v x="$1" 'BEGIN {
        if (x >= 1e6) printf "%.2fM", x / 1e6; else if (x >= 1e4) printf "%.1fk", x / 1e3;
        else if (x >= 100) printf "%.0f", x; else printf "%.1f", x }'
}
ratio() { # a b -> a/b
    [[ $1 == FAIL || $2 == FAIL || $1 == - || $2 == - ]] && { echo "-"; return; }
    awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "-"; else printf "%.2f", a / b }'
}
# target ROW -> "kind factor label": ge_bindfs F (TierFs >= F x bindfs), ge_native F, lt ABS
target_of() {
    case $1 in
        "$R_REREAD") echo "ge_native 0.9 ≥ 90% native" ;;
        "$R_STAT_COLD" | "$R_STAT_WARM" | "$R_STAT10K") echo "ge_bindfs 2 ≥ 2× bindfs" ;;
        "$R_RSS") echo "lt 100 < 100 MB" ;;
        "$R_FDS") echo "none 0 -" ;;
        *) echo "ge_bindfs 1 ≥ bindfs" ;;
    esac
}

TABLE=$ROOT/table.md
{
    echo "# TierFs overlay benchmark — $(date -u +'%Y-%m-%d %H:%M UTC')"
    echo
    echo "- host: $(uname -r), $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) RAM; backing $BACK on $fstype ($(findmnt -n -o SOURCE --target "$BENCH_DIR"))"
    echo "- TierFs: ${TIERFS_LABEL:+$TIERFS_LABEL, }binary built $TIERFS_BUILT (repo HEAD now $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')$( [[ -n $(git -C "$REPO" status --porcelain -- src/TierFs.FileSystem src/TierFs.Fuse src/TierFs.Cli native 2>/dev/null) ]] && echo ', overlay sources have uncommitted changes')), options: defaults${TIERFS_OPTS:+ + $TIERFS_OPTS}; bdi read_ahead_kb $TIERFS_RA; daemon RLIMIT_NOFILE $TIERFS_NOFILE"
    echo "- bindfs $(bindfs --version 2>/dev/null | head -1 | awk '{print $2}') ($(ldd "$(command -v bindfs)" | grep -o 'libfuse[0-9]*\.so\.[0-9]*' | head -1)): \`bindfs $BINDFS_OPTS\`; bdi read_ahead_kb $BINDFS_RA"
    [[ -n $BEFORE ]] && echo "- TierFs before: ${BEFORE_LABEL:+$BEFORE_LABEL, }binary built $BEFORE_BUILT, the same options, over its own copy of the data ($BACK_BEFORE: a tree takes one TierFs mount)"
    [[ $WITH_LL == 1 ]] && echo "- ll: libfuse $(pkg-config --modversion fuse3) example passthrough_ll (C, low-level API, defaults: cache=auto, 1 s timeouts)"
    echo "- load average at start $LOAD_START, at end $LOAD_END ($(nproc) CPUs; other jobs on the machine add noise)"
    echo "- medians of $REPS interleaved runs (order rotated each run); sizes: file $FILE_MIB MiB, write $WRITE_MIB MiB, $STAT_N + $SMALL_N files, $RAND_N random reads, readdir ×$READDIR_LOOPS; measuring took ${elapsed}s"
    echo
    hdr="| Row | Unit | native | bindfs | TierFs"; sep="|---|---|---:|---:|---:"
    [[ -n $BEFORE ]] && { hdr+=" | TierFs before"; sep+="|---:"; }
    [[ $WITH_LL == 1 ]] && { hdr+=" | ll"; sep+="|---:"; }
    hdr+=" | TierFs/bindfs | TierFs/native"; sep+="|---:|---:"
    [[ -n $BEFORE ]] && { hdr+=" | before/bindfs | TierFs/before"; sep+="|---:|---:"; }
    echo "$hdr | Target | Met? |"
    echo "$sep|---|---|"
    for row in "${ROWS[@]}"; do
        declare -A MED=()
        for fs in "${FSES[@]}"; do
            # shellcheck disable=SC2086
            if [[ -n ${RES[$row|$fs]:-} ]]; then MED[$fs]=$(median ${RES[$row|$fs]}); else MED[$fs]=-; fi
        done
        read -r kind factor label <<<"$(target_of "$row")"
        t=${MED[tierfs]} b=${MED[bindfs]} n=${MED[native]}
        met=-
        case $kind in
            ge_bindfs) [[ $t != FAIL && $t != - && $b != FAIL && $b != - ]] && met=$(awk -v t="$t" -v b="$b" -v f="$factor" 'BEGIN { print (t >= f * b) ? "yes" : sprintf("**no** (%.0f%% of the target)", 100 * t / (f * b)) }')
                       [[ $t == FAIL ]] && met="**no** (fails)" ;;
            ge_native) [[ $t != FAIL && $t != - && $n != FAIL && $n != - ]] && met=$(awk -v t="$t" -v n="$n" -v f="$factor" 'BEGIN { print (t >= f * n) ? "yes" : sprintf("**no** (%.0f%% of native)", 100 * t / n) }')
                       [[ $t == FAIL ]] && met="**no** (fails)" ;;
            lt) [[ $t != FAIL && $t != - ]] && met=$(awk -v t="$t" -v f="$factor" 'BEGIN { print (t < f) ? "yes" : "**no**" }') ;;
        esac
        line="| $row | ${UNIT[$row]} | $(fmt "$n") | $(fmt "$b") | $(fmt "$t")"
        [[ -n $BEFORE ]] && line+=" | $(fmt "${MED[before]}")"
        [[ $WITH_LL == 1 ]] && line+=" | $(fmt "${MED[ll]}")"
        line+=" | $(ratio "$t" "$b") | $(ratio "$t" "$n")"
        [[ -n $BEFORE ]] && line+=" | $(ratio "${MED[before]}" "$b") | $(ratio "$t" "${MED[before]}")"
        echo "$line | $label | $met |"
        unset MED
    done
    echo
    if ((${#DIED[@]} > 0)); then
        echo "**Daemons that died during the run** (found dead before the next measurement, mounted again):"
        echo
        printf -- '- %s\n' "${DIED[@]}"
        echo
    fi
    if grep -q FAIL "$LOG"; then
        echo "Failed runs (first error of each):"
        echo
        grep FAIL "$LOG" | awk -F'\t' '!seen[$1 FS $2]++ {printf "- %s / %s: %s\n", $1, $2, $3}'
        echo
    fi
    echo "Raw values: results/latest.log (row, filesystem, value per run)."
} >"$TABLE"

mkdir -p "$RESULTS"
stamp=$(date +%Y%m%d-%H%M%S)
cp "$TABLE" "$RESULTS/latest.md"; cp "$TABLE" "$RESULTS/$stamp.md"
cp "$LOG" "$RESULTS/latest.log"; cp "$LOG" "$RESULTS/$stamp.log"
cat "$TABLE"
log "saved $RESULTS/latest.md"
