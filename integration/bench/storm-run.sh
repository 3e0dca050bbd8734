#!/usr/bin/env bash
# TierFs recall-storm benchmark: N concurrent opens of N distinct small stubs (a recall each, from
# s3rver) while another reader reads a resident file through the same mount. Reports whether every
# open succeeded, the daemon's thread count (before and at its peak during the storm), the storm's
# latencies, and the resident reader's rate during the storm against its rate alone (the same
# reads, the same mount, the same run; medians of REPS interleaved runs). Run by hand as root:
#
#   dotnet build TierFs.sln -c Release && (cd integration && npm ci) && integration/bench/storm-run.sh
#
# Prints a markdown table and saves it to integration/bench/results/storm-latest.md.
#
# Environment overrides (defaults in brackets):
#   BENCH_DIR [/var/tmp]  N [1000] stubs  SMALL_KIB [64] their size  HOT_MIB [1024] the resident file
#   REPS [5]  QUIET_WAIT [30]  PORT [random free]  WARM [3] untimed storms before the timed ones
#   RECALL_MAX_CONCURRENT [the product's default, 16] recall.max_concurrent of the mount
#   S3RVER_NICE [0] s3rver runs at this nice, in a session of its own (it stands for a server on
#     other machines; the kernel shares the CPU between sessions first, autogroups)
#   DAEMON_NICE [0] the daemon's session (autogroup) at this nice, as systemd's CPUWeight= would
#     weigh its service
#   STORM_SESSION [shared] own: the storm runs in a session of its own (as an indexer, a virus
#     scanner or a backup agent would, a service or another user's login), shared: in this script's
#     session, with the resident reader (one user doing both)
#   MOUNT_OPTS [none] -o options of the mount (threads=N,idle_threads=N, ...)
#   S3RVER_LOG [0] 1: s3rver logs every request, and the table gives the requests per recall by
#     method (the logging costs s3rver CPU: its CPU row is then not comparable)
#   PERF_OUT [unset] a file: `perf record -g` of the daemon during the first timed storm (set
#     DOTNET_PerfMapEnabled=1 in the environment too, for the managed frames' names)
#   TRACE_OUT [unset] a file: `dotnet-trace collect-linux --profile cpu-sampling` of the daemon (the
#     kernel's CPU samples, managed frames named) for TRACE_SECONDS [6] from just before the first
#     timed storm (`dotnet-trace report FILE topN` reads it;
#     DOTNET_TRACE names the tool if it is not on PATH)
#   PERF_ALL_OUT [unset] a file: `perf record -a` of the whole machine (samples, no call graphs)
#     during the first timed storm: who takes the CPUs while the reader runs, by command (`perf
#     report --sort comm`; `perf script -F comm,cpu,time` to take the reader's CPU and time window)
#   REMOTE [s3] directory: the stubs' remote tier is a directory here (no S3 server, no HTTP): the
#     daemon's own work per recall, alone on the CPUs
#   STRACE_OUT [unset] a file: `strace -c -f` of the daemon during the first timed storm (its system
#     calls by kind; strace slows the storm several times over, so that run's other rows are not
#     comparable)
#   TIERFS [src/TierFs.Cli/bin/Release/net10.0/tierfs]  S3RVER [integration/node_modules/.bin/s3rver]
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
N=${N:-1000}
SMALL_KIB=${SMALL_KIB:-64}
HOT_MIB=${HOT_MIB:-1024}
BUCKET=stormbench

# shellcheck source=common.sh
. "$HERE/common.sh"

command -v gcc >/dev/null || die "gcc is missing (apt-get install gcc)"
require_mount_bench

ROOT=$(mktemp -d "$BENCH_DIR/tierfs-stormbench.XXXXXX")
BACK=$ROOT/backing MNT=$ROOT/mnt STATE=$ROOT/state CFG=$ROOT/tierfs.yaml
S3RVER_PID='' TIERFS_PID='' SAMPLER_PID=''
mkdir -p "$ROOT/s3" "$BACK/cold" "$MNT" "$STATE" "$RESULTS"
private_copy_of_build "$ROOT/tierfs-bin"

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    set +e
    [[ -n $SAMPLER_PID ]] && kill "$SAMPLER_PID" 2>/dev/null
    stop_mount_and_s3rver "$MNT"
    [[ -f $STATE/tierfs.log ]] && cp "$STATE/tierfs.log" "$RESULTS/storm-latest-tierfs.log"
    remove_unless_mounted "$ROOT" "$MNT"
    exit "$rc"
}
trap_cleanup

