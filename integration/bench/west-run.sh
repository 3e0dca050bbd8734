#!/usr/bin/env bash
# TierFs west benchmark: the read-only west mount (`tierfs mount --remote`) against what it stands for.
#   (a) a sequential read of a 1 GiB archived file on a fresh west mount (`fsbench seqread`: 1 MiB
#       read(2)s from open to end) vs a plain parallel ranged download of the same object from the
#       same s3rver (integration/bench/tierbench download: same SDK, part size and concurrency);
#   (b) `ls -lR` of 100,000 entries on the west mount vs the same tree on the east mount.
# Interleaved, medians of REPS runs. Run by hand as root (not in CI):
#
#   dotnet build TierFs.sln -c Release && (cd integration && npm ci) && integration/bench/west-run.sh
#
# Prints a markdown table and saves it to integration/bench/results/west-latest.md (raw values in
# results/west-latest.log). See integration/bench/README.md ("West benchmark") for every row.
#
# Environment overrides (defaults in brackets):
#   BENCH_DIR [/var/tmp]  where the s3rver data, the trees and the peer's files go (refused if tmpfs)
#   REPS [5]  SIZE_MIB [1024]  PART_SIZE [16M]  CONCURRENCY [4]  PORT [random free]
#   DIRS [100] FILES [1000]  the listed tree: DIRS directories of FILES empty files
#   CACHE_SIZE [1G] READ_AHEAD [4]  the west mount's west.cache_size and west.read_ahead
#   QUIET_WAIT [30] seconds to wait for the 1-minute load average to fall below 1 before measuring
#   PHASES ["read ls"] which phases run (the rows of a phase left out print "-")
#   WARM_MIB [512] the archived file a fresh west daemon reads first, untimed (its read path compiled)
#   PRETOUCH_MIB [2047] anonymous memory touched (and freed) right before every timed read, so that
#                the page cache the run allocates is memory the VM already holds (0 = off)
#   TIERFS [src/TierFs.Cli/bin/Release/net10.0/tierfs]  TIERFS_LABEL [] (for the header)
#   BEFORE [] another build's tierfs: adds rows, that build's west mount read and listed the same
#             way, interleaved with the others (BEFORE_LABEL [before] names it): a change's before/after
#   S3RVER [integration/node_modules/.bin/s3rver]
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SIZE_MIB=${SIZE_MIB:-1024}
PART_SIZE=${PART_SIZE:-16M}
CONCURRENCY=${CONCURRENCY:-4}
DIRS=${DIRS:-100}
FILES=${FILES:-1000}
CACHE_SIZE=${CACHE_SIZE:-1G}
READ_AHEAD=${READ_AHEAD:-4}
PHASES=${PHASES:-read ls}
PRETOUCH_MIB=${PRETOUCH_MIB:-2047}
WARM_MIB=${WARM_MIB:-512}
BUCKET=westbench
PREFIX=p/

# shellcheck source=common.sh
. "$HERE/common.sh"

PART_BYTES=$(bytes_of "$PART_SIZE")

# ---------------------------------------------------------------- preflight
command -v gcc >/dev/null || die "gcc is missing (apt-get install gcc)"
command -v dotnet >/dev/null || die "dotnet is missing"
command -v node >/dev/null || die "node is missing"
require_mount_bench
need_mib=$((SIZE_MIB * 4 + WARM_MIB * 2 + 1024)) # source, east copy before migration, s3rver object, peer file; west cache
avail_mib=$(($(df -Pk "$BENCH_DIR" | awk 'NR==2 {print $4}') / 1024))
((avail_mib > need_mib)) || die "$BENCH_DIR has $avail_mib MiB free, needs about $need_mib MiB"

