#!/usr/bin/env bash
# TierFs policy benchmark: builds an index of FILES file rows (integration/bench/indexbench) and
# times the policy planner on an indexed and on a full-table predicate (medians of REPS runs), and
# the index's bytes per file. Run by hand (not in CI):
#
#   dotnet build TierFs.sln -c Release && integration/bench/index-run.sh
#
# Prints a markdown table and saves it to integration/bench/results/index-latest.md. See
# integration/bench/README.md ("Policy benchmark").
#
# Environment overrides (defaults in brackets):
#   FILES [1000000]  REPS [5]  BENCH_DIR [/var/tmp] where the index is built (about 200 MB)
#   QUIET_WAIT [30] seconds to wait for the 1-minute load average to fall below 1 before measuring
#   TIERFS_BIN [src/TierFs.Cli/bin/Release/net10.0/] the TierFs build to measure
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
FILES=${FILES:-1000000}
REPS=${REPS:-5}
BENCH_DIR=${BENCH_DIR:-/var/tmp}
QUIET_WAIT=${QUIET_WAIT:-30}
TIERFS_BIN=${TIERFS_BIN:-$REPO/src/TierFs.Cli/bin/Release/net10.0/}
RESULTS=$HERE/results

# shellcheck source=common.sh
. "$HERE/common.sh"

[[ -f $TIERFS_BIN/TierFs.Policies.dll ]] || die "$TIERFS_BIN has no TierFs build: cd $REPO && dotnet build TierFs.sln -c Release"
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

log "building indexbench against $TIERFS_BIN"
dotnet build "$HERE/indexbench/indexbench.csproj" -c Release -o "$OUT/indexbench" -nologo -v:q \
    -nodeReuse:false -p:UseSharedCompilation=false -p:TierFsBin="$TIERFS_BIN" >"$OUT/build.out" 2>&1 ||
    die "cannot build indexbench: $(grep -E 'error' "$OUT/build.out" | head -5)"

wait_for_quiet
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
TABLE=$(dotnet "$OUT/indexbench/indexbench.dll" --files "$FILES" --reps "$REPS" --dir "$BENCH_DIR")
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

mkdir -p "$RESULTS"
{
    echo "Policy benchmark, $(date -Iseconds), $(nproc) CPUs, load $LOAD_START → $LOAD_END"
    echo
    echo "$TABLE"
} | tee "$RESULTS/index-latest.md"
cp "$RESULTS/index-latest.md" "$RESULTS/index-$(date +%Y%m%d-%H%M%S).md"
