#!/usr/bin/env bash
# TierFs tiering benchmark: recall and migration of a 1 GiB file through TierFs against a plain
# parallel-range download / plain multipart upload of the same object, from the same s3rver, with
# the same SDK and the same part size and concurrency (integration/bench/tierbench). Interleaved,
# medians of REPS runs. Run by hand as root (not in CI):
#
#   dotnet build TierFs.sln -c Release && (cd integration && npm ci) && integration/bench/tier-run.sh
#
# Prints a markdown table and saves it to integration/bench/results/tier-latest.md (raw values in
# results/tier-latest.log). See integration/bench/README.md ("Tiering benchmark") for every row.
#
# Environment overrides (defaults in brackets):
#   BENCH_DIR [/var/tmp]  where the s3rver data, the backing directory and the peer's files go
#                         (refused if tmpfs)
#   REPS [5]  SIZE_MIB [1024]  PART_SIZE [16M]  CONCURRENCY [4]  PORT [random free]
#   QUIET_WAIT [30] seconds to wait for the 1-minute load average to fall below 1 before measuring
#   PHASES ["recall migrate"] which phases run (the rows of a phase left out print "-")
#   RECALL_ONLY [all] the recall variants to run, e.g. "tfs_recall tfs_cat peer_dl lib_stream" (for a
#             quicker A/B; the rows of the others print "-")
#   WARM [2]  untimed recalls of the stub on the fresh daemon before the recall phase (the peer
#             warms up untimed too); the first one's time and RSS are reported apart
#   PRETOUCH_MIB [2047] anonymous memory touched (and freed) right before every timed run, so that the
#                page cache the run allocates is memory the VM already holds (0 = off; see README)
#   PERF_OUT [unset] a file: `perf record -g` of the daemon during the first timed recall on open
#     (`cat`); set DOTNET_PerfMapEnabled=1 and DOTNET_EnableWriteXorExecute=0 in the environment
#     too, for the managed frames' names
#   TIERFS [src/TierFs.Cli/bin/Release/net10.0/tierfs]  TIERFS_LABEL [] (for the header)
#   S3RVER [integration/node_modules/.bin/s3rver]
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SIZE_MIB=${SIZE_MIB:-1024}
PART_SIZE=${PART_SIZE:-16M}
CONCURRENCY=${CONCURRENCY:-4}
PHASES=${PHASES:-recall migrate}
PRETOUCH_MIB=${PRETOUCH_MIB:-2047}
BUCKET=tierbench
PREFIX=p/

# shellcheck source=common.sh
. "$HERE/common.sh"

PART_BYTES=$(bytes_of "$PART_SIZE")

# ---------------------------------------------------------------- preflight
[[ $(id -u) == 0 ]] || die "run as root (FUSE mount with allow_other, /proc/PID/clear_refs of the daemon)"
command -v gcc >/dev/null || die "gcc is missing (apt-get install gcc)"
command -v dotnet >/dev/null || die "dotnet is missing"
command -v node >/dev/null || die "node is missing"
require_mount_bench
need_mib=$((SIZE_MIB * 9 + 512)) # source, stub, migrated file, peer file; s3rver: stub object, uploads, their parts
avail_mib=$(( $(df -Pk "$BENCH_DIR" | awk 'NR==2 {print $4}') / 1024 ))
(( avail_mib > need_mib )) || die "$BENCH_DIR has $avail_mib MiB free, needs about $need_mib MiB"

ROOT=$(mktemp -d "$BENCH_DIR/tierfs-tierbench.XXXXXX")
S3DIR=$ROOT/s3
BACK=$ROOT/backing
MNT=$ROOT/mnt
STATE=$ROOT/state
PEER=$ROOT/peer
CFG=$ROOT/tierfs.yaml
TLOG=$STATE/tierfs.log
S3RVER_PID='' TIERFS_PID=''
mkdir -p "$S3DIR" "$BACK" "$MNT" "$STATE" "$PEER" "$RESULTS"
# A private copy of the build: a rebuild in the tree during the run must not change what is measured.
private_copy_of_build "$ROOT/tierfs-bin"