ROOT=$(mktemp -d "$BENCH_DIR/tierfs-westbench.XXXXXX")
S3DIR=$ROOT/s3
BACK=$ROOT/backing
EMNT=$ROOT/east
ESTATE=$ROOT/east-state
WMNT=$ROOT/west
WSTATE=$ROOT/west-state
PEER=$ROOT/peer
ECFG=$ROOT/east.yaml
WCFG=$ROOT/west.yaml
WLOG=$WSTATE/tierfs.log
BMNT=$ROOT/west-before
BSTATE=$ROOT/west-before-state
S3RVER_PID='' EAST_PID='' WEST_PID='' BEFORE_PID=''
mkdir -p "$S3DIR" "$BACK" "$EMNT" "$ESTATE" "$WMNT" "$WSTATE" "$BMNT" "$BSTATE" "$PEER" "$RESULTS"
private_copy_of_build "$ROOT/tierfs-bin"
if [[ -n ${BEFORE:-} ]]; then
    [[ -x $BEFORE ]] || die "BEFORE=$BEFORE is not an executable"
    cp -a "$(dirname "$BEFORE")" "$ROOT/before-bin"
    BEFORE=$ROOT/before-bin/$(basename "$BEFORE")
fi

# ---------------------------------------------------------------- processes and cleanup
daemon_of() { # MOUNTPOINT -> the daemon's pid (from /run/tierfs)
    local f
    for f in "${TIERFS_RUN_DIR:-/run/tierfs}"/*.json; do
        [[ -f $f ]] && grep -q "\"MountPoint\":\"$1\"" "$f" && sed -n 's/.*"Pid":\([0-9]*\).*/\1/p' "$f" && return 0
    done
    die "cannot find the daemon of $1 in /run/tierfs"
}

unmount() { # MOUNTPOINT PID
    if is_mounted "$1"; then
        "$TIERFS" umount "$1" >/dev/null 2>&1 || umount -l "$1" 2>/dev/null || true
    fi
    if [[ -n $2 ]] && ! wait_gone "$2" 20; then
        log "tierfs daemon $2 still running after unmount: killing it"
        kill "$2" 2>/dev/null || true
        wait_gone "$2" 5 || kill -9 "$2" 2>/dev/null || true
    fi
}

mount_east() {
    "$TIERFS" mount --config "$ECFG" "$BACK" "$EMNT" --state-dir "$ESTATE" >>"$ROOT/mount.out" 2>&1 ||
        die "tierfs mount (east) failed: $(tail -5 "$ROOT/mount.out")"
    EAST_PID=$(daemon_of "$EMNT")
}
umount_east() { unmount "$EMNT" "$EAST_PID"; EAST_PID=; }

# A fresh west mount: its part cache starts empty (the mount empties it), its page cache too.
mount_west() {
    "$TIERFS" mount --remote --config "$WCFG" "$WMNT" --state-dir "$WSTATE" >>"$ROOT/mount.out" 2>&1 ||
        die "tierfs mount --remote failed: $(tail -5 "$ROOT/mount.out")"
    WEST_PID=$(daemon_of "$WMNT")
}
umount_west() { unmount "$WMNT" "$WEST_PID"; WEST_PID=; }
mount_before() {
    "$BEFORE" mount --remote --config "$WCFG" "$BMNT" --state-dir "$BSTATE" >>"$ROOT/mount.out" 2>&1 ||
        die "tierfs mount --remote (BEFORE) failed: $(tail -5 "$ROOT/mount.out")"
    BEFORE_PID=$(daemon_of "$BMNT")
}
umount_before() { unmount "$BMNT" "$BEFORE_PID"; BEFORE_PID=; }

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    set +e
    umount_before
    umount_west
    umount_east
    stop_s3rver
    [[ -f $WLOG ]] && cp "$WLOG" "$RESULTS/west-latest-tierfs.log"
    remove_unless_mounted "$ROOT" "$WMNT" "$EMNT" "$BMNT"
    exit "$rc"
}
trap_cleanup

# ---------------------------------------------------------------- tools
build_tierbench "$ROOT"
gcc -O2 -Wall -o "$ROOT/fsbench" "$HERE/fsbench.c" || die "cannot compile fsbench.c"

