#!/bin/bash
# THE test command: installs what the tests need, builds, runs every test project of
# TierFs.sln (unit and real-FUSE integration tests, as root), and ends with one line
#   tests: N passed, N failed[, N skipped]
# Exits non-zero if the build or any test fails, the run times out, or a TierFs mount or a temp
# file of ours (tierfs-*) is left behind. Environment: TIERFS_TEST_TIMEOUT (seconds for dotnet test, default 1500),
# TIERFS_TEST_FILTER (a dotnet test --filter expression, to run a subset).
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo" || exit 1
test_timeout=${TIERFS_TEST_TIMEOUT:-1500}

results=$(mktemp -d /tmp/tierfs-test-results.XXXXXX)
# The tests' temp files (Path.GetTempPath, mktemp) go to a directory of this run's own, a /tmp of
# its own (1777: the attacker's tests run children as other users), removed at the end whatever
# happened, a failed or killed test included. --one-file-system: never into a mount left there.
# Short, without a dash: a socket's path (at most 108 bytes) holds it twice, escaped, in some tests.
TMPDIR=$(mktemp -d /tmp/tftmp.XXXXXX) && chmod 1777 "$TMPDIR" || exit 1
export TMPDIR
trap 'rm -rf --one-file-system "$results" "$TMPDIR"' EXIT

heading() { printf '\n=== %s\n' "$*"; }

# Every tierfs daemon started by this run inherits this marker in its environment (through
# dotnet test, tierfs mount and mount(8) alike), so that leftovers are told apart from the
# mounts of anyone else working on this machine at the same time.
TIERFS_TEST_RUN="test.sh-$$-$(date +%s%N)"
export TIERFS_TEST_RUN
mounts_before=$results/mounts-before
awk '$3 == "fuse.tierfs" { print $2 }' /proc/mounts >"$mounts_before"

# Prints the TierFs mounts (as in /proc/mounts) that this run left behind: new since the start,
# and served by a daemon that carries the marker, or by no live daemon at all.
leftover_mounts() {
    python3 - "$mounts_before" <<'PY'
import glob, json, os, sys
before = set(open(sys.argv[1]).read().split())
marker = ("TIERFS_TEST_RUN=" + os.environ["TIERFS_TEST_RUN"]).encode()
unescape = lambda s: s.encode().decode("unicode_escape").encode("latin-1").decode()
pids = {}
for f in glob.glob(os.path.join(os.environ.get("TIERFS_RUN_DIR", "/run/tierfs"), "*.json")):
    try:
        r = json.load(open(f))
        pids[r["MountPoint"]] = r["Pid"]
    except (OSError, ValueError, KeyError):
        pass
for line in open("/proc/mounts"):
    f = line.split()
    if f[2] != "fuse.tierfs" or f[1] in before:
        continue
    pid = pids.get(unescape(f[1]))
    try:
        ours = marker in open(f"/proc/{pid}/environ", "rb").read().split(b"\0")
    except (OSError, TypeError):
        ours = True  # no live daemon: a dead mount that appeared during the run
    if ours:
        print(line.rstrip())
PY
}

status=0
summary="tests: 0 passed, 0 failed"

finish() {
    # The summary is the very last line.
    echo
    echo "$summary"
    exit "$status"
}

heading "Dependencies (mount-scripts/install.sh --deps-only)"
if ! bash mount-scripts/install.sh --deps-only; then
    echo "test.sh: installing the dependencies failed" >&2
    status=1
    finish
fi

heading "Build (dotnet build TierFs.sln -c Release)"
if ! timeout -k 30 900 dotnet build TierFs.sln -c Release --nologo --disable-build-servers -v minimal; then
    echo "test.sh: the build failed" >&2
    status=1
    finish
fi

