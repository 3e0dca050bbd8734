#!/usr/bin/env bash
# The resident reader of storm-run.sh beside synthetic neighbours (beside.c), each in a session of
# its own: what this machine takes from a CPU-bound reader while other work runs, whatever that
# work is. The yardstick for storm-run.sh's row (a recall storm is one such neighbour: the daemon's
# and the S3 server's threads, short runs and many wakeups). No mount, no server; by hand:
#
#   integration/bench/beside-run.sh
#
# The reader reads a file on the backing filesystem directly (a passthrough mount sends its reads
# there too), alone and beside each neighbour, alternating which comes first; medians of REPS.
# Prints a markdown table and saves it to integration/bench/results/beside-latest.md.
#
# Environment overrides (defaults in brackets):
#   BENCH_DIR [/var/tmp]  HOT_MIB [1024] the reader's file  REPS [5]  QUIET_WAIT [30]
#   COUNT [745664] random 4 KiB reads per run (about a second, as in storm-run.sh)
#   NEIGHBOURS ["spin 1;spin 2;mem 1;mem 2;pingpong 2 60;pingpong 4 60"] beside.c's arguments, one
#     neighbour each, separated by ";" ("pingpong 8 0", four pairs passing as fast as they can, can
#     starve the reader for a minute per run: see the README)
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HOT_MIB=${HOT_MIB:-1024}
COUNT=${COUNT:-745664}
NEIGHBOURS=${NEIGHBOURS:-spin 1;spin 2;mem 1;mem 2;pingpong 2 60;pingpong 4 60}

# shellcheck source=common.sh
. "$HERE/common.sh"
command -v gcc >/dev/null || die "gcc is missing (apt-get install gcc)"
FSTYPE=$(findmnt -n -o FSTYPE -T "$BENCH_DIR")
[[ $FSTYPE != tmpfs ]] || die "BENCH_DIR $BENCH_DIR is tmpfs: the reader must read a disk filesystem's page cache"

ROOT=$(mktemp -d "$BENCH_DIR/tierfs-besidebench.XXXXXX")
NEIGHBOUR=''
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    [[ -n $NEIGHBOUR ]] && kill -KILL "$NEIGHBOUR" 2>/dev/null
    rm -rf "$ROOT"
    exit "$rc"
}
trap cleanup EXIT INT TERM

gcc -O2 -Wall -o "$ROOT/fsbench" "$HERE/fsbench.c" || die "cannot compile fsbench.c"
gcc -O2 -Wall -pthread -o "$ROOT/beside" "$HERE/beside.c" || die "cannot compile beside.c"
log "preparing a $HOT_MIB MiB file"
"$ROOT/fsbench" mkfile "$ROOT/hot.bin" "$HOT_MIB" >/dev/null

# The file warmed right before each run of the reader (the host pages out page cache left idle for
# about a minute); before a neighbour starts, so that the warming is not slowed by it.
warm() { cat "$ROOT/hot.bin" >/dev/null; }
# One run of the reader: reads/s on stdout; its schedstat line ("randread: T s: on a CPU X s,
# waiting for a CPU W s") in $ROOT/sched.
reader() { "$ROOT/fsbench" randread "$ROOT/hot.bin" "$COUNT" 7 2>"$ROOT/sched"; }
wait_share() { sed -n 's/^randread: \([0-9.]*\) s: .*waiting for a CPU \([0-9.]*\) s$/\2 \1/p' "$ROOT/sched" | awk '{printf "%.3f", $1 / $2}'; }

# The reader beside the neighbour ARGS, started in a session of its own and awaited until every
# thread of it runs; sets BESIDE, WAIT and NB_LINE (its CPU and switches while it ran). The
# neighbour names its pid (setsid may fork).
beside() { # ARGS...
    local line
    warm
    coproc NB { exec setsid "$ROOT/beside" "$@"; }
    read -r -t 10 -u "${NB[0]}" line && [[ $line == ready\ * ]] || die "neighbour '$*' did not start: $line"
    NEIGHBOUR=${line#ready }
    BESIDE=$(reader)
    WAIT=$(wait_share)
    kill -TERM "$NEIGHBOUR"
    read -r -t 10 -u "${NB[0]}" NB_LINE || die "neighbour '$*' did not report"
    wait_gone "$NEIGHBOUR" 10 || die "neighbour '$*' did not end"
    NEIGHBOUR=''
}

wait_for_quiet
declare -a ROWS=()
IFS=';' read -r -a LIST <<<"$NEIGHBOURS"
for spec in "${LIST[@]}"; do
    read -r -a args <<<"$spec"
    alone=() besides=() waits=() cores=() switches=()
    for ((r = 1; r <= REPS; r++)); do
        if ((r % 2)); then
            warm; a=$(reader); beside "${args[@]}"
        else
            beside "${args[@]}"; warm; a=$(reader)
        fi
        read -r c s < <(awk '{for (i = 1; i <= NF; i++) {split($i, kv, "="); v[kv[1]] = kv[2]} printf "%.2f %.0f\n", v["cpu_s"] / v["seconds"], v["switches"] / v["seconds"]}' <<<"$NB_LINE")
        alone+=("$a") besides+=("$BESIDE") waits+=("$WAIT") cores+=("$c") switches+=("$s")
        log "$spec, run $r: alone $a, beside $BESIDE reads/s; the reader waited for a CPU $WAIT of its time; neighbour $NB_LINE; load $(load1)"
    done
    al=$(median "${alone[@]}") be=$(median "${besides[@]}")
    ratios=$(paste -d' ' <(printf '%s\n' "${besides[@]}") <(printf '%s\n' "${alone[@]}") | awk '{printf "%s%.2f", (NR > 1 ? ", " : ""), $1 / $2}')
    ROWS+=("| \`$spec\` | $(printf '%.2f' "$(median "${cores[@]}")") | $(printf '%.0f' "$(median "${switches[@]}")") | $(printf '%.0f' "$al") | $(printf '%.0f' "$be") | **$(awk -v b="$be" -v a="$al" 'BEGIN {printf "%.2f", b / a}')** ($ratios) | $(printf '%.3f' "$(median "${waits[@]}")") |")
done

{
    echo "# The resident reader beside synthetic neighbours — $(date -u +'%Y-%m-%d %H:%M') UTC"
    echo
    echo "- host: $(uname -r), $(nproc) CPUs; the reader: $COUNT random 4 KiB reads of a $HOT_MIB MiB file on $FSTYPE (page cache, warmed), medians of $REPS runs alone and beside each neighbour (alternating which comes first); each neighbour in a session of its own"
    echo
    echo "| Neighbour (\`beside\` arguments) | its CPUs busy | its context switches/s | reader alone, reads/s | beside it | beside vs alone (runs) | reader waiting for a CPU beside it (share of its time) |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    printf '%s\n' "${ROWS[@]}"
} | tee "$RESULTS/beside-latest.md"