gcc -O2 -Wall -pthread -o "$ROOT/storm" "$HERE/storm.c" || die "cannot compile storm.c"
case ${STORM_SESSION:=shared} in
    shared) STORM=("$ROOT/storm") ;;
    own) STORM=(setsid -w "$ROOT/storm") ;;
    *) die "STORM_SESSION must be shared or own, not $STORM_SESSION" ;;
esac
gcc -O2 -Wall -o "$ROOT/fsbench" "$HERE/fsbench.c" || die "cannot compile fsbench.c"

# ---------------------------------------------------------------- s3rver and the mount
start_s3rver "$ROOT/s3" "$PORT" "$BUCKET" "$ROOT/s3rver.out"

# Recall admission as shipped (its defaults bound the concurrent recalls and the queue): the storm
# is what a user's `grep -r` over a cold tree does.
cat >"$CFG" <<EOF
remote:
  type: s3
  endpoint: http://127.0.0.1:$PORT
  bucket: $BUCKET
  prefix: p/
EOF
# REMOTE=directory: the stubs' remote tier is a directory on this machine (no S3 server, no HTTP).
[[ ${REMOTE:=s3} == s3 || $REMOTE == directory ]] || die "REMOTE must be s3 or directory, not $REMOTE"
if [[ $REMOTE == directory ]]; then
    mkdir -p "$ROOT/archive"
    printf 'remote:\n  type: directory\n  path: %s\n' "$ROOT/archive" >"$CFG"
fi
# RECALL_MAX_CONCURRENT: the admission's max_concurrent for this run (default: the product's).
[[ -n ${RECALL_MAX_CONCURRENT:-} ]] && printf 'recall:\n  max_concurrent: %s\n' "$RECALL_MAX_CONCURRENT" >>"$CFG"

log "preparing $N stubs of $SMALL_KIB KiB and a $HOT_MIB MiB resident file"
"$ROOT/fsbench" mkfiles "$BACK/cold" "$N" $((SMALL_KIB * 1024)) >/dev/null
"$ROOT/fsbench" mkfile "$BACK/hot.bin" "$HOT_MIB" >/dev/null
mount_tierfs_at "$CFG" "$BACK" "$MNT" "$STATE" "$ROOT/mount.out"
# DAEMON_NICE: the daemon's session niced as a whole (what systemd's CPUWeight= does to its service).
[[ ${DAEMON_NICE:-0} != 0 ]] && nice_session "$TIERFS_PID" "$DAEMON_NICE" "the daemon"
# Unpatched, s3rver answers a PUT before the object is on its disk (integration/patches/
# s3rver-atomic-put.js says more): a HEAD right after may see 0 bytes, and TierFs then refuses to
# release the file, rightly. Such a file is archived again by the next migrate.
for attempt in 1 2 3; do
    out=$("$TIERFS" migrate -r "$MNT/cold" </dev/null 2>&1) && break
    ((attempt < 3)) || die "cannot migrate the stubs: $out"
    log "migrate refused some files (s3rver's early PUT answer, above); again: $(grep -m1 'tierfs:' <<<"$out")"
done