# ---------------------------------------------------------------- s3rver, east, the data, the sync
ENDPOINT=http://127.0.0.1:$PORT
start_s3rver "$S3DIR" "$PORT" "$BUCKET" "$ROOT/s3rver.out"
S3RVER_VERSION=$("$S3RVER" --version 2>/dev/null || echo '?')

cat >"$ECFG" <<EOF
remote:
  type: s3
  endpoint: $ENDPOINT
  bucket: $BUCKET
  prefix: $PREFIX
  part_size: $PART_SIZE
  concurrency: $CONCURRENCY
pair:
  name: bench
  local_share_path: /bench/east
  remote_cluster_id: LC_2
  remote_share_path: /bench/west
  meta_sync_role: master
  remote_role: gfs
meta_sync:
  enabled: false
EOF
{ cat "$ECFG"; printf 'west:\n  refresh: 1h\n  cache_size: %s\n  read_ahead: %s\n' "$CACHE_SIZE" "$READ_AHEAD"; } >"$WCFG"
mount_east

log "preparing a $SIZE_MIB MiB random file and $DIRS x $FILES empty files on the east mount"
SRC=$ROOT/source.bin
head -c $((SIZE_MIB * 1048576)) /dev/urandom >"$SRC"
cp "$SRC" "$EMNT/big.bin"
head -c $((WARM_MIB * 1048576)) /dev/urandom >"$EMNT/warm.bin"
sync
out=$("$TIERFS" migrate "$EMNT/big.bin" "$EMNT/warm.bin" </dev/null 2>&1) || die "cannot migrate: $out"
[[ $("$TIERFS" state "$EMNT/big.bin") == released* ]] || die "big.bin is not released after migrate"
mkdir "$EMNT/tree"
for ((d = 0; d < DIRS; d++)); do
    mkdir "$EMNT/tree/d$d"
    "$ROOT/fsbench" mkfiles "$EMNT/tree/d$d" "$FILES" 0 >/dev/null || die "cannot create the files of d$d"
done
# The index in step with the tree first (what the live updates of 100,000 creations may still have on
# their way on a busy machine): the listing check below compares the two mounts exactly.
out=$("$TIERFS" scan "$EMNT" </dev/null 2>&1) || die "tierfs scan failed: $out"
out=$("$TIERFS" sync "$EMNT" </dev/null 2>&1) || die "tierfs sync failed: $out"
log "sync: $out"
OBJ_KEY=$(cd "$S3DIR/$BUCKET" && find "$PREFIX" -name '*._S3rver_object' ! -name '.tierfs-parts.*' -size +$((SIZE_MIB / 2))M | sed 's|\._S3rver_object$||')
[[ $(wc -l <<<"$OBJ_KEY") == 1 && -n $OBJ_KEY ]] || die "cannot find big.bin's object in $S3DIR: '$OBJ_KEY'"
OBJ_FILE=$S3DIR/$BUCKET/$OBJ_KEY._S3rver_object
mount_west
TBARGS=(--endpoint "$ENDPOINT" --bucket "$BUCKET" --part-size "$PART_BYTES" --concurrency "$CONCURRENCY" --watch-pid "$S3RVER_PID")

# Once, untimed: both sides bring back the same bytes, both mounts list the same tree.
cmp -s "$WMNT/big.bin" "$SRC" || die "the west mount's big.bin differs from the source"
tb download "${TBARGS[@]}" --key "$OBJ_KEY" --out "$PEER/check.bin" >/dev/null || die "the peer cannot download $OBJ_KEY"
cmp -s "$PEER/check.bin" "$SRC" || die "the peer's download differs from the source"
rm -f "$PEER/check.bin"
# Without the "total" lines: they add up st_blocks, which the namespace does not carry (the west mount
# shows a file's blocks as its size's), and east a directory's may count an xattr block.
listing() { (cd "$1" && ls -lR --time-style=full-iso tree) | grep -v '^total '; }
diff <(listing "$EMNT") <(listing "$WMNT") >"$ROOT/ls.diff" || { cp "$ROOT/ls.diff" "$RESULTS/west-latest-ls.diff"; die "the west listing differs from the east one: $(head -5 "$ROOT/ls.diff") (whole: results/west-latest-ls.diff)"; }
ENTRIES=$(($(listing "$WMNT" | grep -c '^[-d]') + 1))

