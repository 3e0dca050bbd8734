#!/bin/bash
# A short tour of TierFs: mount a small sample tree, look at it through the mount (ls, stat,
# cat), change a file through the mount and see it in the backing tree, migrate a file to the
# remote tier (its stat unchanged, its blocks freed) and read it back (recalled on open), look at
# the metadata index (query, report), let a policy pick files, refuse an indexer's recalls and
# account for every recall, verify the index against the remote tier (an alarm, the metrics and
# the status page), look at the west side (the namespace published to the remote tier, mounted
# read-only elsewhere with tierfs mount --remote, and a tree rebuilt from it alone with tierfs
# import), bring stubs back ahead of use with a recall policy, then mount a directory in place
# (on itself). Everything lives in a temp dir that is unmounted and removed at the end, also when
# a step fails. Run as root; uses tierfs from PATH, or $TIERFS_BIN.
set -euo pipefail

tierfs_bin=${TIERFS_BIN:-$(command -v tierfs || true)}
[[ -n $tierfs_bin && -x $tierfs_bin ]] || { echo "demo.sh: tierfs not found (run mount-scripts/install.sh, or set TIERFS_BIN)" >&2; exit 1; }
tierfs() { "$tierfs_bin" "$@"; }
[[ $(id -u) == 0 ]] || { echo "demo.sh: run as root (tierfs mount needs root)" >&2; exit 1; }

tmp=$(mktemp -d /tmp/tierfs-demo.XXXXXX)
backing=$tmp/backing
mnt=$tmp/mnt
state=$tmp/state
mkdir -p "$backing" "$mnt" "$state"

is_tierfs_mount() { findmnt -n -t fuse.tierfs --mountpoint "$1" >/dev/null 2>&1; }

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    cd /
    for m in "$mnt" "$backing" "$tmp/west" "$tmp/restored"; do
        for _ in 1 2 3; do
            is_tierfs_mount "$m" || break
            tierfs umount "$m" >/dev/null 2>&1 || tierfs umount --lazy "$m" >/dev/null 2>&1 || umount -l "$m" 2>/dev/null || true
        done
    done
    if ((status != 0)); then
        echo >&2
        echo "demo.sh: FAILED (exit $status); the end of the mount's log:" >&2
        tail -n 20 "$state/tierfs.log" >&2 2>/dev/null || true
    fi
    rm -rf "$tmp"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

heading() { printf '\n=== %s\n' "$*"; }
# Prints a command line and runs it in the temp dir (relative paths keep the output short).
show() { printf '$ %s\n' "$1"; (cd "$tmp" && eval "$1"); }

echo "TierFs demo in $tmp (tierfs: $tierfs_bin)"

heading "1. A sample tree in backing/"
mkdir -p "$backing/docs" "$backing/data" "$backing/bin" "$backing/private"
printf 'Hello from the local tier.\nThis file is served through TierFs.\n' >"$backing/docs/readme.txt"
head -c $((3 * 1024 * 1024)) /dev/urandom >"$backing/data/big.bin"
printf 'small\n' >"$backing/data/small.txt"
printf '#!/bin/sh\necho "run.sh ran through the mount"\n' >"$backing/bin/run.sh"
printf 'top secret\n' >"$backing/private/secret.txt"
chmod 755 "$backing/bin/run.sh"
chmod 600 "$backing/private/secret.txt"
chmod 750 "$backing/private"
chown nobody:nogroup "$backing/data/small.txt" 2>/dev/null || true
ln -s docs/readme.txt "$backing/readme-link"
ln "$backing/docs/readme.txt" "$backing/docs/readme-hardlink.txt"
touch -d '2020-01-02 03:04:05' "$backing/data/small.txt"
show 'find backing -mindepth 1 | sort'

heading "2. Mount backing/ on mnt/, with two policies in the configuration"
cat >"$tmp/tierfs.yaml" <<'YAML'
# The embedded default remote tier (a directory in the state dir), a pair whose namespace this side
# publishes (metadata sync), and two policies.
pair:
  name: demo
  local_share_path: /demo/east
  remote_cluster_id: WEST
  remote_share_path: /demo/west
  meta_sync_role: master
policies:
  - name: text-files
    action: migrate
    where: "name LIKE '%.txt' AND size > 0"
  - name: prestage-data
    action: recall    # brings stubs back ahead of use (prestaging)
    where: "path LIKE 'data/%.bin'"