# ---------------------------------------------------------------- processes and cleanup
umount_tierfs() {
    if is_mounted "$MNT"; then
        "$TIERFS" umount "$MNT" >/dev/null 2>&1 || umount -l "$MNT" 2>/dev/null || true
    fi
    if [[ -n $TIERFS_PID ]] && ! wait_gone "$TIERFS_PID" 20; then
        log "tierfs daemon $TIERFS_PID still running after unmount: killing it"
        kill "$TIERFS_PID" 2>/dev/null || true
        wait_gone "$TIERFS_PID" 5 || kill -9 "$TIERFS_PID" 2>/dev/null || true
    fi
    TIERFS_PID=
}

mount_tierfs() { mount_tierfs_at "$CFG" "$BACK" "$MNT" "$STATE" "$ROOT/tierfs-mount.out"; }

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    set +e
    umount_tierfs
    stop_s3rver
    mkdir -p "$RESULTS"
    [[ -f $TLOG ]] && cp "$TLOG" "$RESULTS/tier-latest-tierfs.log"
    remove_unless_mounted "$ROOT" "$MNT"
    exit "$rc"
}
trap_cleanup

# ---------------------------------------------------------------- tools
build_tierbench "$ROOT"
gcc -O2 -Wall -o "$ROOT/firstbyte" "$HERE/firstbyte.c" || die "cannot compile firstbyte.c"

# ---------------------------------------------------------------- s3rver and the mount
ENDPOINT=http://127.0.0.1:$PORT
start_s3rver "$S3DIR" "$PORT" "$BUCKET" "$ROOT/s3rver.out"
S3RVER_VERSION=$("$S3RVER" --version 2>/dev/null || echo '?')

cat >"$CFG" <<EOF
remote:
  type: s3
  endpoint: $ENDPOINT
  bucket: $BUCKET
  prefix: $PREFIX
  part_size: $PART_SIZE
  concurrency: $CONCURRENCY
  delete_grace: 0s
EOF
mount_tierfs

TBARGS=(--endpoint "$ENDPOINT" --bucket "$BUCKET" --part-size "$PART_BYTES" --concurrency "$CONCURRENCY" --watch-pid "$S3RVER_PID")

# ---------------------------------------------------------------- data
log "preparing a $SIZE_MIB MiB random file in $BENCH_DIR ($fstype)"
SRC=$ROOT/source.bin
head -c $((SIZE_MIB * 1048576)) /dev/urandom >"$SRC"
cp "$SRC" "$BACK/stub.bin"
sync
STUB=$MNT/stub.bin
out=$("$TIERFS" migrate "$STUB" </dev/null 2>&1) || die "cannot migrate the stub: $out"
[[ $("$TIERFS" state "$STUB") == released* ]] || die "stub.bin is not released after migrate: $("$TIERFS" state "$STUB")"
# The data object; its part manifest (.tierfs-parts.*) sits beside it.
OBJ_KEY=$(cd "$S3DIR/$BUCKET" && find . -name '*._S3rver_object' ! -name '.tierfs-parts.*' | sed 's|^\./||; s|\._S3rver_object$||')
[[ $(wc -l <<<"$OBJ_KEY") == 1 && $OBJ_KEY == "$PREFIX"* ]] || die "cannot find the stub's object in $S3DIR: '$OBJ_KEY'"
OBJ_FILE=$S3DIR/$BUCKET/$OBJ_KEY._S3rver_object
# Check once, untimed, that both sides bring back the same bytes.
tb download "${TBARGS[@]}" --key "$OBJ_KEY" --out "$PEER/check.bin" >/dev/null || die "the peer cannot download $OBJ_KEY"
cmp -s "$PEER/check.bin" "$SRC" || die "the peer's download differs from the source"
rm -f "$PEER/check.bin"
"$TIERFS" recall "$STUB" </dev/null >/dev/null 2>&1 || die "tierfs recall failed"
cmp -s "$BACK/stub.bin" "$SRC" || die "the recalled stub differs from the source"

# ---------------------------------------------------------------- measuring helpers
declare -A VAL=()  # "variant|metric" -> space-separated values
LOG=$ROOT/raw.log
: >"$LOG"

kv() { sed -n "s/.*\\b$1=\\([0-9.]*\\).*/\\1/p" <<<"$2"; } # kv NAME "a=1 b=2"

put() { # VARIANT METRIC VALUE
    VAL[$1|$2]+="$3 "
}

