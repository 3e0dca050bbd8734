#!/usr/bin/env bash
# TierFs scan benchmark: what a user runs, against GUFI, on the same tree of 200,000 files in
# 2,000 directories, warm cache. Run by hand as root (not in CI):
#
#   integration/bench/scan-run.sh
#
# Each repetition runs, in a rotated order:
#   product  `tierfs mount TREE MNT --state-dir EMPTY` (the daemon starts its first scan), then
#            `tierfs scan MNT` until it returns with the index complete (timed from the mount's
#            return), then RESCANS more `tierfs scan MNT` of the unchanged tree; unmount
#   library  the Scanner library called directly (scanbench/): a full scan into a new index and
#            rescans (in the same process, and in a fresh one)
#   gufi     `gufi_dir2index -n THREADS TREE IDX` into a new index directory (GUFI built from
#            source: ../shared/peers/build-peers.sh; the row is left out when it is not there)
#   find     `find -printf` of the same attributes into a file (single-threaded)
# Then a full scan and a rescan of a 1,000,000-entry tree (library), for the peak RSS.
#
# Prints a markdown table and saves it to integration/bench/results/scan-latest.md (raw values in
# results/scan-latest.log). See integration/bench/README.md ("Scan benchmark").
#
# The trees (empty files) are made once and kept under $BENCH_DIR/tierfs-scanbench: tree-200k and
# tree-1m (1,010,000 inodes; delete it by hand when done).
#
# Environment overrides (defaults in brackets):
#   BENCH_DIR [/var/tmp]  (refused if tmpfs)   REPS [5]   THREADS [2]   RESCANS [3]
#   TIERFS [src/TierFs.Cli/bin/Release/net10.0/tierfs]   TIERFS_LABEL [] what that build is
#   GUFI [/opt/peers/GUFI/build/src/gufi_dir2index]
#   BIG [1] run the 1M-file RSS part (0 = skip)
#   TREE_TOP [20] TREE_SUB [99] TREE_FILES [100]  the tree's shape (a smoke test: small numbers;
#             a tree of another shape is kept under its own name)
#   QUIET_WAIT [600] seconds to wait, before each repetition, for the machine to be idle
#   QUIET_LOAD [1] the 1-minute load average that counts as idle
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
TIERFS=${TIERFS:-$REPO/src/TierFs.Cli/bin/Release/net10.0/tierfs}
GUFI=${GUFI:-/opt/peers/GUFI/build/src/gufi_dir2index}
BENCH_DIR=${BENCH_DIR:-/var/tmp}
REPS=${REPS:-5}
THREADS=${THREADS:-2}
RESCANS=${RESCANS:-3}
BIG=${BIG:-1}
TREE_TOP=${TREE_TOP:-20}
TREE_SUB=${TREE_SUB:-99}
TREE_FILES=${TREE_FILES:-100}
QUIET_WAIT=${QUIET_WAIT:-600}
RESULTS=$HERE/results
SCANBENCH=$HERE/scanbench/bin/Release/net10.0/scanbench
TREES=$BENCH_DIR/tierfs-scanbench

# shellcheck source=common.sh
. "$HERE/common.sh"