schedule:
  interval: 10m
  min_age: 0s        # the demo's files are brand new; a real site keeps the default (1h)
recall:
  deny_commands: [updatedb]   # an indexer walking the tree must not pull it all back
YAML
# The metrics and the status page on a free loopback port.
metrics_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
echo "metrics_listen: 127.0.0.1:$metrics_port" >>"$tmp/tierfs.yaml"
show 'cat tierfs.yaml'
show 'tierfs policy check --config tierfs.yaml'
show 'tierfs mount backing mnt --state-dir state --config tierfs.yaml'
show 'findmnt -n -o TARGET,SOURCE,FSTYPE,OPTIONS mnt'

heading "3. ls -l through the mount"
show 'ls -l mnt mnt/docs mnt/data'

heading "4. stat through the mount is the stat of the backing file"
show 'stat mnt/docs/readme.txt'
fmt='%A %h %U:%G %s %i %Y %N'
files=(docs/readme.txt docs/readme-hardlink.txt data/big.bin data/small.txt bin/run.sh private private/secret.txt readme-link)
if diff <(cd "$backing" && stat -c "$fmt" "${files[@]}") <(cd "$mnt" && stat -c "$fmt" "${files[@]}"); then
    echo "mode, links, owner, size, inode, mtime: identical for all ${#files[@]} entries"
else
    echo "stat differs between backing/ and mnt/ (above)" >&2
    exit 1
fi

heading "5. Reading through the mount"
show 'cat mnt/docs/readme.txt'
show 'cat mnt/readme-link'
show 'mnt/bin/run.sh'
show 'sha256sum backing/data/big.bin mnt/data/big.bin'
big_sum=$(sha256sum <"$backing/data/big.bin")
[[ $(sha256sum <"$backing/data/big.bin") == $(sha256sum <"$mnt/data/big.bin") ]] || { echo "big.bin differs" >&2; exit 1; }
echo "# big.bin (3 MiB, local, opened read-only) was read by the kernel from backing/ itself (FUSE"
echo "# passthrough, Linux 6.9+): no daemon on its data path. The mount's log says whether it is on:"
show 'grep -m1 -o "FUSE passthrough: [^;]*" state/tierfs.log'

heading "6. Changes through the mount land in the backing tree"
show 'echo "edited through the mount" >> mnt/docs/readme.txt'
show 'echo new > mnt/data/new.txt'
show 'cat backing/docs/readme.txt'
show 'cat backing/docs/readme-hardlink.txt'
show 'ls -l backing/data/new.txt'
grep -q "edited through the mount" "$backing/docs/readme.txt" || { echo "the edit is not in the backing file" >&2; exit 1; }

heading "7. Forward migration: big.bin goes to the remote tier (the embedded default: state/archive)"
show 'stat -c "%n: %s bytes, %b blocks, mode %A, owner %U, mtime %y, ctime %z" mnt/data/big.bin'
before=$(stat -c '%s %A %U %G %i %Y %Z' "$mnt/data/big.bin")
show 'tierfs migrate mnt/data/big.bin'
show 'tierfs state mnt/data/big.bin'
show 'stat -c "%n: %s bytes, %b blocks, mode %A, owner %U, mtime %y, ctime %z" mnt/data/big.bin'
after=$(stat -c '%s %A %U %G %i %Y %Z' "$mnt/data/big.bin")
[[ $before == "$after" ]] || { echo "the stub's stat differs: $before / $after" >&2; exit 1; }
echo "size, mode, owner, inode, mtime and ctime unchanged; the data blocks are freed:"
show 'du -k mnt/data/big.bin backing/data/big.bin'
[[ $(tierfs state "$mnt/data/big.bin") == released* ]] || { echo "big.bin is not released" >&2; exit 1; }

heading "8. Reverse migration: opening the stub brings the data back, transparently (streaming)"
show 'sha256sum mnt/data/big.bin'
show 'tierfs state mnt/data/big.bin'
[[ $(sha256sum <"$mnt/data/big.bin") == "$big_sum" ]] || { echo "big.bin came back different" >&2; exit 1; }
echo "same content as before the migration"
# Streaming recall: a reader of a larger stub gets its first bytes once they are back and verified,
# not once the whole file is.
head -c $((40 * 1024 * 1024)) /dev/urandom >"$backing/data/large.bin"
large_sum=$(sha256sum <"$backing/data/large.bin")
cat >"$tmp/firstbytes.py" <<'PY'
import os, sys, time
t0 = time.monotonic()
fd = os.open(sys.argv[1], os.O_RDONLY)
os.pread(fd, 4096, 0)
t1 = time.monotonic()
back = os.stat(sys.argv[2]).st_blocks * 512
size = os.fstat(fd).st_size
while os.read(fd, 1 << 20):
    pass