release_all() { # every stub released again (the last close of a reader reaches the daemon asynchronously)
    local i
    for ((i = 0; i < 100; i++)); do
        "$TIERFS" release -r "$MNT/cold" </dev/null >/dev/null 2>&1 &&
            [[ $("$TIERFS" state -r "$MNT/cold" | grep -vc '^released') == 0 ]] && return 0
        sleep 0.2
    done
    die "cannot release the stubs again"
}
# The daemon's thread count into THREADS, read with builtins (no fork: see sample_peak).
read_threads() {
    local k v
    THREADS=0
    { while read -r k v; do [[ $k == Threads: ]] && { THREADS=$v; break; }; done <"/proc/$TIERFS_PID/status"; } 2>/dev/null
}
# The daemon's peak thread count during a storm, and its threads by name at the peak (what grew: FUSE
# workers, the .NET pool, ...), into $ROOT/peak and $ROOT/peak-names. It shares the resident reader's
# session, so a sample costs no fork: a fork and two execs every 50 ms ran 0.064 s on the reader's
# CPU in its 1.5 s during a storm (PERF_ALL_OUT), which the reader alone never paid.
mkfifo "$ROOT/tick"
sample_peak() {
    local peak=0 tick
    exec {tick}<>"$ROOT/tick" # never written: a read from it waits out its timeout, without a sleep(1)
    while [[ -d /proc/$TIERFS_PID ]]; do
        read_threads
        if ((THREADS > peak)); then # rare: a fork here costs nothing that matters
            peak=$THREADS
            echo "$peak" >"$ROOT/peak"
            cat /proc/"$TIERFS_PID"/task/*/comm 2>/dev/null | sort | uniq -c | sort -rn | head -4 | awk '{n = $1; $1 = ""; printf "%s%s x%d", (NR > 1 ? "," : ""), $0, n}' >"$ROOT/peak-names" || true
        fi
        read -r -t 0.05 -u "$tick" _ || true
    done
}
# The resident reader: random 4 KiB reads of hot.bin through the mount, its FUSE page cache dropped
# first so that every read is a request the daemon serves (the backing file stays in page cache).
resident() { # COUNT -> ops/s
    # The backing file warmed right before (the host pages out page cache left idle for about a minute).
    cat "$BACK/hot.bin" >/dev/null
    "$ROOT/fsbench" dropcache "$MNT/hot.bin" >/dev/null
    "$ROOT/fsbench" randread "$MNT/hot.bin" "$1" 7 2>"$ROOT/reader-alone-sched"
}
cat "$BACK/hot.bin" >/dev/null

cpu_s() { awk -v a="$1" -v b="$2" -v t="$TICK" 'BEGIN {printf "%.2f", (b - a) / t}'; }
# The requests s3rver logged since line FROM of its log, by the size of their response body ("-":
# none, a HEAD's; s3rver 3.7's log line has no method); with S3RVER_LOG=1.
requests_since() {
    tail -n +"$(($1 + 1))" "$ROOT/s3rver.out" | sed 's/\x1b\[[0-9;]*m//g' |
        awk '/^info: / {n++; s[$NF]++} END {printf "%d requests (by response body:", n; for (k in s) printf " %s x%d", k, s[k]; printf ")"}'
}
log_lines() { wc -l <"$ROOT/s3rver.out"; }
# The daemon's threads: "tid<TAB>name<TAB>on-CPU ns<TAB>context switches", for by_thread_kind.
thread_times() {
    local t
    for t in /proc/"$TIERFS_PID"/task/*; do
        printf '%s\t%s\t%s\t%s\n' "${t##*/}" "$(cat "$t/comm" 2>/dev/null)" "$(cut -d' ' -f1 "$t/schedstat" 2>/dev/null)" \
            "$(awk '/ctxt_switches/ {n += $2} END {print n + 0}' "$t/status" 2>/dev/null)"
    done
}
# The daemon's CPU and context switches between two thread_times files, by kind of thread (names
# without their numbers), most CPU first (a thread gone meanwhile is missing; one started meanwhile
# counts whole).
by_thread_kind() { # BEFORE AFTER
    awk -F'\t' 'NR == FNR {before[$1] = $3; sw[$1] = $4; next} {k = $2; gsub(/[0-9]+/, "N", k); cpu[k] += ($3 - before[$1]) / 1e9; cs[k] += $4 - sw[$1]; n[k]++}
        END {for (k in cpu) printf "%.3f\t%s x%d\t%d\n", cpu[k], k, n[k], cs[k]}' "$1" "$2" | sort -rn |
        awk -F'\t' '{printf "%s%s %s s %d switches", (NR > 1 ? ", " : ""), $2, $1, $3; total += $3} END {printf "; %d switches in all", total}'
}