# ---------------------------------------------------------------- measuring helpers
declare -A VAL=() # "variant|metric" -> space-separated values
LOG=$ROOT/raw.log
: >"$LOG"
rss_mib() { awk '/^VmRSS:/ {printf "%.0f", $2 / 1024}' "/proc/$1/status" 2>/dev/null || echo -; } # PID
kv() { sed -n "s/.*\\b$1=\\([0-9.]*\\).*/\\1/p" <<<"$2"; } # kv NAME "a=1 b=2"
put() { VAL[$1|$2]+="$3 "; }                               # VARIANT METRIC VALUE

# timed VARIANT REP DAEMON_PID COMMAND...: end-to-end seconds, the daemon's and s3rver's CPU, the load; stdout in $OUT.
timed() {
    local variant=$1 rep=$2 pid=$3 s0 d0 t0 t1 s1 d1 rc
    shift 3
    s0=$(proc_cpu "$S3RVER_PID"); d0=$(proc_cpu "$pid")
    t0=$EPOCHREALTIME
    set +e
    OUT=$("$@" 2>"$ROOT/err")
    rc=$?
    set -e
    t1=$EPOCHREALTIME
    s1=$(proc_cpu "$S3RVER_PID"); d1=$(proc_cpu "$pid")
    ((rc == 0)) || die "$variant (run $rep) failed (rc=$rc): $(head -c 600 "$ROOT/err") $OUT"
    E2E=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')
    put "$variant" e2e "$E2E"
    put "$variant" dcpu "$(awk -v t=$((d1 - d0)) -v k="$TICK" 'BEGIN {printf "%.2f", t / k}')"
    put "$variant" s3cpu "$(awk -v t=$((s1 - s0)) -v k="$TICK" 'BEGIN {printf "%.2f", t / k}')"
    put "$variant" load "$(load1)"
    printf '%s\t%s\te2e=%s load=%s %s\n' "$variant" "$rep" "$E2E" "$(load1)" "$OUT" >>"$LOG"
}

fresh_memory() {
    sync
    ((PRETOUCH_MIB > 0)) && dd if=/dev/zero of=/dev/null bs="${PRETOUCH_MIB}M" count=1 iflag=fullblock status=none
    cat "$OBJ_FILE" >/dev/null # the server reads its object from page cache in every run
}

run_read_variant() { # VARIANT REP
    local v=$1 r=$2
    case $v in
        west_read)
            # A fresh daemon (empty part cache, no page cache of the file) that has read another
            # archived file first: its read path is compiled, as in a daemon that has served a while.
            umount_west
            mount_west
            "$ROOT/fsbench" seqread "$WMNT/warm.bin" >/dev/null || die "cannot read warm.bin west"
            fresh_memory
            timed "$v" "$r" "$WEST_PID" "$ROOT/fsbench" seqread "$WMNT/big.bin"
            put "$v" mibs "$OUT"
            umount_west # its memory back before the next run
            ;;
        before_read)
            umount_before
            mount_before
            "$ROOT/fsbench" seqread "$BMNT/warm.bin" >/dev/null || die "cannot read warm.bin west (BEFORE)"
            fresh_memory
            timed "$v" "$r" "$BEFORE_PID" "$ROOT/fsbench" seqread "$BMNT/big.bin"
            put "$v" mibs "$OUT"
            umount_before
            ;;
        peer_dl)
            fresh_memory
            timed "$v" "$r" 0 tb download "${TBARGS[@]}" --key "$OBJ_KEY" --out "$PEER/dl.bin"
            put "$v" mibs "$(awk -v w="$(kv wall "$OUT")" -v m="$SIZE_MIB" 'BEGIN {printf "%.1f", m / w}')"
            rm -f "$PEER/dl.bin"
            ;;
    esac
}

