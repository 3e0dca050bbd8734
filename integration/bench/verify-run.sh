#!/usr/bin/env bash
# TierFs verify benchmark (issue 13): `tierfs verify --level object` of N archived files against the
# test S3 server (s3rver), files per second, against a plain loop of HEAD requests over the same
# object keys with the same concurrency and the same SDK and client settings (integration/bench/
# tierbench, mode heads). Interleaved, medians of REPS runs. Run by hand as root (not in CI):
#
#   dotnet build TierFs.sln -c Release && (cd integration && npm ci) && integration/bench/verify-run.sh
#
# Prints a markdown table and saves it to integration/bench/results/verify-latest.md (raw values in
# results/verify-latest.log). See integration/bench/README.md ("Verify benchmark") for every row.
#
# The files are real archived files: N small files written into the backing tree, then
# `tierfs archive -r` through the mount (records in the xattrs and the index, objects in s3rver).
#
# Environment overrides (defaults in brackets):
#   BENCH_DIR [/var/tmp]  N [100000] files  PER_DIR [1000] files per directory  SIZE [1024] bytes each
#   CONCURRENCY [16] verify.concurrency and the peer's HEADs in flight  WORKERS [16] schedule.workers
#   (the preparation's uploads at once)  BATCH [5000] files per `tierfs archive -r`  REPS [5]  QUIET_WAIT [30]  PORT [random free]
#   TIERFS [src/TierFs.Cli/bin/Release/net10.0/tierfs]  S3RVER [integration/node_modules/.bin/s3rver]
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
N=${N:-100000}
PER_DIR=${PER_DIR:-1000}
SIZE=${SIZE:-1024}
CONCURRENCY=${CONCURRENCY:-16}
WORKERS=${WORKERS:-16}
BATCH=${BATCH:-5000}
BUCKET=verifybench
PREFIX=p/

# shellcheck source=common.sh
. "$HERE/common.sh"

command -v gcc >/dev/null || die "gcc is missing (apt-get install gcc)"
require_mount_bench

ROOT=$(mktemp -d "$BENCH_DIR/tierfs-verifybench.XXXXXX")
BACK=$ROOT/backing MNT=$ROOT/mnt STATE=$ROOT/state CFG=$ROOT/tierfs.yaml
S3RVER_PID='' TIERFS_PID=''
mkdir -p "$ROOT/s3" "$BACK/files" "$MNT" "$STATE" "$RESULTS"
private_copy_of_build "$ROOT/tierfs-bin"

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    set +e
    stop_mount_and_s3rver "$MNT"
    [[ -f $STATE/tierfs.log ]] && cp "$STATE/tierfs.log" "$RESULTS/verify-latest-tierfs.log"
    remove_unless_mounted "$ROOT" "$MNT"
    exit "$rc"
}
trap_cleanup

# ---------------------------------------------------------------- tools
build_tierbench "$ROOT"
gcc -O2 -Wall -o "$ROOT/fsbench" "$HERE/fsbench.c" || die "cannot compile fsbench.c"

# ---------------------------------------------------------------- the archived files
# Written into the backing tree before the mount (its first scan indexes them as plain files), then
# archived through it: every file gets its record and its object as a user's `tierfs archive -r`
# gives them. s3rver's PUTs bound this (one Node.js thread).
log "preparing $N files of $SIZE bytes in directories of $PER_DIR"
for ((d = 0; d * PER_DIR < N; d++)); do
    n=$((N - d * PER_DIR < PER_DIR ? N - d * PER_DIR : PER_DIR))
    mkdir -p "$BACK/files/d$d"
    "$ROOT/fsbench" mkfiles "$BACK/files/d$d" "$n" "$SIZE" >/dev/null
done
sync

# ---------------------------------------------------------------- s3rver and the mount
ENDPOINT=http://127.0.0.1:$PORT
start_s3rver "$ROOT/s3" "$PORT" "$BUCKET" "$ROOT/s3rver.out"
cat >"$CFG" <<EOF
remote:
  type: s3
  endpoint: $ENDPOINT
  bucket: $BUCKET
  prefix: $PREFIX
schedule:
  workers: $WORKERS
verify:
  concurrency: $CONCURRENCY
EOF
mount_tierfs_at "$CFG" "$BACK" "$MNT" "$STATE" "$ROOT/mount.out"