# Makes the stub a stub again after a TierFs recall (unchanged archived file: no upload).
rerelease() {
    local i out
    for ((i = 0; i < 600; i++)); do
        out=$("$TIERFS" release "$STUB" </dev/null 2>&1) && [[ $("$TIERFS" state "$STUB") == released* ]] && return 0
        # the last close of a reader reaches the daemon asynchronously; after `firstbyte` the
        # streaming recall goes on to the end of the file before the stub can be released again
        sleep 0.2
    done
    die "cannot release $STUB again: $out"
}

# timed VARIANT REP COMMAND...: runs COMMAND with CPU accounting around it; stdout of the command
# is kept in $OUT. Records e2e (s), s3rver CPU (s), daemon CPU (s, TierFs variants), and the rest
# of the machine's busy time (s) minus s3rver and daemon ("other": the peer, the CLI, other jobs).
timed() {
    local variant=$1 rep=$2 s0 d0 b0 t0 t1 s1 d1 b1 rc
    shift 2
    sync
    ((PRETOUCH_MIB > 0)) && dd if=/dev/zero of=/dev/null bs="${PRETOUCH_MIB}M" count=1 iflag=fullblock status=none
    s0=$(proc_cpu "$S3RVER_PID"); d0=$(proc_cpu "$TIERFS_PID"); b0=$(busy_ticks)
    t0=$EPOCHREALTIME
    set +e
    OUT=$("$@" 2>"$ROOT/err")
    rc=$?
    set -e
    t1=$EPOCHREALTIME
    s1=$(proc_cpu "$S3RVER_PID"); d1=$(proc_cpu "$TIERFS_PID"); b1=$(busy_ticks)
    ((rc == 0)) || die "$variant (run $rep) failed (rc=$rc): $(head -c 600 "$ROOT/err") $OUT"
    E2E=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')
    S3CPU=$(awk -v t=$((s1 - s0)) -v k="$TICK" 'BEGIN {printf "%.2f", t / k}')
    DCPU=$(awk -v t=$((d1 - d0)) -v k="$TICK" 'BEGIN {printf "%.2f", t / k}')
    OTHER=$(awk -v t=$(((b1 - b0) - (s1 - s0) - (d1 - d0))) -v k="$TICK" 'BEGIN {printf "%.2f", t / k}')
    put "$variant" e2e "$E2E"
    if [[ $variant == tfs_* ]]; then
        put "$variant" s3cpu "$S3CPU"; put "$variant" other "$OTHER"
    else
        # the peer measures s3rver's and the machine's CPU over its own transfer (not its start and warm-up)
        put "$variant" s3cpu "$(kv watched_cpu "$OUT")"
        put "$variant" other "$(awk -v b="$(kv busy "$OUT")" -v s="$(kv watched_cpu "$OUT")" -v p="$(kv cpu "$OUT")" 'BEGIN {printf "%.2f", b - s - p}')"
    fi
    [[ $variant == tfs_* ]] && put "$variant" dcpu "$DCPU"
    printf '%s\t%s\te2e=%s s3rver_cpu=%s daemon_cpu=%s other_cpu=%s %s\n' "$variant" "$rep" "$E2E" "$S3CPU" "$DCPU" "$OTHER" "$OUT" >>"$LOG"
}

# The engine's own duration of the newest "archived"/"recalled" line after log line $1.
engine_secs() { # FROM_LINE WORD
    tail -n +"$(($1 + 1))" "$TLOG" | sed -n "s/.* $2 .* in \\([0-9.]*\\)s\$/\\1/p" | tail -1
}

# RSS of the daemon: VmRSS before, VmHWM reset (clear_refs 5) so that it shows the peak of this op.
rss_before() {
    echo 5 >"/proc/$TIERFS_PID/clear_refs"
    RSS0=$(awk '/^VmRSS:/ {print $2}' "/proc/$TIERFS_PID/status")
}
rss_after() { # VARIANT REP
    local hwm rss
    hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$TIERFS_PID/status")
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$TIERFS_PID/status")
    put "$1" rss_before "$(awk -v k="$RSS0" 'BEGIN {printf "%.1f", k / 1024}')"
    put "$1" rss_peak "$(awk -v k="$hwm" 'BEGIN {printf "%.1f", k / 1024}')"
    put "$1" rss_growth "$(awk -v a="$RSS0" -v b="$hwm" 'BEGIN {printf "%.1f", (b - a) / 1024}')"
    put "$1" rss_after "$(awk -v k="$rss" 'BEGIN {printf "%.1f", k / 1024}')"
    printf '%s\t%s\trss_before_kib=%s vmhwm_kib=%s rss_after_kib=%s\n' "$1" "$2" "$RSS0" "$hwm" "$rss" >>"$LOG"
    [[ $2 == 0 && -z ${FIRST_RSS:-} ]] && FIRST_RSS="$1: before $((RSS0 / 1024)) MiB, peak $((hwm / 1024)) MiB, after $((rss / 1024)) MiB"
    return 0
}

