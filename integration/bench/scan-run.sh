#!/usr/bin/env bash
# TierFs scan benchmark: the scanner (integration/bench/scanbench, calling the Scanner library
# directly) against `find -printf` of the same attributes into a file, on the same tree of 200,000
# files in 2,000 directories, warm cache, THREADS scan threads. Interleaved, medians of REPS runs.
# Then a full scan and a rescan of a 1,000,000-file tree, for the scanning process's peak RSS.
# Run by hand (not in CI):
#
#   integration/bench/scan-run.sh
#
# Prints a markdown table and saves it to integration/bench/results/scan-latest.md (raw values in
# results/scan-latest.log). See integration/bench/README.md ("Scan benchmark").
#
# The trees (empty files) are made once and kept under $BENCH_DIR/tierfs-scanbench: tree-200k and
# tree-1m (1,010,000 inodes; delete it by hand when done). The indexes and find's output are made
# per run, in a temporary directory there, and deleted at the end.
#
# Environment overrides (defaults in brackets):
#   BENCH_DIR [/var/tmp]  (refused if tmpfs)   REPS [5]   THREADS [2]
#   BIG [1] run the 1M-file RSS part (0 = skip)
#   QUIET_WAIT [60] seconds to wait for the 1-minute load average to fall below 1 before measuring
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
BENCH_DIR=${BENCH_DIR:-/var/tmp}
REPS=${REPS:-5}
THREADS=${THREADS:-2}
BIG=${BIG:-1}
QUIET_WAIT=${QUIET_WAIT:-60}
RESULTS=$HERE/results
SCANBENCH=$HERE/scanbench/bin/Release/net10.0/scanbench
TREES=$BENCH_DIR/tierfs-scanbench

# shellcheck source=common.sh
. "$HERE/common.sh"