heading "Tests (dotnet test, timeout ${test_timeout}s)"
filter=()
[[ -n ${TIERFS_TEST_FILTER:-} ]] && filter=(--filter "$TIERFS_TEST_FILTER")
timeout -k 30 "$test_timeout" dotnet test TierFs.sln -c Release --no-build --nologo \
    --logger "trx" --results-directory "$results" \
    --blame-hang-timeout 10m --blame-hang-dump-type none "${filter[@]}" </dev/null
test_status=$?
if ((test_status == 124 || test_status == 137)); then
    echo "test.sh: dotnet test did not finish within ${test_timeout}s" >&2
fi
((test_status == 0)) || status=1

# Sum the counters of every TRX file, and name the tests that failed.
report=$(python3 - "$results" <<'EOF'
import glob, sys
import xml.etree.ElementTree as ET

ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = skipped = 0
names = []
files = sorted(glob.glob(f"{sys.argv[1]}/**/*.trx", recursive=True))
for path in files:
    root = ET.parse(path).getroot()
    c = root.find("t:ResultSummary/t:Counters", ns)
    if c is None:
        continue
    n = lambda k: int(c.get(k, "0"))
    passed += n("passed")
    failed += n("failed") + n("error") + n("timeout") + n("aborted")
    skipped += n("notExecuted")
    for r in root.iterfind("t:Results/t:UnitTestResult", ns):
        if r.get("outcome") not in ("Passed", "NotExecuted"):
            names.append(f'{r.get("outcome")}: {r.get("testName")}')
print(f"FILES {len(files)}")
print(f"COUNTS {passed} {failed} {skipped}")
for name in names:
    print(f"NAME {name}")
EOF
)
if [[ $? != 0 || -z $report ]]; then
    echo "test.sh: could not read the TRX results in $results" >&2
    status=1
    report=$'FILES 0\nCOUNTS 0 0 0'
fi
read -r _ trx_files <<<"$(grep '^FILES ' <<<"$report")"
read -r _ passed failed skipped <<<"$(grep '^COUNTS ' <<<"$report")"
if ((trx_files == 0)); then
    echo "test.sh: no TRX result to count" >&2
    status=1
fi
if ((failed > 0)); then
    status=1
    heading "Failed tests"
    grep '^NAME ' <<<"$report" | sed 's/^NAME /  /'
fi
# A run that was killed may have failed without a failed counter: keep its exit status.
if ((test_status != 0 && failed == 0)); then
    echo "test.sh: dotnet test exited with status $test_status" >&2
fi

# Nothing the tests mounted may stay mounted.
leftover=$(leftover_mounts)
if [[ -n $leftover ]]; then
    heading "Leftover TierFs mounts"
    echo "$leftover"
    echo "test.sh: the tests left TierFs mounts behind; unmounting them" >&2
    while read -r _ m _; do
        umount -l "$(printf '%b' "$m")" || true
    done <<<"$leftover"
    status=1
fi

# Nothing a test of ours made in the temp directory may stay: each cleans up, also after a failure.
# (Other programs' files there, such as the .NET SDK's, are not for this check to judge.)
leftover_temp=$(find "$TMPDIR" -mindepth 1 -maxdepth 1 -name 'tierfs-*' -printf '%f\n' | sort)
if [[ -n $leftover_temp ]]; then
    heading "Leftover temp files"
    echo "$leftover_temp"
    echo "test.sh: the tests left these in $TMPDIR (removed now)" >&2
    status=1
fi

# A daemon the tests killed (crash tests) leaves its backing tree's lock file in the runtime
# directory, by design: the kernel drops the lock, the file stays. Those of this run's trees (the
# file names the mountpoint, under this run's TMPDIR) go, if no daemon holds them any more.
for lock in "${TIERFS_RUN_DIR:-/run/tierfs}"/backing-*.lock; do
    [[ -f $lock ]] && [[ $(head -c 4096 "$lock" 2>/dev/null) == "$TMPDIR"/* ]] || continue
    flock -n -E 75 "$lock" rm -f "$lock" || true
done

summary="tests: $passed passed, $failed failed"
((skipped > 0)) && summary+=", $skipped skipped"
finish