# ---------------------------------------------------------------- one run of each variant
cat_to_null() { cat "$1" >/dev/null; } # timed keeps a command's stdout: not 1 GiB of it
run_recall_variant() { # VARIANT REP
    local v=$1 r=$2 l
    cat "$OBJ_FILE" >/dev/null # the server reads its object from page cache in every run
    case $v in
        tfs_recall | tfs_cat | tfs_first | tfs_last)
            [[ $("$TIERFS" state "$STUB") == released* ]] || rerelease
            l=$(wc -l <"$TLOG")
            rss_before
            case $v in
                tfs_recall) timed "$v" "$r" "$TIERFS" recall "$STUB" ;;
                tfs_cat)
                    PERF_PID=
                    [[ -n ${PERF_OUT:-} && $r == 0 ]] && perf_record_process "$TIERFS_PID" "$PERF_OUT" "$ROOT/perf.err"
                    timed "$v" "$r" cat_to_null "$STUB"
                    [[ -z $PERF_PID ]] || { kill -INT "$PERF_PID"; wait "$PERF_PID" || true; }
                    ;;
                tfs_first) timed "$v" "$r" "$ROOT/firstbyte" "$STUB" ;;
                tfs_last) timed "$v" "$r" "$ROOT/firstbyte" "$STUB" 4096 -4096 ;;
            esac
            rss_after "$v" "$r"
            put "$v" engine "$(engine_secs "$l" recalled)"
            [[ $v == tfs_first || $v == tfs_last ]] && { put "$v" first "$(kv first_byte_s "$OUT")"; put "$v" open "$(kv open_s "$OUT")"; }
            rerelease
            ;;
        peer_dl | peer_dl_md5_fsync | peer_dl_crc_wb_fsync | peer_dl_sha_wb_fsync | peer_dl_b3_wb_fsync | lib_dl | lib_stream)
            local extra=()
            [[ $v == peer_dl_md5_fsync ]] && extra=(--md5 --fsync)
            [[ $v == peer_dl_crc_wb_fsync ]] && extra=(--crc32c --early-writeback --fsync)
            [[ $v == peer_dl_sha_wb_fsync ]] && extra=(--sha256 --early-writeback --fsync)
            [[ $v == peer_dl_b3_wb_fsync ]] && extra=(--blake3 --early-writeback --fsync)
            if [[ $v == lib_dl || $v == lib_stream ]]; then
                local mode=lib-download
                [[ $v == lib_stream ]] && mode=lib-stream
                timed "$v" "$r" tb "$mode" "${TBARGS[@]}" --prefix "$PREFIX" --key "${OBJ_KEY#"$PREFIX"}" --out "$PEER/dl.bin"
            else
                timed "$v" "$r" tb download "${TBARGS[@]}" --key "$OBJ_KEY" --out "$PEER/dl.bin" "${extra[@]}"
            fi
            put "$v" inproc "$(kv wall "$OUT")"; put "$v" pcpu "$(kv cpu "$OUT")"
            rm -f "$PEER/dl.bin"
            ;;
    esac
}

