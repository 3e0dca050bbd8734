#!/usr/bin/env bash
# TierFs import benchmark: publishes the namespace of FILES archived files (integration/bench/nssyncbench
# --publish-only: the policy benchmark's tree, ~1000 files a directory, every file archived with a full
# stub record) to a directory remote tier, then rebuilds the tree with `tierfs import` into an empty
# directory, side by side with peers making the same tree of empty files on the same filesystem (the
# imported tree copied once with `cp -a --attributes-only`: the same names, owners, modes, times and
# xattrs, the stub records included, but no sizes: a stub's size is a hole, which tar would read):
#   - `cp -a --attributes-only` of that tree (each file created, owner, mode, xattrs and times
#     copied: about the syscalls an import makes, and no namespace to read);
#   - `tar` of that tree, extracted (`--xattrs --xattrs-include='*'`, as root: owners kept).
# Each tool runs REPS times, interleaved, the order rotated; a run's target is removed before the next.
# Run by hand (not in CI), as root:
#
#   dotnet build TierFs.sln -c Release && integration/bench/import-run.sh
#
# Prints a markdown table and saves it to integration/bench/results/import-latest.md.
#
# Environment overrides (defaults in brackets):
#   FILES [100000]  REPS [3]  BENCH_DIR [/var/tmp] where the archive and the trees go
#   TREE_DIR [BENCH_DIR] where the trees are made (e.g. /dev/shm: tmpfs, to see the tools' own cost
#     without the disk's)
#   QUIET_WAIT [30] seconds to wait for the 1-minute load average to fall below 1 before measuring
#   TIERFS [src/TierFs.Cli/bin/Release/net10.0/tierfs] the TierFs build to measure
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FILES=${FILES:-100000}
REPS=${REPS:-3}
# shellcheck source=common.sh
. "$HERE/common.sh"

[[ $EUID -eq 0 ]] || die "run as root (an import sets owners and trusted.* records)"
[[ -x $TIERFS ]] || die "$TIERFS: no TierFs build: cd $REPO && dotnet build TierFs.sln -c Release"
WORK=$(mktemp -d "$BENCH_DIR/importbench.XXXXXX")
TREES=$(mktemp -d "${TREE_DIR:-$BENCH_DIR}/importbench-trees.XXXXXX")
trap 'rm -rf "$WORK" "$TREES"' EXIT
private_copy_of_build "$WORK/bin"

log "building nssyncbench"
dotnet build "$HERE/nssyncbench/nssyncbench.csproj" -c Release -o "$WORK/nssyncbench" -nologo -v:q \
    -nodeReuse:false -p:UseSharedCompilation=false -p:TierFsBin="$(dirname "$TIERFS")/" >"$WORK/build.out" 2>&1 ||
    die "cannot build nssyncbench: $(grep -E 'error' "$WORK/build.out" | head -5)"
log "publishing the namespace of $FILES archived files"
dotnet "$WORK/nssyncbench/nssyncbench.dll" --publish-only "$WORK/archive" --files "$FILES" --archived 1 --dir "$WORK" 2>&1 | tail -1 >&2
cat >"$WORK/east.yaml" <<YAML
remote:
  type: directory
  path: $WORK/archive
  prefix: east/
pair:
  name: heb
  local_share_path: /src
  remote_cluster_id: LC_222
  remote_share_path: /dst
  meta_sync_role: master
  remote_role: gfs
YAML

# One imported tree, copied as empty files: the peers' source (and the import's count checked).
mkdir "$TREES/imported" "$TREES/source"
"$TIERFS" import --config "$WORK/east.yaml" "$TREES/imported" >"$WORK/import.out" 2>&1 || die "import failed: $(tail -3 "$WORK/import.out")"
ENTRIES=$(find "$TREES/imported" | wc -l)
log "$(tail -1 "$WORK/import.out"); $ENTRIES entries"
cp -a --attributes-only "$TREES/imported/." "$TREES/source/"
rm -rf "$TREES/imported"
tar -C "$TREES/source" --xattrs --xattrs-include='*' -cf "$WORK/tree.tar" .

run_one() { # TOOL -> seconds
    local target=$TREES/target t0 t1
    rm -rf "$target"
    mkdir "$target"
    sync
    t0=$(date +%s.%N)
    case $1 in
        import) "$TIERFS" import --config "$WORK/east.yaml" "$target" >/dev/null 2>"$WORK/err" ;;
        cp) cp -a --attributes-only "$TREES/source/." "$target/" 2>"$WORK/err" ;;
        tar) tar -C "$target" --xattrs --xattrs-include='*' -xf "$WORK/tree.tar" 2>"$WORK/err" ;;
    esac || die "$1 failed: $(head -3 "$WORK/err")"
    t1=$(date +%s.%N)
    [[ $(find "$target" | wc -l) -eq $ENTRIES ]] || die "$1 made $(find "$target" | wc -l) entries, not $ENTRIES"
    awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}'
}

TOOLS=(import cp tar)
declare -A RUNS
wait_for_quiet
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
for ((r = 0; r < REPS; r++)); do
    for ((k = 0; k < ${#TOOLS[@]}; k++)); do
        tool=${TOOLS[(k + r) % ${#TOOLS[@]}]}
        s=$(run_one "$tool")
        log "run $((r + 1)) $tool: $s s"
        RUNS[$tool]+="$s "
    done
done
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
rm -rf "$TREES/target"

median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
mkdir -p "$RESULTS"
{
    echo "| $ENTRIES entries ($FILES archived files), $REPS runs | median s | files/s | min–max s | target |"
    echo "|---|---:|---:|---:|---|"
    for tool in "${TOOLS[@]}"; do
        m=$(echo "${RUNS[$tool]}" | median)
        lo=$(echo "${RUNS[$tool]}" | tr ' ' '\n' | grep . | sort -g | head -1)
        hi=$(echo "${RUNS[$tool]}" | tr ' ' '\n' | grep . | sort -g | tail -1)
        case $tool in
            import) label='`tierfs import`'; target='≥ 20,000 files/s' ;;
            cp) label='`cp -a --attributes-only` of the tree, empty files'; target='peer' ;;
            tar) label='`tar --xattrs -x` of the tree, empty files'; target='peer' ;;
        esac
        echo "| $label | $m | $(awk -v n="$FILES" -v s="$m" 'BEGIN {printf "%.0f", n / s}') | $lo–$hi | $target |"
    done
    echo
    echo "$(date -u +'%Y-%m-%d %H:%M UTC'), $(nproc) cores, the trees on $(findmnt -n -o FSTYPE --target "$TREES" | head -1) ($(dirname "$TREES")), TierFs built $TIERFS_BUILT, load average $LOAD_START at the start, $LOAD_END at the end"
} | tee "$RESULTS/import-latest.md"