# ---------------------------------------------------------------- preflight
[[ $(id -u) == 0 ]] || die "run as root (the product rows mount)"
command -v dotnet >/dev/null || die "dotnet is missing"
[[ -x /usr/bin/time ]] || die "/usr/bin/time is missing (apt-get install time)"
[[ -x $TIERFS ]] || die "$TIERFS is missing: build first (cd $REPO && dotnet build TierFs.sln -c Release)"
fstype=$(findmnt -n -o FSTYPE --target "$BENCH_DIR") || die "cannot find the filesystem of $BENCH_DIR"
[[ $fstype != tmpfs && $fstype != ramfs ]] || die "$BENCH_DIR is $fstype: set BENCH_DIR to a disk-backed directory"
if [[ -x $GUFI ]]; then HAVE_GUFI=1; else HAVE_GUFI=0; log "no GUFI at $GUFI (build it with ../shared/peers/build-peers.sh): its row is left out"; fi
(( THREADS == $(nproc) )) || log "THREADS=$THREADS but the product scans with one thread per core ($(nproc)): its rows are not at the same thread count"
log "building scanbench (and the TierFs.Scan it references)"
dotnet build "$HERE/scanbench" -c Release -v quiet -nologo >/dev/null || die "building scanbench failed"
mkdir -p "$TREES" "$RESULTS"
WORK=$(mktemp -d "$TREES/run.XXXXXX")
MNT=$WORK/mnt
mkdir -p "$MNT"
# Run a private copy of the build: a rebuild in the tree during the run must not change what is measured.
private_copy_of_build "$WORK/tierfs-bin"
DAEMON_PID=

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    set +e
    if is_mounted "$MNT"; then "$TIERFS" umount "$MNT" >/dev/null 2>&1 || umount -l "$MNT"; fi
    [[ -n $DAEMON_PID ]] && ! wait_gone "$DAEMON_PID" 20 && kill "$DAEMON_PID" 2>/dev/null
    remove_unless_mounted "$WORK" "$MNT"
    exit "$rc"
}
trap_cleanup

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

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p; s/^$1=\([^ ]*\).*/\1/p" <<<"$2" | head -1; }
median() { sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", b - a}'; }
ticks_s() { awk -v t="$1" -v k="$TICK" 'BEGIN {printf "%.2f", t / k}'; }

if [[ $TREE_TOP/$TREE_SUB/$TREE_FILES == 20/99/100 ]]; then NAME=tree-200k; else NAME=tree-$TREE_TOP-$TREE_SUB-$TREE_FILES; fi
SMALL=$(tree "$NAME" "$TREE_TOP" "$TREE_SUB" "$TREE_FILES")
ENTRIES=$(find "$SMALL" | wc -l) # also the first warming pass
RAW=$WORK/raw.log
: >"$RAW"

# Each run's line in the raw log ends with the load at its start and the CPU time the rest of the
# machine used during it ("other", s): all busy time minus the processes measured.
record() { echo "$* load=$(load1)" >>"$RAW"; }

run_find() {
    local t0 t1 b0 b1
    b0=$(busy_ticks); t0=$EPOCHREALTIME
    /usr/bin/time -f "%U %S" -o "$WORK/find.time" \
        find "$SMALL" -printf '%i %n %m %U %G %s %b %A@ %T@ %C@ %y %p\n' >"$WORK/find.out"
    t1=$EPOCHREALTIME; b1=$(busy_ticks)
    local cpu
    cpu=$(awk '{printf "%.2f", $1 + $2}' "$WORK/find.time")
    record "find wall=$(secs "$t0" "$t1") cpu=$cpu other=$(awk -v b="$(ticks_s $((b1 - b0)))" -v c="$cpu" 'BEGIN {printf "%.2f", b - c}')"
}

# Each run indexes into a new directory; they are deleted only at the end (with $WORK): on ext4,
# inodes freed moments before make the next creates scan past them (recently_deleted()), and
# GUFI creates a database per directory (its system time went from 0.6 s to 4-5 s that way).
run_gufi() {
    local t0 t1 b0 b1 cpu idx=$WORK/gufi/$rep-$k
    mkdir -p "$WORK/gufi"; sync
    b0=$(busy_ticks); t0=$EPOCHREALTIME
    /usr/bin/time -f "%U %S" -o "$WORK/gufi.time" "$GUFI" -n "$THREADS" "$SMALL" "$idx" >"$WORK/gufi.out" 2>&1 ||
        die "gufi_dir2index failed: $(tail -3 "$WORK/gufi.out")"
    t1=$EPOCHREALTIME; b1=$(busy_ticks)
    cpu=$(awk '{printf "%.2f", $1 + $2}' "$WORK/gufi.time")
    record "gufi wall=$(secs "$t0" "$t1") cpu=$cpu other=$(awk -v b="$(ticks_s $((b1 - b0)))" -v c="$cpu" 'BEGIN {printf "%.2f", b - c}') files=$(sed -n 's/^Total Non-Dirs: *//p' "$WORK/gufi.out")"
}

# The full scan into a new index, then in the same process two rescans of the unchanged tree: one
# right after (the load's checkpoint, deferred until the index writer is idle, runs beside it) and
# one as the mount daemon's rescans every interval (a process that has scanned before); then a
# rescan in a fresh process (as the first scan of a daemon started on an existing index).
run_library() {
    local out
    rm -f "$WORK"/index.db*
    out=$("$SCANBENCH" scan "$SMALL" "$WORK/index.db" "$THREADS" again)
    record "lib-full $(sed -n 1p <<<"$out")"
    record "lib-next $(sed -n 2p <<<"$out")"
    record "lib-warm $(sed -n 3p <<<"$out")"
    record "lib-rescan $("$SCANBENCH" scan "$SMALL" "$WORK/index.db" "$THREADS")"
    rm -f "$WORK"/index.db*
}

# `tierfs scan` prints "N entries: a new, b changed, c deleted, d renamed in s s".
summary_field() { # WORD LINE -> the number before WORD
    sed -n "s/.*[ ^]\([0-9][0-9]*\) $1.*/\1/p; s/^\([0-9][0-9]*\) $1.*/\1/p" <<<"$2" | head -1
}

# What a user runs: mount on an empty state directory, `tierfs scan` until it returns, rescans.
run_product() {
    local state=$WORK/state t0 t1 t2 t3 b0 b1 d0 d1 c1 out logged i
    rm -rf "$state"; mkdir "$state"
    t0=$EPOCHREALTIME
    "$TIERFS" mount "$SMALL" "$MNT" --state-dir "$state" >"$WORK/mount.out" 2>&1 || die "tierfs mount failed: $(tail -3 "$WORK/mount.out")"
    t1=$EPOCHREALTIME
    b0=$(busy_ticks)
    DAEMON_PID=$(sed -n 's/.*"Pid":\([0-9]*\).*/\1/p' "/run/tierfs/$(systemd-escape --path "$MNT").json")
    d0=$(proc_cpu "$DAEMON_PID")
    out=$(/usr/bin/time -f "%U %S" -o "$WORK/cli.time" "$TIERFS" scan "$MNT")
    t2=$EPOCHREALTIME
    b1=$(busy_ticks); d1=$(proc_cpu "$DAEMON_PID")
    c1=$(awk '{printf "%d", ($1 + $2) * '"$TICK"'}' "$WORK/cli.time")
    [[ $(summary_field entries "$out") == "$ENTRIES" ]] || die "tierfs scan after the mount did not report $ENTRIES entries: $out"
    logged=$(sed -n 's/.*first scan done: .* in \([0-9.]*\) s.*/\1/p' "$state/tierfs.log")
    record "prod-mount wall=$(secs "$t0" "$t1")"
    # new = ENTRIES: the scan reported is the first scan itself; new = 0: a second pass ran after it.
    record "prod-first wall=$(secs "$t1" "$t2") daemon_cpu=$(ticks_s $((d1 - d0))) cli_cpu=$(ticks_s "$c1") other=$(ticks_s $(((b1 - b0) - (d1 - d0) - c1))) new=$(summary_field new "$out") logged=${logged:-?}"
    for ((i = 1; i <= RESCANS; i++)); do
        b0=$(busy_ticks); d0=$(proc_cpu "$DAEMON_PID")
        t2=$EPOCHREALTIME
        out=$(/usr/bin/time -f "%U %S" -o "$WORK/cli.time" "$TIERFS" scan "$MNT")
        t3=$EPOCHREALTIME
        b1=$(busy_ticks); d1=$(proc_cpu "$DAEMON_PID")
        c1=$(awk '{printf "%d", ($1 + $2) * '"$TICK"'}' "$WORK/cli.time")
        [[ $(summary_field new "$out") == 0 && $(summary_field changed "$out") == 0 ]] || die "a rescan of the unchanged tree found changes: $out"
        record "prod-rescan$i wall=$(secs "$t2" "$t3") daemon_cpu=$(ticks_s $((d1 - d0))) cli_cpu=$(ticks_s "$c1") other=$(ticks_s $(((b1 - b0) - (d1 - d0) - c1))) logged=$(sed -n 's/.* in \([0-9.]*\) s.*/\1/p' <<<"$out")"
    done
    "$TIERFS" umount "$MNT" >/dev/null || die "tierfs umount failed"
    wait_gone "$DAEMON_PID" 20 || die "the mount daemon $DAEMON_PID did not exit"
    DAEMON_PID=
    cp "$state/tierfs.log" "$WORK/last-tierfs.log"
}

KINDS=(product library find)
((HAVE_GUFI)) && KINDS+=(gufi)
find "$SMALL" -printf '%i %n %m %U %G %s %b %A@ %T@ %C@ %y %p\n' >/dev/null
wait_for_quiet
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date +%s)
for ((rep = 0; rep < REPS; rep++)); do
    ((rep == 0)) || wait_for_quiet
    log "repetition $((rep + 1)) of $REPS (load $(load1))"
    for ((k = 0; k < ${#KINDS[@]}; k++)); do
        kind=${KINDS[$(((k + rep) % ${#KINDS[@]}))]}
        "run_$kind"
    done
done
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
elapsed=$(($(date +%s) - started))

col() { grep "^$1 " "$RAW" | while read -r line; do field "$2" "$line"; done | median; }
range() { grep "^$1 " "$RAW" | while read -r line; do field "$2" "$line"; done | sort -g | awk 'NR == 1 {a = $1} {b = $1} END {printf "%s–%s", a, b}'; }
rate() { awk -v n="$ENTRIES" -v s="$1" 'BEGIN {printf "%.0fk", n / s / 1000}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

# ---------------------------------------------------------------- 1M files: peak RSS
BIG_ROWS=""
if [[ $BIG == 1 ]]; then
    LARGE=$(tree tree-1m 100 99 100)
    find "$LARGE" >/dev/null
    rm -f "$WORK"/big.db*
    wait_for_quiet
    for kind in "full scan" rescan; do
        log "1M tree: $kind"
        line=$(/usr/bin/time -f "maxrss_kib=%M" "$SCANBENCH" scan "$LARGE" "$WORK/big.db" "$THREADS" 2>"$WORK/time.txt")
        record "big-${kind% *} $line $(tail -1 "$WORK/time.txt")"
        rss=$(( $(field maxrss_kib "$(tail -1 "$WORK/time.txt")") / 1024 ))
        BIG_ROWS+="| Library, 1M entries, $kind: peak RSS of the scanning process | $rss MB, $(field wall "$line") s | | < 200 MB | $(field entries "$line") entries, index $(( $(field index_bytes "$line") / $(field entries "$line") )) B/entry; load $(load1) |"$'\n'
    done
fi

# ---------------------------------------------------------------- table
PF=$(col prod-first wall); PM=$(col prod-mount wall); PL=$(col prod-first logged)
PR=$(col prod-rescan2 wall); PR1=$(col prod-rescan1 wall)
LF=$(col lib-full wall); LW=$(col lib-warm wall); LN=$(col lib-next wall); LR=$(col lib-rescan wall)
FD=$(col find wall)
BYTES=$(col lib-full index_bytes)
FIRST_NEW=$(grep '^prod-first ' "$RAW" | while read -r l; do field new "$l"; done | sort -u | tr '\n' ' ')
ERRORS=$(grep '^lib-' "$RAW" | grep -vc " errors=0 " || true)
PEER=$FD; PEER_NAME="find -printf"
((HAVE_GUFI)) && { PEER=$(col gufi wall); PEER_NAME="GUFI \`gufi_dir2index -n $THREADS\`"; }
TABLE=$(cat <<EOF
Scan of $ENTRIES entries ($SMALL: $((TREE_TOP * (TREE_SUB + 1))) directories of $TREE_FILES empty files), warm cache, $THREADS threads,
medians of $REPS interleaved repetitions (order rotated); $(nproc) CPUs; load average $LOAD_START at start, $LOAD_END at end;
measuring took ${elapsed}s. TierFs: ${TIERFS_LABEL:+$TIERFS_LABEL, }built $TIERFS_BUILT. Per-run loads and the CPU the rest of the machine used are in the raw log.

| Row | Time (median) | Runs | Target | Notes |
|---|---:|---|---|---|
| Product: \`tierfs mount\` on an empty state directory, until it returns | $PM s | $(range prod-mount wall) | | the first scan starts in the daemon as it gets ready |
| **Product: first scan, from the mount's return until \`tierfs scan\` returns with the index complete** | **$PF s** ($(rate "$PF") entries/s) | $(range prod-first wall) | ≥ 1.0× $PEER_NAME | **$(ratio "$PEER" "$PF")×** the peer; daemon CPU $(col prod-first daemon_cpu) s, CLI $(col prod-first cli_cpu) s; its own log: $PL s; "new" reported: $FIRST_NEW(= $ENTRIES: the first scan itself was reported, no second pass) |
| Product: rescan, \`tierfs scan\` of the unchanged tree (2nd of $RESCANS) | $PR s | $(range prod-rescan2 wall) | ≥ 2× faster than the first scan | $(ratio "$PF" "$PR")× faster; the 1st rescan $PR1 s; daemon CPU $(col prod-rescan2 daemon_cpu) s, CLI $(col prod-rescan2 cli_cpu) s; the daemon's own time $(col prod-rescan2 logged) s |
| Library (scanbench): full scan into an empty index | $LF s ($(rate "$LF") entries/s) | $(range lib-full wall) | | CPU $(col lib-full cpu) s; $(ratio "$PEER" "$LF")× the peer |
| Library: rescan in a process that has scanned before | $LW s | $(range lib-warm wall) | ≥ 2× faster | $(ratio "$LF" "$LW")×; CPU $(col lib-warm cpu) s; right after the full scan: $LN s; in a fresh process: $LR s |
EOF
)
((HAVE_GUFI)) && TABLE+=$'\n'"| GUFI: \`gufi_dir2index -n $THREADS\` into a new index directory | $PEER s ($(rate "$PEER") entries/s) | $(range gufi wall) | | CPU $(col gufi cpu) s; $(col gufi files) files |"
TABLE+=$'\n'"| find -printf of the same attributes into a file | $FD s ($(rate "$FD") entries/s) | $(range find wall) | | CPU $(col find cpu) s, one thread |"
TABLE+=$'\n'"| Index size (library) | $(( ${BYTES%.*} / ENTRIES )) bytes/entry | | ≤ 300 | |"
[[ -n $BIG_ROWS ]] && TABLE+=$'\n'"${BIG_ROWS%$'\n'}"
[[ $ERRORS == 0 ]] || TABLE+=$'\n\n'"Some library scans reported errors: see $RESULTS/scan-latest.log."
echo "$TABLE"
stamp=$(date +%Y%m%d-%H%M%S)
echo "$TABLE" >"$RESULTS/scan-latest.md"
cp "$RESULTS/scan-latest.md" "$RESULTS/scan-$stamp.md"
cp "$RAW" "$RESULTS/scan-latest.log"
cp "$WORK/last-tierfs.log" "$RESULTS/scan-latest-tierfs.log" 2>/dev/null || true