run_migrate_variant() { # VARIANT REP
    local v=$1 r=$2 l
    case $v in
        tfs_migrate)
            cp "$SRC" "$BACK/m-$r.bin"
            l=$(wc -l <"$TLOG")
            rss_before
            timed "$v" "$r" "$TIERFS" migrate "$MNT/m-$r.bin"
            rss_after "$v" "$r"
            put "$v" engine "$(engine_secs "$l" archived)"
            [[ $("$TIERFS" state "$MNT/m-$r.bin") == released* ]] || die "m-$r.bin is not released after migrate"
            rm -f "$MNT/m-$r.bin" # its object goes after delete_grace (0 s), at the next deletion pass
            ;;
        peer_up_md5 | peer_up_nomd5)
            local extra=()
            [[ $v == peer_up_nomd5 ]] && extra=(--no-md5)
            cp "$SRC" "$PEER/up-$r.bin" # the same preparation as TierFs's source (a fresh copy, in page cache)
            timed "$v" "$r" tb upload "${TBARGS[@]}" --key "peer/$v-$r" --file "$PEER/up-$r.bin" --delete-after "${extra[@]}"
            put "$v" inproc "$(kv wall "$OUT")"; put "$v" pcpu "$(kv cpu "$OUT")"
            rm -f "$PEER/up-$r.bin"
            ;;
        lib_up)
            cp "$SRC" "$PEER/up-$r.bin"
            timed "$v" "$r" tb lib-upload "${TBARGS[@]}" --prefix peer/ --key "$v-$r" --file "$PEER/up-$r.bin" --delete-after
            put "$v" inproc "$(kv wall "$OUT")"; put "$v" pcpu "$(kv cpu "$OUT")"
            rm -f "$PEER/up-$r.bin"
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

# ---------------------------------------------------------------- measuring
wait_for_quiet
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date +%s)

# A freshly mounted daemon for the recall phase: its first recall shows RSS growth from a cold start.
"$TIERFS" release "$STUB" </dev/null >/dev/null 2>&1 || rerelease
umount_tierfs
mount_tierfs
FIRST_RSS=

# Untimed first: WARM recalls of the stub on the fresh daemon, as the peer warms up untimed (and
# runs fully optimised code). A fresh daemon's first recall runs its recall path as the JIT first
# compiled it (5.4-6.3 s and 7.4-8.7 daemon CPU-s for 1 GiB on 2026-12-04, against 1.7-2.8 s warm),
# which a daemon that has run a while did long before; in a timed run it made an outlier of run 0.
WARM=${WARM:-2}
COLD=
if [[ " $PHASES " == *" recall "* ]]; then
    for ((w = 0; w < WARM; w++)); do
        rss_before
        timed warmup "$w" "$TIERFS" recall "$STUB"
        rss_after warmup "$w"
        ((w == 0)) && COLD="${E2E} s end to end, the daemon ${DCPU} CPU-s (untimed warm-up, then $((WARM - 1)) more)"
        rerelease
    done
fi

