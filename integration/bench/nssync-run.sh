#!/usr/bin/env bash
# TierFs metadata sync benchmark: builds an index of FILES file rows (integration/bench/nssyncbench,
# the policy benchmark's tree with full stub records), publishes its namespace to a directory remote
# tier (first publication: time, bytes per entry), syncs 1,000 changes (time, bytes), syncs the rename
# of a directory holding a tenth of the tree, loads the namespace back (time, memory per entry), builds
# the west mount's view of it and follows 1,000 more changes as a west mount does. Run by hand (not in CI):
#
#   dotnet build TierFs.sln -c Release && integration/bench/nssync-run.sh
#
# Prints a markdown table and saves it to integration/bench/results/nssync-latest.md.
#
# Environment overrides (defaults in brackets):
#   FILES [1000000]  BENCH_DIR [/var/tmp] where the index and the archive go
#   QUIET_WAIT [30] seconds to wait for the 1-minute load average to fall below 1 before measuring
#   TIERFS_BIN [src/TierFs.Cli/bin/Release/net10.0/] the TierFs build to measure
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
FILES=${FILES:-1000000}
BENCH_DIR=${BENCH_DIR:-/var/tmp}
QUIET_WAIT=${QUIET_WAIT:-30}
TIERFS_BIN=${TIERFS_BIN:-$REPO/src/TierFs.Cli/bin/Release/net10.0/}
RESULTS=$HERE/results

# shellcheck source=common.sh
. "$HERE/common.sh"

[[ -f $TIERFS_BIN/TierFs.Namespace.dll ]] || die "$TIERFS_BIN has no TierFs build with metadata sync: cd $REPO && dotnet build TierFs.sln -c Release"
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

log "building nssyncbench against $TIERFS_BIN"
dotnet build "$HERE/nssyncbench/nssyncbench.csproj" -c Release -o "$OUT/nssyncbench" -nologo -v:q \
    -nodeReuse:false -p:UseSharedCompilation=false -p:TierFsBin="$TIERFS_BIN" >"$OUT/build.out" 2>&1 ||
    die "cannot build nssyncbench: $(grep -E 'error' "$OUT/build.out" | head -5)"

wait_for_quiet
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
TABLE=$(dotnet "$OUT/nssyncbench/nssyncbench.dll" --files "$FILES" --dir "$BENCH_DIR")
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
mkdir -p "$RESULTS"
{
    echo "$TABLE"
    echo
    echo "$(date -u +'%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average $LOAD_START at the start, $LOAD_END at the end"
} | tee "$RESULTS/nssync-latest.md"