# In commands of BATCH files (whole directories), so that progress shows.
t0=$EPOCHREALTIME
dirs=("$MNT"/files/d*)
step=$(((BATCH + PER_DIR - 1) / PER_DIR))
for ((i = 0; i < ${#dirs[@]}; i += step)); do
    out=$("$TIERFS" archive -r "${dirs[@]:i:step}" </dev/null 2>&1) || die "cannot archive the files: $(tail -3 <<<"$out")"
done
PREP_S=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.0f", b - a}')
PREP_LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
archived=$("$TIERFS" query "$MNT" "SELECT count(*) FROM tier WHERE state = 'archived'" --format csv </dev/null | tail -1)
[[ $archived == "$N" ]] || die "$archived of $N files are archived after tierfs archive -r"
# The peer's keys: every data object in s3rver's store (its files are named KEY._S3rver_object).
KEYS=$ROOT/keys.txt
(cd "$ROOT/s3/$BUCKET" && find "${PREFIX}data" -name '*._S3rver_object' ! -name '.tierfs-parts.*') | sed 's/\._S3rver_object$//' >"$KEYS"
[[ $(wc -l <"$KEYS") == "$N" ]] || die "s3rver holds $(wc -l <"$KEYS") data objects, not $N"
log "archived $N files in ${PREP_S}s ($(awk -v n="$N" -v s="$PREP_S" 'BEGIN {printf "%.0f", n / s}') files/s; load $PREP_LOAD)"

# ---------------------------------------------------------------- measuring
declare -A VAL=()
LOG=$ROOT/raw.log
: >"$LOG"
put() { VAL[$1|$2]+="$3 "; echo "$1 $2 $3" >>"$LOG"; }
kv() { sed -n "s/.*\\b$1=\\([0-9.]*\\).*/\\1/p" <<<"$2"; }
secs() { awk -v t="$1" -v k="$TICK" 'BEGIN {printf "%.2f", t / k}'; }

# timed VARIANT COMMAND...: end to end wall time of COMMAND, and the CPU of the daemon and of s3rver
# over it; its stdout in OUT.
timed() {
    local variant=$1 s0 d0 t0 rc
    shift
    s0=$(proc_cpu "$S3RVER_PID") d0=$(proc_cpu "$TIERFS_PID")
    t0=$EPOCHREALTIME
    set +e
    OUT=$("$@" 2>"$ROOT/err" </dev/null)
    rc=$?
    set -e
    put "$variant" e2e "$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.3f", b - a}')"
    put "$variant" s3cpu "$(secs $(($(proc_cpu "$S3RVER_PID") - s0)))"
    put "$variant" dcpu "$(secs $(($(proc_cpu "$TIERFS_PID") - d0)))"
    ((rc == 0)) || die "$variant failed (rc=$rc): $(head -c 600 "$ROOT/err") $OUT"
}

# A clean run over every file, or the benchmark stops: a verify that found differences did other work.
check_clean() { # WHAT OUT
    grep -q ": $N files, $N objects in .*: 0 missing, 0 size differs, 0 checksum differs, 0 orphans, 0 record/index$" <<<"$2" ||
        die "$1 did not check $N files cleanly: $(tail -2 <<<"$2")"
}

run_variant() { # VARIANT
    case $1 in
        tfs_verify) # the whole mount: every file's record, its object from the one listing of data/, the orphans
            timed "$1" "$TIERFS" verify "$MNT" --level object
            check_clean "tierfs verify" "$OUT"
            ;;
        tfs_verify_files) # the same files by path: one HEAD per file, no listing
            timed "$1" "$TIERFS" verify "$MNT" "$MNT/files" --level object
            check_clean "tierfs verify $MNT/files" "$OUT"
            ;;
        peer_heads | peer_heads_list)
            # Without tiered compilation the fresh peer's code is optimised in its untimed warm-up
            # (the daemon's is long since): see tier-run.sh. peer_heads_list also lists data/ beside
            # its HEADs, as a whole-mount verify did before it took the objects from its listing.
            local list=()
            [[ $1 == peer_heads_list ]] && list=(--list-prefix "${PREFIX}data/")
            timed "$1" env DOTNET_TieredCompilation=0 "$ROOT/tierbench/tierbench" heads --endpoint "$ENDPOINT" --bucket "$BUCKET" \
                --keys "$KEYS" --concurrency "$CONCURRENCY" --watch-pid "$S3RVER_PID" "${list[@]}"
            [[ $(kv reads "$OUT") == "$N" ]] || die "the peer made $(kv reads "$OUT") HEADs, not $N: $OUT"
            put "$1" inproc "$(kv wall "$OUT")"
            put "$1" pcpu "$(kv cpu "$OUT")"
            put "$1" s3cpu_in "$(kv watched_cpu "$OUT")"
            ;;
    esac
}

VARIANTS=(tfs_verify peer_heads tfs_verify_files peer_heads_list)
# One untimed round: the daemon's verify code and s3rver warm, the files' metadata in page cache.
log "warm-up round (untimed)"
for v in "${VARIANTS[@]}"; do run_variant "$v"; done
VAL=()
: >"$LOG"