# The kernel's caches of both mounts start cold: each is mounted afresh (the backing's own
# dentries stay cached: the east mount's advantage, if any).
run_ls_variant() { # VARIANT REP
    local v=$1 r=$2
    case $v in
        west_ls)
            umount_west
            mount_west
            timed "$v" "$r" "$WEST_PID" ls -lR "$WMNT/tree"
            put "$v" rss "$(rss_mib "$WEST_PID")"
            ;;
        before_ls)
            umount_before
            mount_before
            timed "$v" "$r" "$BEFORE_PID" ls -lR "$BMNT/tree"
            put "$v" rss "$(rss_mib "$BEFORE_PID")"
            umount_before
            ;;
        east_ls)
            umount_east
            mount_east
            timed "$v" "$r" "$EAST_PID" ls -lR "$EMNT/tree"
            ;;
    esac
}

rotate() { # REP ITEMS... -> the items rotated by REP
    local r=$1 n i
    shift
    n=$#
    local a=("$@")
    for ((i = 0; i < n; i++)); do echo "${a[$(((i + r) % n))]}"; done
}

run_phase() { # NAME RUNNER VARIANT...: REPS rounds of the variants, the order rotated each round
    local name=$1 runner=$2 r v
    shift 2
    log "$name phase: $* x $REPS"
    for ((r = 0; r < REPS; r++)); do
        wait_for_quiet
        for v in $(rotate "$r" "$@"); do "$runner" "$v" "$r"; done
    done
}