# ---------------------------------------------------------------- preflight
command -v dotnet >/dev/null || die "dotnet is missing"
[[ -x /usr/bin/time ]] || die "/usr/bin/time is missing (apt-get install time)"
fstype=$(findmnt -n -o FSTYPE --target "$BENCH_DIR") || die "cannot find the filesystem of $BENCH_DIR"
[[ $fstype != tmpfs && $fstype != ramfs ]] || die "$BENCH_DIR is $fstype: set BENCH_DIR to a disk-backed directory"
log "building scanbench (and the TierFs.Scan it references)"
dotnet build "$HERE/scanbench" -c Release -v quiet -nologo >/dev/null || die "building scanbench failed"
mkdir -p "$TREES" "$RESULTS"
WORK=$(mktemp -d "$TREES/run.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# A tree is made under a temporary name and renamed when complete, so an interrupted creation is
# never taken for the cached tree.
tree() { # NAME TOP SUB FILES
    local dir=$TREES/$1
    if [[ ! -d $dir ]]; then
        log "creating $dir (made once, kept for later runs)"
        rm -rf "$dir.partial"
        "$SCANBENCH" mktree "$dir.partial" "$2" "$3" "$4"
        mv "$dir.partial" "$dir"
    fi
    echo "$dir"
}

now() { date +%s.%N; }
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p; s/^$1=\([^ ]*\).*/\1/p" <<<"$2" | head -1; }
median() { sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }

SMALL=$(tree tree-200k 20 99 100)
ENTRIES=$(find "$SMALL" | wc -l) # also the first warming pass
find "$SMALL" -printf '%i %n %m %U %G %s %b %A@ %T@ %C@ %y %p\n' >/dev/null
wait_for_quiet
LOAD_START=$(cut -d' ' -f1 /proc/loadavg)
RAW=$WORK/raw.log
: >"$RAW"

run_find() {
    local t0 t1
    t0=$(now)
    /usr/bin/time -f "%U %S" -o "$WORK/find.time" \
        find "$SMALL" -printf '%i %n %m %U %G %s %b %A@ %T@ %C@ %y %p\n' >"$WORK/find.out"
    t1=$(now)
    echo "find wall=$(printf '%.3f' "$(echo "$t1 - $t0" | bc)") cpu=$(awk '{printf "%.3f", $1 + $2}' "$WORK/find.time")" >>"$RAW"
}

# The full scan into a new index, then in the same process two rescans of the unchanged tree: one
# right after (the load's checkpoint, deferred until the index writer is idle, runs beside it) and
# one as the mount daemon's rescans every interval (a process that has scanned before); then a
# rescan in a fresh process (as the first scan of a daemon started on an existing index).
run_scans() {
    local out
    rm -f "$WORK"/index.db*
    out=$("$SCANBENCH" scan "$SMALL" "$WORK/index.db" "$THREADS" again)
    echo "full $(sed -n 1p <<<"$out")" >>"$RAW"
    echo "next $(sed -n 2p <<<"$out")" >>"$RAW"
    echo "warm $(sed -n 3p <<<"$out")" >>"$RAW"
    echo "rescan $("$SCANBENCH" scan "$SMALL" "$WORK/index.db" "$THREADS")" >>"$RAW"
}

for rep in $(seq "$REPS"); do
    log "repetition $rep of $REPS"
    if (( rep % 2 )); then run_find; run_scans; else run_scans; run_find; fi
done
LOAD_END=$(cut -d' ' -f1 /proc/loadavg)

col() { grep "^$1 " "$RAW" | while read -r line; do field "$2" "$line"; done | median; }
FIND_S=$(col find wall); FULL_S=$(col full wall); RESCAN_S=$(col rescan wall); WARM_S=$(col warm wall); NEXT_S=$(col next wall)
FIND_CPU=$(col find cpu); FULL_CPU=$(col full cpu); RESCAN_CPU=$(col rescan cpu); WARM_CPU=$(col warm cpu); NEXT_CPU=$(col next cpu)
BYTES=$(col full index_bytes)
rate() { echo "$ENTRIES / $1" | bc; }
FIND_RATE=$(rate "$FIND_S"); FULL_RATE=$(rate "$FULL_S"); RESCAN_RATE=$(rate "$RESCAN_S"); WARM_RATE=$(rate "$WARM_S"); NEXT_RATE=$(rate "$NEXT_S")
ERRORS=$(grep -v "^find" "$RAW" | grep -vc " errors=0 " || true)

# ---------------------------------------------------------------- 1M files: peak RSS
BIG_ROWS=""
if [[ $BIG == 1 ]]; then
    LARGE=$(tree tree-1m 100 99 100)
    find "$LARGE" >/dev/null
    rm -f "$WORK"/big.db*
    for kind in "full scan" rescan; do
        log "1M tree: $kind"
        line=$(/usr/bin/time -f "maxrss_kib=%M" "$SCANBENCH" scan "$LARGE" "$WORK/big.db" "$THREADS" 2>"$WORK/time.txt")
        echo "big-${kind% *} $line $(tail -1 "$WORK/time.txt")" >>"$RAW"
        rss=$(( $(field maxrss_kib "$(tail -1 "$WORK/time.txt")") / 1024 ))
        BIG_ROWS+="| 1M files, $kind: peak RSS of the scanning process | $rss MB | < 200 MB | $(field wall "$line") s, $(field entries "$line") entries, index $(( $(field index_bytes "$line") / $(field entries "$line") )) B/entry |"$'\n'
    done
fi

# ---------------------------------------------------------------- table
ratio() { printf '%.2f' "$(echo "scale=4; $1 / $2" | bc)"; }
TABLE=$(cat <<EOF
Scan of $ENTRIES entries (200,000 files in 2,000 directories, empty files), $THREADS threads, warm cache,
medians of $REPS interleaved runs; load average $LOAD_START at start, $LOAD_END at end; $(nproc) CPUs.

| Row | TierFs scanner | Peer: find -printf | Target | Notes |
|---|---|---|---|---|
| Full scan (empty index) | $FULL_S s, $FULL_RATE entries/s | $FIND_S s, $FIND_RATE entries/s | ≥ peer | $(ratio "$FULL_RATE" "$FIND_RATE")× the peer's rate; CPU $FULL_CPU s (peer $FIND_CPU s) |
| Rescan of the unchanged tree in a process that has scanned before (as the daemon's rescans every interval) | $WARM_S s, $WARM_RATE entries/s | | ≥ 2× faster than the full scan | $(ratio "$FULL_S" "$WARM_S")× faster; CPU $WARM_CPU s |
| Rescan right after the full scan, same process (the load's deferred checkpoint runs beside it) | $NEXT_S s, $NEXT_RATE entries/s | | ≥ 2× faster than the full scan | $(ratio "$FULL_S" "$NEXT_S")× faster; CPU $NEXT_CPU s |
| Rescan of the unchanged tree, in a fresh process (as a daemon's first scan of an existing index) | $RESCAN_S s, $RESCAN_RATE entries/s | | ≥ 2× faster than the full scan | $(ratio "$FULL_S" "$RESCAN_S")× faster; CPU $RESCAN_CPU s |
| Index size | $(( ${BYTES%.*} / ENTRIES )) bytes/entry | | ≤ 300 | $BYTES bytes |
${BIG_ROWS%$'\n'}
EOF
)
[[ $ERRORS == 0 ]] || TABLE+=$'\n\n'"Some scans reported errors: see $RESULTS/scan-latest.log."
echo "$TABLE"
stamp=$(date +%Y%m%d-%H%M%S)
echo "$TABLE" >"$RESULTS/scan-latest.md"
cp "$RESULTS/scan-latest.md" "$RESULTS/scan-$stamp.md"
cp "$RAW" "$RESULTS/scan-latest.log"