# Untimed: WARM storms without the reader. The first runs on a daemon that has never recalled (the
# cold storm: the recall path is compiled during it; its CPU is reported). .NET compiles a hot
# method again, optimised, only after it has run a while (tiered compilation, with an instrumented
# tier between: two more rounds), and so does s3rver's JavaScript engine: a long-running daemon has
# done that long before, so the timed storms come after WARM of them. The last one's wall time
# sizes the resident reader's runs.
WARM=${WARM:-3}
((WARM >= 1)) || die "WARM must be at least 1 (the first storm sizes the reader's runs)"
declare -a WARM_LINE=()
for ((w = 0; w < WARM; w++)); do
    release_all
    c0_daemon=$(proc_cpu "$TIERFS_PID") c0_s3=$(proc_cpu "$S3RVER_PID") l0=$(log_lines)
    first=$("${STORM[@]}" "$MNT/cold" "$N") || die "warm-up storm $w failed: $first"
    d=$(cpu_s "$c0_daemon" "$(proc_cpu "$TIERFS_PID")") s3=$(cpu_s "$c0_s3" "$(proc_cpu "$S3RVER_PID")")
    storm_wall=$(sed -n 's/.*wall_s=\([0-9.]*\).*/\1/p' <<<"$first")
    WARM_LINE+=("${storm_wall}s ${d}/${s3}")
    log "warm-up storm $w$( ((w == 0)) && echo ' (cold)'): $first; CPU s: daemon $d, s3rver $s3 (no reader)$([[ ${S3RVER_LOG:-0} == 1 ]] && echo "; requests $(requests_since "$l0")")"
done
# What the reader alone costs: the machine's busy share of its CPUs while it runs (/proc/stat), and
# the daemon's part of it. The storm's CPU (above) has to fit beside this.
busy_total() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8}' /proc/stat; }
cat "$BACK/hot.bin" >/dev/null
"$ROOT/fsbench" dropcache "$MNT/hot.bin" >/dev/null
read -r busy0 total0 < <(busy_total)
cpu0_daemon=$(proc_cpu "$TIERFS_PID") t0=$EPOCHREALTIME
rate=$("$ROOT/fsbench" randread "$MNT/hot.bin" 20000 7)
read -r busy1 total1 < <(busy_total)
READER_CPU=$(awk -v b="$((busy1 - busy0))" -v t="$((total1 - total0))" -v n="$(nproc)" -v d="$(cpu_s "$cpu0_daemon" "$(proc_cpu "$TIERFS_PID")")" -v s="$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN {print b - a}')" \
    'BEGIN {printf "%.2f of %d CPUs busy, the daemon %.2f", n * b / t, n, d / s}')
COUNT=$(awk -v r="$rate" -v w="$storm_wall" 'BEGIN {c = int(r * w * 0.6); if (c < 2000) c = 2000; print c}')
log "the resident reader alone: $rate reads/s ($READER_CPU); $COUNT reads per run (about 60% of a storm)"