t2 = time.monotonic()
print(f"first 4 KiB after {(t1 - t0) * 1000:.1f} ms, when {back / 2**20:.1f} of {size / 2**20:.0f} MiB were back; the whole file after {(t2 - t0) * 1000:.0f} ms")
PY
show 'tierfs migrate mnt/data/large.bin'
show 'python3 firstbytes.py mnt/data/large.bin backing/data/large.bin'
[[ $(sha256sum <"$mnt/data/large.bin") == "$large_sum" ]] || { echo "large.bin came back different" >&2; exit 1; }

heading "9. Trust: a lost remote copy is an error for the open, never wrong data; only a check concludes lost"
show 'tierfs migrate mnt/data/small.txt'
key=$(python3 -c 'import os, json, sys; print(json.loads(os.getxattr(sys.argv[1], "trusted.tierfs.stub"))["key"])' "$backing/data/small.txt")
echo "its record names the object $key (and the remote tier it is on); the object goes missing:"
show "mv state/archive/$key object-aside"
show 'cat mnt/data/small.txt || echo "(the open failed: the stub is left as it was)"'
show 'tierfs state mnt/data/small.txt'
show 'tierfs check mnt/data/small.txt || true'
show 'tierfs state mnt/data/small.txt'
[[ $(tierfs state "$mnt/data/small.txt") == lost* ]] || { echo "check did not mark small.txt lost" >&2; exit 1; }
echo "the object is restored (from a backup, say): the next open asks the remote tier again"
show "mv object-aside state/archive/$key"
show 'cat mnt/data/small.txt'
show 'tierfs state mnt/data/small.txt'
echo "one tree, one mount: a second mount of backing/ is refused"
mkdir -p "$tmp/mnt2"
show 'tierfs mount backing mnt2 --state-dir state2 || true'
if is_tierfs_mount "$tmp/mnt2"; then echo "a second mount of backing/ was allowed" >&2; exit 1; fi

heading "10. The metadata index: what is where (a scan keeps it in step; the mount keeps it current)"
show 'tierfs scan mnt'
show 'tierfs query mnt "SELECT path, size, state FROM files WHERE type = '"'"'f'"'"' ORDER BY size DESC LIMIT 5"'
show 'tierfs report mnt'

heading "11. Policies: what would move, then move it"
show 'tierfs policy list mnt'
show 'tierfs policy run mnt --dry-run -v'
show 'tierfs policy run mnt'
show 'tierfs state -r mnt/docs mnt/data'
[[ $(tierfs state "$mnt/docs/readme.txt") == released* ]] || { echo "the policy did not migrate docs/readme.txt" >&2; exit 1; }
show 'tierfs status mnt'

heading "12. Who may recall: an indexer is refused; every recall is accounted for"
show 'cp "$(command -v cat)" ./updatedb'
show './updatedb mnt/docs/readme.txt || echo "(refused with EPERM: recall.deny_commands names updatedb; nothing recalled)"'
show 'tierfs state mnt/docs/readme.txt'
[[ $(tierfs state "$mnt/docs/readme.txt") == released* ]] || { echo "the denied command recalled docs/readme.txt" >&2; exit 1; }
show 'cat mnt/docs/readme.txt'
show 'tierfs query mnt "SELECT path, trigger, command, uid, bytes, result FROM recalls ORDER BY started"'
[[ $(tierfs query "$mnt" "SELECT count(*) FROM recalls WHERE command = 'cat' AND path = 'docs/readme.txt' AND result = 'ok'") == *1* ]] || { echo "the recall by cat is not in the recalls table" >&2; exit 1; }
show 'tierfs report mnt --since 1h | sed -n "/^Recalls by/,\$p"'

