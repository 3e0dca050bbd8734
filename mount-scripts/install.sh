#!/bin/bash
# Installs TierFs on this machine (Debian/Ubuntu, as root), then runs the demo.
#
#   mount-scripts/install.sh              everything, then mount-scripts/demo.sh
#   mount-scripts/install.sh --no-demo    everything but the demo
#   mount-scripts/install.sh --deps-only  only the system packages and the test tools (npm)
#
# Installs: the Debian packages TierFs needs to build, run and be tested; the test S3 server
# (integration/node_modules); tierfs in /usr/local/lib/tierfs with /usr/local/bin/tierfs;
# /sbin/mount.fuse.tierfs (for mount -t fuse.tierfs and /etc/fstab); the systemd unit template
# tierfs@.service. Safe to run again: steps that are already done are skipped or redone in place,
# and a reinstall does not disturb mounts that are running.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
prefix_lib=/usr/local/lib/tierfs
bin_link=/usr/local/bin/tierfs
helper=/sbin/mount.fuse.tierfs
unit_dir=/etc/systemd/system

demo=1
deps_only=0
for arg in "$@"; do
    case $arg in
        --no-demo) demo=0 ;;
        --deps-only) deps_only=1 ;;
        -h | --help)
            sed -n '2,/^set /{/^#/p}' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "install.sh: unknown argument $arg (use --no-demo or --deps-only)" >&2
            exit 2
            ;;
    esac
done

step() { printf '\n== %s\n' "$*"; }
die() { echo "install.sh: $*" >&2; exit 1; }

[[ $(id -u) == 0 ]] || die "run as root (it installs packages and mounts filesystems)"

# --- Debian packages ---------------------------------------------------------------------------
step "System packages"
# chromium: the status page is tested in a real headless browser (integration Ops.OpsWebTests).
# strace: holds `tierfs import` after each call that makes a name (integration West.ImportRaceTests).
packages=(fuse3 libfuse3-dev cmake pkg-config build-essential vim attr bindfs python3 chromium fonts-dejavu-core strace)
command -v node >/dev/null 2>&1 || packages+=(nodejs npm)
missing=()
for p in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [[ $status == installed ]] || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
    echo "all installed: ${packages[*]}"
fi
command -v npm >/dev/null 2>&1 || die "npm is missing although node is installed: apt-get install npm"
[[ -e /dev/fuse ]] || echo "warning: /dev/fuse is missing; load the fuse module (modprobe fuse) before mounting" >&2

# --- Test tools (the S3 server of the integration tests) ---------------------------------------
step "Test tools (npm ci in integration/)"
# npm ci starts from scratch and needs the registry; skip it when node_modules already holds
# exactly what the lock file pins (npm keeps a copy of it in node_modules/.package-lock.json).
if (cd "$repo/integration" && [[ -x node_modules/.bin/s3rver && -f node_modules/.package-lock.json ]] && node -e '
    const want = require("./package-lock.json").packages, have = require("./node_modules/.package-lock.json").packages;
    const key = o => Object.keys(o).filter(k => k !== "").sort().map(k => `${k}@${o[k].version} ${o[k].integrity}`).join("\n");
    process.exit(key(want) === key(have) ? 0 : 1)' 2>/dev/null); then
    echo "up to date: s3rver $(cd "$repo/integration" && node -p 'require("s3rver/package.json").version')"
else
    (cd "$repo/integration" && npm ci --no-audit --no-fund --loglevel=error)
fi
# s3rver answers a PUT before the object is on its disk; real S3 never shows that (see the script).
node "$repo/integration/patches/s3rver-atomic-put.js" || die "cannot patch s3rver (integration/patches/s3rver-atomic-put.js)"

if ((deps_only)); then
    echo
    echo "dependencies installed"
    exit 0
fi

# --- .NET ---------------------------------------------------------------------------------------
step "tierfs"
if ! command -v dotnet >/dev/null 2>&1; then
    die "dotnet not found: the .NET 10 SDK is required to build TierFs (https://learn.microsoft.com/dotnet/core/install/linux-debian), then run this again"
fi
sdk=$(dotnet --version 2>/dev/null || true)
[[ $sdk == 10.* || $sdk == 1[1-9].* ]] || die "the .NET 10 SDK is required to build TierFs (dotnet --version says '${sdk:-nothing}')"

# Publish into a new directory and swap it in, so that running mount daemons keep the files
# they have open (overwriting a loaded assembly in place can crash them).
staging=$prefix_lib.new.$$
trap 'rm -rf "$staging"' EXIT
dotnet publish "$repo/src/TierFs.Cli/TierFs.Cli.csproj" -c Release -o "$staging" --nologo -v quiet
[[ -x $staging/tierfs ]] || die "dotnet publish did not produce $staging/tierfs"
if [[ -d $prefix_lib ]]; then
    rm -rf "$prefix_lib.old"
    mv -T "$prefix_lib" "$prefix_lib.old"
fi
mv -T "$staging" "$prefix_lib"
rm -rf "$prefix_lib.old"
trap - EXIT
ln -sfn "$prefix_lib/tierfs" "$bin_link"
echo "installed $prefix_lib, $bin_link -> $prefix_lib/tierfs"

# The published program finds the .NET runtime by itself only in the usual places; mount(8) and
# systemd start it with a clean environment (no DOTNET_ROOT), so record where dotnet lives.
dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
if ! env -i "$bin_link" --help >/dev/null 2>&1; then
    mkdir -p /etc/dotnet
    echo "$dotnet_root" >/etc/dotnet/install_location
    echo "wrote /etc/dotnet/install_location ($dotnet_root)"
    env -i "$bin_link" --help >/dev/null || die "$bin_link does not start without DOTNET_ROOT in its environment"
fi

# --- mount(8) helper -----------------------------------------------------------------------------
step "mount helper"
install -m 755 "$repo/mount-scripts/mount.fuse.tierfs" "$helper"
echo "installed $helper (mount -t fuse.tierfs, /etc/fstab)"

# --- logrotate ----------------------------------------------------------------------------------
step "logrotate"
if [[ -d /etc/logrotate.d ]]; then
    install -m 644 "$repo/mount-scripts/tierfs.logrotate" /etc/logrotate.d/tierfs
    echo "installed /etc/logrotate.d/tierfs (weekly; SIGHUP makes the daemons reopen their logs)"
else
    echo "no /etc/logrotate.d: skipped (each daemon still rotates its log by size)"
fi

# --- systemd ------------------------------------------------------------------------------------
step "systemd unit"
if [[ -d $unit_dir ]]; then
    install -m 644 "$repo/mount-scripts/tierfs@.service" "$unit_dir/tierfs@.service"
    install -d -m 755 /etc/tierfs
    install -m 644 "$repo/mount-scripts/tierfs.env.example" /etc/tierfs/example.env.sample
    echo "installed $unit_dir/tierfs@.service (an instance NAME reads /etc/tierfs/NAME.env; see /etc/tierfs/example.env.sample)"
    if [[ -d /run/systemd/system ]]; then
        systemctl daemon-reload
        echo "systemctl daemon-reload done"
    else
        echo "systemd is not running here: skipped systemctl daemon-reload"
    fi
else
    echo "no $unit_dir: skipped"
fi

echo
echo "TierFs installed: $("$bin_link" --version 2>/dev/null || echo tierfs)"

if ((demo)); then
    step "Demo"
    TIERFS_BIN=$bin_link bash "$repo/mount-scripts/demo.sh"
fi
