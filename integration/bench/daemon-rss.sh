#!/bin/bash
# The mount daemon's memory with a large tree indexed: mounts TREE (default the 1M-entry tree
# that scan-run.sh builds), lets the mount's first scan index it, runs a policy dry run over
# the whole index, and prints the daemon's RSS (VmRSS) and peak RSS (VmHWM) after each step.
# Target (issue 4): daemon RSS < 200 MB with 1M files indexed. Run by hand, as root.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
tierfs=${TIERFS_BIN:-$repo/src/TierFs.Cli/bin/Release/net10.0/tierfs}
tree=${TREE:-/var/tmp/tierfs-scanbench/tree-1m}
[[ -d $tree ]] || { echo "daemon-rss.sh: no tree at $tree (run integration/bench/scan-run.sh first, or set TREE)" >&2; exit 1; }
work=$(mktemp -d /var/tmp/tierfs-daemon-rss.XXXXXX)
mnt=$work/mnt
mkdir -p "$mnt" "$work/state"
cleanup() {
    "$tierfs" umount "$mnt" >/dev/null 2>&1 || fusermount3 -uz "$mnt" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

cat >"$work/tierfs.yaml" <<'YAML'
policies:
  - name: large
    action: migrate
    where: "size >= 4096"
    max_files: 10000
  - name: everything-old
    action: archive
    where: "atime < now() - days(1)"
    max_files: 100000
YAML

"$tierfs" mount "$tree" "$mnt" --state-dir "$work/state" --config "$work/tierfs.yaml" --no-daemon
pid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["Pid"])' "/run/tierfs/$(systemd-escape --path "$mnt").json")
rss() { awk '/^VmRSS|^VmHWM/ { printf "%s %d MB  ", $1, $2 / 1024 }' "/proc/$pid/status"; echo; }

echo "after mount:        $(rss)"
start=$(date +%s.%N)
# The mount scans an empty index in the background; tierfs scan waits for it, then rescans.
"$tierfs" scan "$mnt"
echo "after first scan:   $(rss)  ($(printf '%.1f' "$(echo "$(date +%s.%N) - $start" | bc)") s incl. the rescan)"
"$tierfs" query "$mnt" "SELECT count(*) AS entries FROM entries"
"$tierfs" policy run "$mnt" --dry-run
echo "after dry run:      $(rss)"
"$tierfs" report "$mnt" >/dev/null
echo "after report:       $(rss)"