declare -a ALONE=() DURING=() WALL=() P50=() P99=() MAXT=() OKS=() PEAK=() BASE=() INSIDE=() CPUD=() CPUS=() REQS=() LOADS=()
wait_for_quiet
for ((r = 0; r < REPS; r++)); do
    release_all
    cat "$BACK/hot.bin" >/dev/null
    if ((r % 2 == 0)); then ALONE+=("$(resident "$COUNT")"); fi
    read_threads
    BASE+=("$THREADS")
    sample_peak &
    SAMPLER_PID=$!
    cat "$BACK/hot.bin" >/dev/null
    "$ROOT/fsbench" dropcache "$MNT/hot.bin" >/dev/null
    perf_pid= perf_stops=INT # how the recorder is stopped: INT, or by itself (its --duration)
    if [[ -n ${PERF_OUT:-} && $r == 0 ]]; then
        perf_record_process "$TIERFS_PID" "$PERF_OUT" "$ROOT/perf.err"
        perf_pid=$PERF_PID
    elif [[ -n ${TRACE_OUT:-} && $r == 0 ]]; then
        "${DOTNET_TRACE:-dotnet-trace}" collect-linux -p "$TIERFS_PID" --profile cpu-sampling --duration 00:00:00:${TRACE_SECONDS:-6} -o "$TRACE_OUT" >"$ROOT/perf.err" 2>&1 &
        perf_pid=$! perf_stops=itself
        sleep 2 # the session starts
    elif [[ -n ${PERF_ALL_OUT:-} && $r == 0 ]]; then
        perf record -q -a -F 1999 -o "$PERF_ALL_OUT" 2>"$ROOT/perf.err" &
        perf_pid=$!
        sleep 1 # perf opens its events on every CPU first
    elif [[ -n ${STRACE_OUT:-} && $r == 0 ]]; then
        strace -c -f -p "$TIERFS_PID" -o "$STRACE_OUT" 2>"$ROOT/perf.err" &
        perf_pid=$!
        sleep 1 # strace attaches to every thread first
    fi
    LOADS+=("$(load1)")
    l0=$(log_lines)
    t0=$EPOCHREALTIME
    cpu0_daemon=$(proc_cpu "$TIERFS_PID") cpu0_s3=$(proc_cpu "$S3RVER_PID")
    thread_times >"$ROOT/threads-before"
    "${STORM[@]}" "$MNT/cold" "$N" >"$ROOT/storm.out" 2>"$ROOT/storm.err" &
    storm_pid=$!
    during=$("$ROOT/fsbench" randread "$MNT/hot.bin" "$COUNT" 7 2>"$ROOT/reader-sched")
    t_reader=$EPOCHREALTIME
    wait "$storm_pid" || true
    t_storm=$EPOCHREALTIME
    cpu_daemon=$(cpu_s "$cpu0_daemon" "$(proc_cpu "$TIERFS_PID")")
    cpu_s3=$(cpu_s "$cpu0_s3" "$(proc_cpu "$S3RVER_PID")")
    thread_times >"$ROOT/threads-after"
    [[ -n $perf_pid ]] && { [[ $perf_stops == itself ]] || kill -INT "$perf_pid" 2>/dev/null || true; wait "$perf_pid" || true; cp "$ROOT/perf.err" "$RESULTS/storm-perf.err"; }
    CPUD+=("$cpu_daemon") CPUS+=("$cpu_s3")
    [[ ${S3RVER_LOG:-0} == 1 ]] && REQS+=("$(requests_since "$l0")")
    kill "$SAMPLER_PID" 2>/dev/null || true; wait "$SAMPLER_PID" 2>/dev/null || true; SAMPLER_PID=
    s=$(cat "$ROOT/storm.out")
    [[ -n $s ]] || die "storm printed nothing: $(head -3 "$ROOT/storm.err")"
    DURING+=("$during")
    OKS+=("$(sed -n 's/.*ok=\([0-9]*\).*/\1/p' <<<"$s")")
    WALL+=("$(sed -n 's/.*wall_s=\([0-9.]*\).*/\1/p' <<<"$s")")
    P50+=("$(sed -n 's/.*p50_s=\([0-9.]*\).*/\1/p' <<<"$s")")
    P99+=("$(sed -n 's/.*p99_s=\([0-9.]*\).*/\1/p' <<<"$s")")
    MAXT+=("$(sed -n 's/.*max_s=\([0-9.]*\).*/\1/p' <<<"$s")")
    PEAK+=("$(cat "$ROOT/peak" 2>/dev/null || echo 0)")
    INSIDE+=("$(awk -v a="$t0" -v b="$t_reader" -v c="$t_storm" 'BEGIN {print (b <= c) ? "yes" : "no"}')")
    if ((r % 2 == 1)); then ALONE+=("$(resident "$COUNT")"); fi
    log "run $r: storm $s; resident reader during it $during reads/s (inside the storm: ${INSIDE[-1]}); daemon threads ${BASE[-1]} -> ${PEAK[-1]} ($(cat "$ROOT/peak-names" 2>/dev/null)); CPU s: daemon $cpu_daemon, s3rver $cpu_s3; alone ${ALONE[-1]} reads/s ($(sed 's/^randread: //' "$ROOT/reader-alone-sched" 2>/dev/null)); load ${LOADS[-1]}; reader $(sed 's/^randread: //' "$ROOT/reader-sched")${REQS:+; requests ${REQS[-1]}}"
    log "  daemon CPU by thread: $(by_thread_kind "$ROOT/threads-before" "$ROOT/threads-after")"
    [[ -s $ROOT/storm.err ]] && log "  $(head -3 "$ROOT/storm.err" | tr '\n' ' ')"
