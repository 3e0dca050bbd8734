#!/bin/bash
# Operation log replication between two nodes on loopback (issue 13): the catch-up time of N
# entries written while the peer was away, and the live rate (entries per second written on one
# node and held by the other), with the product's peer link (TierFs.Peer), medians of REPS runs.
#   N [100000]  REPS [5]  TIERFS_BIN [src/TierFs.Cli/bin/Release/net10.0/]
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd) here=$HERE
repo=$(cd "$here/../.." && pwd)
source "$here/common.sh"
n=${N:-100000}
QUIET_WAIT=${QUIET_WAIT:-120}
reps=${REPS:-5}
bin=${TIERFS_BIN:-$repo/src/TierFs.Cli/bin/Release/net10.0/}
work=$(mktemp -d /var/tmp/tierfs-peerbench.XXXXXX)
trap 'rm -rf "$work"' EXIT
dotnet build "$here/peerbench/peerbench.csproj" -c Release --nologo -v quiet -p:TierFsBin="$bin" -o "$work/bin" >/dev/null
wait_for_quiet
echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
for i in $(seq "$reps"); do "$work/bin/peerbench" "$work/data" "$n"; done | tee "$work/raw"
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
median() { sort -n | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }
echo
echo "| row ($n entries, medians of $reps) | value |"
echo "|---|---:|"
echo "| catch-up after the peer was away (s) | $(awk '$1 == "catch-up" {print $3}' "$work/raw" | median) |"
echo "| live replication (entries/s) | $(awk '$1 == "live" {print $3}' "$work/raw" | median) |"
