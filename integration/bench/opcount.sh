#!/usr/bin/env bash
# Counts the FUSE requests a command causes, per connection and opcode, from the kernel's
# fuse:fuse_request_send tracepoint (needs root and perf). For analysing benchmark rows:
#
#   integration/bench/opcount.sh /tmp/fsbench create /mnt/tierfs/dir 1000
#
# Prints "connection opcode count", connection being the mount's device minor (findmnt -o MAJ:MIN).
# Requests of every FUSE mount on the machine are counted, so run it when nothing else uses FUSE.
set -euo pipefail
(($# > 0)) || { echo "usage: $0 COMMAND [ARGS...]" >&2; exit 2; }
command -v perf >/dev/null || { echo "perf is missing" >&2; exit 1; }
data=$(mktemp /tmp/opcount.XXXXXX)
trap 'rm -f "$data"' EXIT
perf record -q -o "$data" -e fuse:fuse_request_send -a -- "$@"
perf script -i "$data" 2>/dev/null |
    sed -n 's/.*connection \([0-9]*\) req [0-9]* opcode [0-9]* (\([A-Z_]*\)).*/\1 \2/p' |
    sort | uniq -c | awk '{printf "%-6s %-22s %d\n", $2, $3, $1}' | sort -k1,1n -k3,3nr