done

min() { printf '%s\n' "$@" | sort -g | head -1; }
max() { printf '%s\n' "$@" | sort -g | tail -1; }
alone=$(median "${ALONE[@]}") during=$(median "${DURING[@]}")
ratio=$(awk -v a="$during" -v b="$alone" 'BEGIN {printf "%.2f", a / b}')
okmin=$(min "${OKS[@]}")
TABLE=$ROOT/table.md
{
    echo "# TierFs recall storm — $(date -u +'%Y-%m-%d %H:%M UTC')"
    echo
    echo "- host: $(uname -r), $(nproc) CPUs; $N stubs of $SMALL_KIB KiB on $([[ $REMOTE == directory ]] && echo 'a directory remote tier (no S3 server)' || echo "s3rver $("$S3RVER" --version 2>/dev/null || echo '?') (loopback)"), backing on $fstype; recall admission at its defaults; the storm in $([[ $STORM_SESSION == own ]] && echo 'a session of its own' || echo "the reader's session")"
    echo "- TierFs $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?'); medians of $REPS runs; the resident reader: $COUNT random 4 KiB reads of a $HOT_MIB MiB file, its FUSE page cache dropped first, alone and during each storm (alternating which comes first)"
    echo
    echo "| Row | Value | Target | Met? |"
    echo "|---|---:|---|---|"
    echo "| Opens that succeeded (fewest in a run) of $N | $okmin | all | $([[ $okmin == "$N" ]] && echo yes || echo '**no**') |"
    echo "| Daemon threads before a storm → peak during it (median; max of the peaks) | $(median "${BASE[@]}") → $(median "${PEAK[@]}") (max $(max "${PEAK[@]}")) | bounded (report) | - |"
    echo "| Storm wall time, s (first open to last read) | $(median "${WALL[@]}") | report | - |"
    echo "| Open + first 4 KiB latency in a storm: p50 / p99 / max, s | $(median "${P50[@]}") / $(median "${P99[@]}") / $(median "${MAXT[@]}") | report | - |"
    echo "| CPUs busy while the resident reader runs alone (of them the daemon) | $READER_CPU | report | - |"
    echo "| Daemon / s3rver CPU per storm, s (median; min–max) | $(median "${CPUD[@]}") ($(min "${CPUD[@]}")–$(max "${CPUD[@]}")) / $(median "${CPUS[@]}") ($(min "${CPUS[@]}")–$(max "${CPUS[@]}")) | report | - |"
    echo "| Untimed storms without the reader, the first cold: wall; daemon / s3rver CPU s | $(IFS=';'; echo "${WARM_LINE[*]}" | sed 's/;/; /g') | report | - |"
    [[ ${S3RVER_LOG:-0} == 1 ]] && echo "| Remote requests in a storm of $N recalls (s3rver's log; its CPU above includes the logging) | ${REQS[0]} | report | - |"
    echo "| Resident reads during the storm vs alone, reads/s | $during vs $alone = $ratio | ≥ 0.80 | $(awk -v r="$ratio" 'BEGIN {print (r >= 0.8) ? "yes" : "**no**"}') |"
    echo
    echo "Load average (1 min) at each storm's start: ${LOADS[*]}."
    echo "The resident reader ended inside the storm in $(printf '%s\n' "${INSIDE[@]}" | grep -c yes) of $REPS runs."
} >"$TABLE"
cp "$TABLE" "$RESULTS/storm-latest.md"
cat "$TABLE"