# ---------------------------------------------------------------- measuring
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date +%s)
READ_VARIANTS=(west_read peer_dl)
[[ -n ${BEFORE:-} ]] && READ_VARIANTS+=(before_read)
LS_VARIANTS=(west_ls east_ls)
[[ -n ${BEFORE:-} ]] && LS_VARIANTS+=(before_ls)
if [[ " $PHASES " == *" read "* ]]; then run_phase read run_read_variant "${READ_VARIANTS[@]}"; else READ_VARIANTS=(); fi
if [[ " $PHASES " == *" ls "* ]]; then run_phase ls run_ls_variant "${LS_VARIANTS[@]}"; else LS_VARIANTS=(); fi
elapsed=$(($(date +%s) - started))
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------- the table
median() {
    printf '%s\n' "$@" | sort -g | awk 'NF {a[++n] = $1} END {if (!n) print "-"; else if (n % 2) print a[(n + 1) / 2]; else print (a[n / 2] + a[n / 2 + 1]) / 2}'
}
range() { printf '%s\n' "$@" | sort -g | awk 'NF {a[++n] = $1} END {if (n) printf "%s–%s", a[1], a[n]; else print "-"}'; }
med() { median ${VAL[$1|$2]:-}; } # VARIANT METRIC
rng() { range ${VAL[$1|$2]:-}; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2f", a / b}'; }
met() { awk -v r="$1" -v t="$2" 'BEGIN {if (r == "-") print "-"; else if (r >= t) print "yes"; else printf "**no** (%.0f%%)", 100 * r}'; }

TABLE=$ROOT/table.md
{
    echo "# TierFs west benchmark — $(date -u +'%Y-%m-%d %H:%M UTC')"
    echo
    echo "- host: $(uname -r), $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) RAM; data under $BENCH_DIR ($(findmnt -n -o FSTYPE --target "$BENCH_DIR"))"
    echo "- TierFs: ${TIERFS_LABEL:+$TIERFS_LABEL, }binary built $TIERFS_BUILT (repo HEAD now $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')); remote s3 part_size $PART_SIZE, concurrency $CONCURRENCY; west cache_size $CACHE_SIZE, read_ahead $READ_AHEAD"
    echo "- s3rver $S3RVER_VERSION on node $(node --version); peer: tierbench download (AWSSDK.S3, TierFs's client settings, same part size and concurrency, into a file; warm-up untimed)"
    echo "- medians of $REPS interleaved runs (order rotated each run); measuring took ${elapsed}s; load average at start $LOAD_START, at end $LOAD_END; 1-minute load during the runs: west read $(rng west_read load), peer $(rng peer_dl load), ls $(rng west_ls load) / $(rng east_ls load)"
    echo
    echo "| Row | West | Against | West/against | Target | Met? |"
    echo "|---|---:|---:|---:|---|---|"
    r=$(ratio "$(med west_read mibs)" "$(med peer_dl mibs)")
    echo "| Sequential read of a $SIZE_MIB MiB archived file on a fresh west mount (\`fsbench seqread\`, 1 MiB read(2)s, open to end) vs a plain parallel ranged download of the object (tierbench, transfer), MiB/s | $(med west_read mibs) ($(rng west_read mibs)) | $(med peer_dl mibs) ($(rng peer_dl mibs)) | $r | ≥ 0.90 | $(met "$r" 0.9) |"
    if [[ -n ${BEFORE:-} ]]; then
        r=$(ratio "$(med before_read mibs)" "$(med peer_dl mibs)")
        echo "| The same read on ${BEFORE_LABEL:-before}'s west mount vs the same download, MiB/s | $(med before_read mibs) ($(rng before_read mibs)) | $(med peer_dl mibs) | $r | (before) | - |"
    fi
    r=$(ratio "$(med east_ls e2e)" "$(med west_ls e2e)")
    echo "| \`ls -lR\` of $ENTRIES entries, freshly mounted: west vs east, s | $(med west_ls e2e) ($(rng west_ls e2e)) | $(med east_ls e2e) ($(rng east_ls e2e)) | $r (east time / west time) | ≥ 1.0 | $(met "$r" 1.0) |"
    if [[ -n ${BEFORE:-} ]]; then
        r=$(ratio "$(med east_ls e2e)" "$(med before_ls e2e)")
        echo "| The same listing on ${BEFORE_LABEL:-before}'s west mount vs east, s | $(med before_ls e2e) ($(rng before_ls e2e)) | $(med east_ls e2e) | $r (east time / its time) | (before) | - |"
    fi
    echo "| West daemon's resident set after the listing, MiB | $(med west_ls rss) ($(rng west_ls rss)) | $([[ -n ${BEFORE:-} ]] && echo "$(med before_ls rss) (${BEFORE_LABEL:-before})" || echo -) | | report | - |"
    echo
    echo "CPU (medians): west daemon $(med west_read dcpu) s and s3rver $(med west_read s3cpu) s per west read$([[ -n ${BEFORE:-} ]] && echo " (${BEFORE_LABEL:-before}: $(med before_read dcpu) s and $(med before_read s3cpu) s)"); s3rver $(med peer_dl s3cpu) s per peer download (whole command); west daemon $(med west_ls dcpu) s, east daemon $(med east_ls dcpu) s$([[ -n ${BEFORE:-} ]] && echo ", ${BEFORE_LABEL:-before}'s west daemon $(med before_ls dcpu) s") per \`ls -lR\`."
    echo "Raw values: results/west-latest.log (variant, run, values)."
} >"$TABLE"

stamp=$(date +%Y%m%d-%H%M%S)
cp "$TABLE" "$RESULTS/west-latest.md"; cp "$TABLE" "$RESULTS/west-$stamp.md"
cp "$LOG" "$RESULTS/west-latest.log"; cp "$LOG" "$RESULTS/west-$stamp.log"
cat "$TABLE"
log "saved $RESULTS/west-latest.md"