RECALL_VARIANTS=(tfs_recall tfs_cat tfs_first tfs_last peer_dl peer_dl_md5_fsync peer_dl_crc_wb_fsync peer_dl_sha_wb_fsync peer_dl_b3_wb_fsync lib_dl lib_stream)
# shellcheck disable=SC2206 # a list of words
[[ -z ${RECALL_ONLY:-} ]] || RECALL_VARIANTS=($RECALL_ONLY)
MIGRATE_VARIANTS=(tfs_migrate peer_up_md5 peer_up_nomd5 lib_up)
run_phase() { # NAME RUNNER VARIANT...: REPS rounds of the variants, the order rotated each round
    local name=$1 runner=$2 r v
    shift 2
    log "$name phase: $* x $REPS"
    for ((r = 0; r < REPS; r++)); do
        for v in $(rotate "$r" "$@"); do "$runner" "$v" "$r"; done
    done
}
# A phase left out has no variants: its rows print "-".
if [[ " $PHASES " == *" recall "* ]]; then run_phase recall run_recall_variant "${RECALL_VARIANTS[@]}"; else RECALL_VARIANTS=(); fi
if [[ " $PHASES " == *" migrate "* ]]; then run_phase migration run_migrate_variant "${MIGRATE_VARIANTS[@]}"; else MIGRATE_VARIANTS=(); fi
elapsed=$(($(date +%s) - started))
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
STATE_RTT=$( { t0=$EPOCHREALTIME; "$TIERFS" state "$STUB" >/dev/null; t1=$EPOCHREALTIME; awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}'; } )

# ---------------------------------------------------------------- the table
range() { printf '%s\n' "$@" | sort -g | awk 'NF {a[++n] = $1} END {if (n) printf "%s–%s", a[1], a[n]}'; }
med() { # VARIANT METRIC
    # shellcheck disable=SC2086
    median ${VAL[$1|$2]:-}
}
mibs() { awk -v s="$1" -v m="$SIZE_MIB" 'BEGIN {if (s == "-" || s == 0) print "-"; else printf "%.0f", m / s}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2f", a / b}'; }
met() { # RATIO TARGET
    awk -v r="$1" -v t="$2" 'BEGIN {if (r == "-") print "-"; else if (r >= t) print "yes"; else printf "**no** (%.0f%%)", 100 * r}'
}

rss_row() { # LABEL VARIANT...: median and max RSS growth over the variants' runs, target < 64 MiB
    local label=$1 v all=() mx
    shift
    for v in "$@"; do read -r -a vs <<<"${VAL[$v|rss_growth]:-}"; all+=("${vs[@]}"); done
    mx=$(printf '%s\n' "${all[@]}" | sort -g | tail -1)
    echo "| $label | $(median "${all[@]}") (max $mx) | - | - | < 64 | $(awk -v g="$mx" 'BEGIN {print (g < 64) ? "yes" : "**no**"}') |"
}

peer_dl=$(mibs "$(med peer_dl inproc)")
peer_dl_e2e=$(mibs "$(med peer_dl e2e)")
peer_up=$(mibs "$(med peer_up_md5 inproc)")
peer_up_e2e=$(mibs "$(med peer_up_md5 e2e)")
peer_up_nomd5=$(mibs "$(med peer_up_nomd5 inproc)")

TABLE=$ROOT/table.md
{
    echo "# TierFs tiering benchmark — $(date -u +'%Y-%m-%d %H:%M UTC')"
    echo
    echo "- host: $(uname -r), $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) RAM; s3rver data, backing and peer files under $BENCH_DIR ($fstype, $(findmnt -n -o SOURCE --target "$BENCH_DIR"))"
    echo "- TierFs: ${TIERFS_LABEL:+$TIERFS_LABEL, }binary built $TIERFS_BUILT (repo HEAD now $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')$( [[ -n $(git -C "$REPO" status --porcelain -- src/TierFs.Remote src/TierFs.Tiering 2>/dev/null) ]] && echo ', Remote/Tiering sources have uncommitted changes')); remote s3 part_size $PART_SIZE, concurrency $CONCURRENCY"
    echo "- s3rver $S3RVER_VERSION on node $(node --version) at $ENDPOINT; peer: tierbench (AWSSDK.S3 $(sed -n 's/.*"AWSSDK.S3" Version="\([^"]*\)".*/\1/p' "$REPO/Directory.Packages.props"), TierFs's client settings, part size and concurrency; warm-up untimed, DOTNET_TieredCompilation=0); TierFs: $WARM untimed recalls on the fresh daemon first"
    echo "- object $SIZE_MIB MiB of random bytes; medians of $REPS interleaved runs (order rotated each run); $( ((PRETOUCH_MIB > 0)) && echo "$PRETOUCH_MIB MiB of memory touched before each run" || echo "no memory pre-touch"); measuring took ${elapsed}s; load average at start $LOAD_START, at end $LOAD_END"
    echo
    echo "| Row | TierFs | Peer | TierFs/Peer | Target | Met? |"
    echo "|---|---:|---:|---:|---|---|"
    r=$(ratio "$(mibs "$(med tfs_recall e2e)")" "$peer_dl")
    echo "| Recall 1 GiB: \`tierfs recall\` (command, end to end) vs plain parallel-range download, MiB/s | $(mibs "$(med tfs_recall e2e)") | $peer_dl | $r | ≥ 0.90 | $(met "$r" 0.9) |"
    r=$(ratio "$(mibs "$(med tfs_recall engine)")" "$peer_dl")
    echo "| Recall 1 GiB: the engine's own time (log) vs the same, MiB/s | $(mibs "$(med tfs_recall engine)") | $peer_dl | $r | ≥ 0.90 | $(met "$r" 0.9) |"
    r=$(ratio "$(mibs "$(med tfs_cat engine)")" "$peer_dl")
    echo "| Recall 1 GiB on open (\`cat\`): the engine's recall time vs the same, MiB/s | $(mibs "$(med tfs_cat engine)") | $peer_dl | $r | ≥ 0.90 | $(met "$r" 0.9) |"
    r=$(ratio "$(mibs "$(med tfs_cat e2e)")" "$peer_dl")
    echo "| \`cat stub > /dev/null\` end to end (recall on open + 1 GiB read through FUSE) vs the same, MiB/s | $(mibs "$(med tfs_cat e2e)") | $peer_dl | $r | - | - |"
    r=$(ratio "$(mibs "$(med tfs_recall engine)")" "$(mibs "$(med peer_dl_b3_wb_fsync inproc)")")
    echo "| Recall engine time vs a peer doing the same work (BLAKE3 and CRC32C per part, writeback per part, fsync), MiB/s | $(mibs "$(med tfs_recall engine)") | $(mibs "$(med peer_dl_b3_wb_fsync inproc)") | $r | (extra) | - |"
    for v in peer_dl_b3_wb_fsync peer_dl_sha_wb_fsync peer_dl_crc_wb_fsync; do
        case $v in
            peer_dl_b3_wb_fsync) what="BLAKE3 + CRC32C per part (the digest recalls verify)" ;;
            peer_dl_sha_wb_fsync) what="SHA-256 + CRC32C per part (the other candidate)" ;;
            peer_dl_crc_wb_fsync) what="CRC32C alone per part (what recalls verified before: forgeable)" ;;
        esac
        r=$(ratio "$(mibs "$(med $v inproc)")" "$peer_dl")
        echo "| A peer hashing $what, writeback per part, fsync, vs plain (client CPU $(med $v pcpu) s against $(med peer_dl pcpu) s), MiB/s | $(mibs "$(med $v inproc)") | $peer_dl | $r | (extra) | - |"
    done
    r=$(ratio "$(mibs "$(med peer_dl_md5_fsync inproc)")" "$peer_dl")
    echo "| A peer that verifies with MD5 per part and fsyncs (what a recall of a record older than the BLAKE3 form costs) vs plain, MiB/s | $(mibs "$(med peer_dl_md5_fsync inproc)") | $peer_dl | $r | (extra) | - |"
    r=$(ratio "$(mibs "$(med lib_dl inproc)")" "$peer_dl")
    echo "| TierFs.Remote DownloadAsync alone (BLAKE3 and CRC32C, in the peer's process) vs plain download, MiB/s | $(mibs "$(med lib_dl inproc)") | $peer_dl | $r | (extra) | - |"
    r=$(ratio "$(mibs "$(med lib_stream inproc)")" "$peer_dl")
    echo "| TierFs.Remote's streaming recall transfer alone (VerifiedReader + PartFetch, fsync, in the peer's process; client CPU $(med lib_stream pcpu) s) vs plain download, MiB/s | $(mibs "$(med lib_stream inproc)") | $peer_dl | $r | (extra) | - |"
    r=$(ratio "$(mibs "$(med tfs_migrate e2e)")" "$peer_up")
    echo "| Migrate 1 GiB: \`tierfs migrate\` (archive + release, end to end) vs plain multipart upload **with Content-MD5 per part**, MiB/s | $(mibs "$(med tfs_migrate e2e)") | $peer_up | $r | ≥ 0.90 | $(met "$r" 0.9) |"
    r=$(ratio "$(mibs "$(med tfs_migrate engine)")" "$peer_up")
    echo "| Migrate 1 GiB: the engine's archive time (log) vs the same, MiB/s | $(mibs "$(med tfs_migrate engine)") | $peer_up | $r | ≥ 0.90 | $(met "$r" 0.9) |"
    r=$(ratio "$(mibs "$(med tfs_migrate e2e)")" "$peer_up_nomd5")
    echo "| Migrate 1 GiB end to end vs plain multipart upload **without** Content-MD5, MiB/s | $(mibs "$(med tfs_migrate e2e)") | $peer_up_nomd5 | $r | (extra) | - |"
    r=$(ratio "$(mibs "$(med lib_up inproc)")" "$peer_up")
    echo "| TierFs.Remote UploadAsync alone (in the peer's process) vs plain upload with MD5, MiB/s | $(mibs "$(med lib_up inproc)") | $peer_up | $r | (extra) | - |"
    # Streaming recall: the first (or last) 4 KiB against the full recall on open of the same file in the same run.
    full=$(med tfs_cat engine)
    for v in tfs_first tfs_last; do
        [[ $v == tfs_first ]] && what="Open-to-first-4-KiB of a 1 GiB stub (\`firstbyte\`: open() to the first pread() returning data)" \
                              || what="Open-to-last-4-KiB of a 1 GiB stub (\`firstbyte FILE 4096 -4096\`)"
        f=$(med $v first)
        r=$(awk -v a="$f" -v b="$full" 'BEGIN {if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2f%%", 100 * a / b}')
        ok=$(awk -v a="$f" -v b="$full" -v first="$([[ $v == tfs_first ]] && echo 1 || echo 0)" 'BEGIN {if (a == "-" || b == "-") print "-"; else if (a <= 0.02 * b && (!first || a <= 0.05)) print "yes"; else print "**no**"}')
        echo "| $what, ms (open() itself $(awk -v s="$(med $v open)" 'BEGIN {printf "%.1f", 1000 * s}') ms); against the full recall on open (engine time, \`cat\` row) | $(awk -v s="$f" 'BEGIN {printf "%.1f", 1000 * s}') | $(awk -v s="$full" 'BEGIN {printf "%.0f", 1000 * s}') | $r | $([[ $v == tfs_first ]] && echo '≤ 50 ms and ≤ 2%' || echo '≤ 2%') | $ok |"
    done
    rss_row "Daemon RSS growth during a 1 GiB recall (\`tierfs recall\`; VmHWM − VmRSS before), MiB" tfs_recall
    rss_row "Daemon RSS growth during a 1 GiB recall on open (\`cat\`, \`firstbyte\`), MiB" tfs_cat tfs_first tfs_last
    echo
    echo "Peer end to end (process start, client setup and transfer, as the TierFs command rows): download $peer_dl_e2e MiB/s, upload with MD5 $peer_up_e2e MiB/s. A no-op \`tierfs state\` round trip (CLI start + control socket) took ${STATE_RTT}s."
    echo
    echo "First recall on the freshly mounted daemon${COLD:+: $COLD} — RSS of $FIRST_RSS."
    echo
    echo "### Every variant (medians; range over the runs)"
    echo
    echo "| Variant | end to end, s | transfer / engine, s | MiB/s (of that) | client CPU, s | s3rver CPU, s (% of one core) | rest of machine CPU, s | daemon RSS before → peak → after, MiB |"
    echo "|---|---:|---:|---:|---:|---:|---:|---|"
    for v in "${RECALL_VARIANTS[@]}" "${MIGRATE_VARIANTS[@]}"; do
        e2e=$(med "$v" e2e)
        if [[ $v == tfs_* ]]; then ik=engine; ccpu=$(med "$v" dcpu); else ik=inproc; ccpu=$(med "$v" pcpu); fi
        inner=$(med "$v" "$ik")
        s3=$(med "$v" s3cpu)
        win=$e2e; [[ $v == tfs_* ]] || win=$inner # the window the CPU times were taken over
        s3pct=$(awk -v c="$s3" -v w="$win" 'BEGIN {printf "%.0f%%", 100 * c / w}')
        rss=-
        [[ -n ${VAL[$v|rss_before]:-} ]] && rss="$(med "$v" rss_before) → $(med "$v" rss_peak) → $(med "$v" rss_after)"
        # shellcheck disable=SC2086
        echo "| $v | $e2e ($(range ${VAL[$v|e2e]})) | $inner ($(range ${VAL[$v|$ik]:-})) | $(mibs "$inner") | $ccpu | $s3 ($s3pct) | $(med "$v" other) | $rss |"
    done
    echo
    echo "CPU times are taken over the whole command for tfs_* (daemon = client), over the timed transfer only for peer_* and lib_* (the peer measures itself, s3rver and /proc/stat). \"rest of machine\" = all busy CPU time on the host in that window minus s3rver and the client: the tierfs CLI or cat, the kernel's writeback threads, and other jobs on the host (noise)."
    echo
    echo "Raw values: results/tier-latest.log (variant, run, values)."
} >"$TABLE"
if ((SIZE_MIB != 1024)); then sed -i "s/1 GiB/$SIZE_MIB MiB/g" "$TABLE"; fi

stamp=$(date +%Y%m%d-%H%M%S)
cp "$TABLE" "$RESULTS/tier-latest.md"; cp "$TABLE" "$RESULTS/tier-$stamp.md"
cp "$LOG" "$RESULTS/tier-latest.log"; cp "$LOG" "$RESULTS/tier-$stamp.log"
cat "$TABLE"
log "saved $RESULTS/tier-latest.md"