heading "13. Verify: the index against the remote tier; an alarm; the metrics and the status page"
show 'tierfs verify mnt'
key=$(python3 -c 'import os, json, sys; print(json.loads(os.getxattr(sys.argv[1], "trusted.tierfs.stub"))["key"])' "$backing/data/new.txt")
echo "the object of data/new.txt goes missing behind TierFs's back:"
show "mv state/archive/$key object-aside"
show 'tierfs verify mnt || echo "(exit status $?: differences)"'
show 'tierfs alarms mnt'
[[ $(tierfs alarms "$mnt") == 1\ * ]] || { echo "verify raised no alarm" >&2; exit 1; }
show 'tierfs verify mnt --repair --dry-run || true'
show "mv object-aside state/archive/$key"
show 'tierfs verify mnt'
show 'tierfs alarms mnt --ack 1'
get() { python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=30).read().decode())' "http://127.0.0.1:$metrics_port$1"; }
echo "GET http://127.0.0.1:$metrics_port/metrics (Prometheus; some of its lines):"
get /metrics | grep -E '^tierfs_(files|migrated_files_total|recalled_files_total|open_alarms|last_verify_success)'
get /metrics | grep -q '^tierfs_open_alarms 0$' || { echo "the metrics do not show the alarm closed" >&2; exit 1; }
echo "GET http://127.0.0.1:$metrics_port/ (the status page; its sections):"
get / | grep -o '<h2>[^<]*' | sed 's/<h2>/  /'
show 'tierfs log mnt --format csv | grep -E "^time|,verify,"'

heading "14. The west side: the namespace published to the remote tier, mounted read-only elsewhere"
cat >"$tmp/west.yaml" <<YAML
# The same remote tier as east (the demo's archive directory) and the same pair.
remote:
  type: directory
  path: $state/archive
pair:
  name: demo
  local_share_path: /demo/east
  remote_cluster_id: WEST
  remote_share_path: /demo/west
west:
  refresh: 2s        # how often the west mount looks for a newer generation (default 10s)
YAML
mkdir -p "$tmp/west"
show 'tierfs migrate mnt/data/big.bin'
show 'tierfs sync mnt'
show 'tierfs mount --remote --config west.yaml west --state-dir west-state'
show 'findmnt -n -o TARGET,SOURCE,FSTYPE,OPTIONS west'
show 'ls -l west west/data'
echo "data/big.bin is read from the remote tier, each part verified:"
show 'sha256sum west/data/big.bin'
[[ $(sha256sum <"$tmp/west/data/big.bin") == "$big_sum" ]] || { echo "west/data/big.bin differs from what east wrote" >&2; exit 1; }
show 'echo x > west/new.txt || echo "(refused: the west mount is read-only)"'
[[ ! -e $tmp/west/new.txt ]] || { echo "the west mount took a write" >&2; exit 1; }
show 'tierfs umount west'
echo "disaster recovery: the east tree is rebuilt as stubs from the remote tier alone (the same pair and remote)"
mkdir -p "$tmp/restored"
show 'tierfs import --config west.yaml restored'
show 'ls -l restored/data'
show 'tierfs mount --config west.yaml restored restored --state-dir restored-state'
show 'tierfs state restored/data/big.bin'
show 'sha256sum restored/data/big.bin'
[[ $(sha256sum <"$tmp/restored/data/big.bin") == "$big_sum" ]] || { echo "restored/data/big.bin differs" >&2; exit 1; }
show 'tierfs umount restored'

heading "15. Prestaging: a recall policy brings data/'s stubs back before they are needed"
show 'tierfs policy run mnt prestage-data'
show 'tierfs query mnt "SELECT path, trigger, command, uid, bytes, result FROM recalls WHERE trigger = '"'"'policy'"'"'"'
[[ $(tierfs state "$mnt/data/big.bin") != released* ]] || { echo "the recall policy did not recall data/big.bin" >&2; exit 1; }

heading "16. Unmount"
show 'tierfs umount mnt'
if is_tierfs_mount "$mnt"; then echo "mnt/ is still mounted" >&2; exit 1; fi
echo "mnt/ is a plain empty directory again: $(find "$mnt" -mindepth 1 | wc -l) entries"

heading "17. Mount in place: backing/ on itself (users keep their paths)"
show 'tierfs mount backing backing --state-dir state'
show 'findmnt -n -o TARGET,SOURCE,FSTYPE backing'
show 'ls -l backing'
show 'echo "written in place" > backing/in-place.txt'
show 'tierfs umount backing'
if is_tierfs_mount "$backing"; then echo "backing/ is still mounted" >&2; exit 1; fi
echo "after unmounting, the file is in the plain directory:"
show 'cat backing/in-place.txt'

heading "Done: every step passed; the temp dir is removed"