wait_for_quiet
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date +%s)
for ((r = 0; r < REPS; r++)); do
    for ((i = 0; i < ${#VARIANTS[@]}; i++)); do
        v=${VARIANTS[$(((i + r) % ${#VARIANTS[@]}))]}
        run_variant "$v"
        log "run $r $v: $(awk -v v="$v" '$1 == v && $2 == "e2e" {e = $3} END {print e}' "$LOG") s"
    done
done
elapsed=$(($(date +%s) - started))
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------- the table
median() { printf '%s\n' "$@" | sort -g | awk 'NF {a[++n] = $1} END {if (!n) print "-"; else if (n % 2) print a[(n + 1) / 2]; else print (a[n / 2] + a[n / 2 + 1]) / 2}'; }
range() { printf '%s\n' "$@" | sort -g | awk 'NF {a[++n] = $1} END {if (n) printf "%s–%s", a[1], a[n]}'; }
# shellcheck disable=SC2086
med() { median ${VAL[$1|$2]:-}; }
rate() { awk -v n="$N" -v s="$1" 'BEGIN {if (s == "-" || s == 0) print "-"; else printf "%.0f", n / s}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2f", a / b}'; }
met() { awk -v r="$1" 'BEGIN {if (r == "-") print "-"; else if (r >= 0.9) print "yes"; else printf "**no** (%.0f%%)", 100 * r}'; }

peer=$(rate "$(med peer_heads inproc)")
TABLE=$ROOT/table.md
{
    echo "# TierFs verify benchmark — $(date -u +'%Y-%m-%d %H:%M UTC')"
    echo
    echo "- host: $(uname -r), $(nproc) CPUs; s3rver $("$S3RVER" --version 2>/dev/null || echo '?') on node $(node --version) (loopback), data and backing under $BENCH_DIR ($fstype)"
    echo "- TierFs binary built $TIERFS_BUILT (repo HEAD now $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')); verify.concurrency $CONCURRENCY; peer: tierbench heads (AWSSDK.S3 $(sed -n 's/.*"AWSSDK.S3" Version="\([^"]*\)".*/\1/p' "$REPO/Directory.Packages.props"), TierFs's client settings, $CONCURRENCY HEADs in flight; warm-up untimed, DOTNET_TieredCompilation=0)"
    echo "- $N files of $SIZE bytes, $PER_DIR per directory, archived by \`tierfs archive -r\` ($BATCH files a command, $WORKERS workers) in ${PREP_S}s ($(rate "$PREP_S") files/s; load then $PREP_LOAD)"
    echo "- medians of $REPS interleaved runs (order rotated each run) after an untimed round; measuring took ${elapsed}s; load average at start $LOAD_START, at end $LOAD_END"
    echo
    echo "| Row | TierFs | Peer | TierFs/Peer | Target | Met? |"
    echo "|---|---:|---:|---:|---|---|"
    r=$(ratio "$(rate "$(med tfs_verify e2e)")" "$peer")
    echo "| \`tierfs verify MNT --level object\` (the whole mount: records, one listing of data/ for the objects and the orphans, a HEAD only where it cannot answer; command end to end) vs a plain loop of HEADs, files/s | $(rate "$(med tfs_verify e2e)") | $peer | $r | ≥ 0.90 | $(met "$r") |"
    r=$(ratio "$(rate "$(med tfs_verify_files e2e)")" "$peer")
    echo "| \`tierfs verify MNT MNT/files --level object\` (the same files by path: one HEAD per file, no listing; end to end) vs the same, files/s | $(rate "$(med tfs_verify_files e2e)") | $peer | $r | (extra) | - |"
    r=$(ratio "$(rate "$(med tfs_verify e2e)")" "$(rate "$(med peer_heads_list inproc)")")
    echo "| \`tierfs verify MNT\` vs a plain loop of HEADs **with a plain listing of data/ beside it** (the requests a whole-mount verify made before it took the objects from the listing), files/s | $(rate "$(med tfs_verify e2e)") | $(rate "$(med peer_heads_list inproc)") | $r | (extra) | - |"
    r=$(ratio "$(rate "$(med tfs_verify e2e)")" "$(rate "$(med peer_heads e2e)")")
    echo "| \`tierfs verify MNT\` vs the peer end to end (its process start and warm-up included), files/s | $(rate "$(med tfs_verify e2e)") | $(rate "$(med peer_heads e2e)") | $r | (extra) | - |"
    echo
    echo "### Every variant (medians; range over the runs)"
    echo
    echo "| Variant | end to end, s | HEAD loop, s | client CPU, s | s3rver CPU, s |"
    echo "|---|---:|---:|---:|---:|"
    for v in "${VARIANTS[@]}"; do
        # shellcheck disable=SC2086
        if [[ $v == peer_* ]]; then inner="$(med "$v" inproc) ($(range ${VAL[$v|inproc]}))"; ccpu=$(med "$v" pcpu); s3="$(med "$v" s3cpu) (loop: $(med "$v" s3cpu_in))"
        else inner=-; ccpu="$(med "$v" dcpu) (daemon)"; s3=$(med "$v" s3cpu); fi
        # shellcheck disable=SC2086
        echo "| $v | $(med "$v" e2e) ($(range ${VAL[$v|e2e]})) | $inner | $ccpu | $s3 |"
    done
    echo
    echo "The peer's rate is taken over its HEAD loop alone (from the first request to the last answer, after an untimed warm-up HEAD); TierFs's over the whole command, CLI start to summary line. Raw values: results/verify-latest.log."
} >"$TABLE"

stamp=$(date +%Y%m%d-%H%M%S)
cp "$TABLE" "$RESULTS/verify-latest.md"; cp "$TABLE" "$RESULTS/verify-$stamp.md"
cp "$LOG" "$RESULTS/verify-latest.log"
cat "$TABLE"
log "saved $RESULTS/verify-latest.md"
