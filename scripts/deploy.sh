#!/usr/bin/env bash
# From an empty Ubuntu 22.04/24.04 (or Debian 12) machine to a public arxiv-sanity site, as
# root, from a checkout of this repository (docs/deploy.md):
#   packages -> swap file on small machines -> Release build -> system user -> install into
#   PREFIX -> settings in /etc/arxiv-sanity -> systemd units (serve --prod, port 80 redirect,
#   daily pipeline timer) and a journald size cap -> first pipeline run -> prints the URL.
# Rerunning it updates an instance (after `git pull`): settings files are kept.
#
# Usage: scripts/deploy.sh [--prefix DIR] [--data-dir DIR] [--user NAME] [--port N]
#                          [--no-first-run] [--no-start]
#        scripts/deploy.sh --deb FILE [--no-first-run]   installs the Debian package made by
#                          scripts/package.sh instead of compiling (docs/deploy.md)
#        scripts/deploy.sh --render DIR [same options] [--doc-dir DIR]   only writes the
#                          units and the wrapper, filled in, into DIR (tests, scripts/package.sh)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)

prefix=/opt/arxiv-sanity
data_dir=/var/lib/arxiv-sanity
etc_dir=/etc/arxiv-sanity
user=arxiv-sanity
port=5000
doc_dir=""
render_dir=""
deb=""
first_run=1
start=1

usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case $1 in
    --prefix) prefix=${2:?}; shift 2 ;;
    --data-dir) data_dir=${2:?}; shift 2 ;;
    --etc-dir) etc_dir=${2:?}; shift 2 ;;
    --user) user=${2:?}; shift 2 ;;
    --port) port=${2:?}; shift 2 ;;
    --doc-dir) doc_dir=${2:?}; shift 2 ;;
    --render) render_dir=${2:?}; shift 2 ;;
    --deb) deb=${2:?}; shift 2 ;;
    --no-first-run) first_run=0; shift ;;
    --no-start) start=0; shift ;;
    -h | --help) usage ;;
    *) echo "deploy: unknown option: $1" >&2; usage ;;
  esac
done

say() { echo "deploy: $*"; }
[ -n "$doc_dir" ] || doc_dir=$prefix/share/docs

# render SRC DEST: a template with @PREFIX@, @DATA_DIR@, @ETC_DIR@, @DOC_DIR@, @USER@, @PORT@
# filled in.
render() {
  sed -e "s|@PREFIX@|$prefix|g" -e "s|@DATA_DIR@|$data_dir|g" -e "s|@ETC_DIR@|$etc_dir|g" \
      -e "s|@DOC_DIR@|$doc_dir|g" -e "s|@USER@|$user|g" -e "s|@PORT@|$port|g" "$1" > "$2"
}

render_all() {  # DIR
  mkdir -p "$1"
  for unit in "$src"/deploy/systemd/*.service "$src"/deploy/systemd/*.timer; do
    render "$unit" "$1/$(basename "$unit")"
  done
  render "$src/deploy/arxiv-sanity-pipeline.in" "$1/arxiv-sanity-pipeline"
  chmod 755 "$1/arxiv-sanity-pipeline"
}

if [ -n "$render_dir" ]; then
  render_all "$render_dir"
  exit 0
fi

[ "$(id -u)" -eq 0 ] || { echo "deploy: run as root (sudo $0)" >&2; exit 1; }

# first_run_and_check: the first pipeline run (in the background) when there is no papers.db
# yet, then waits for serve through port 80.
first_run_and_check() {
  if [ "$first_run" -eq 1 ] && [ ! -f "$data_dir/papers.db" ]; then
    say "starting the first pipeline run (journalctl -fu arxiv-sanity-pipeline to follow it)"
    systemctl start --no-block arxiv-sanity-pipeline.service
  fi
  for _ in $(seq 1 30); do
    curl -fsS -o /dev/null "http://localhost/healthz" 2>/dev/null && break
    sleep 1
  done
  if curl -fsS -o /dev/null "http://localhost/healthz" 2>/dev/null; then
    say "serve answers on http://localhost/ (port 80 -> $port)"
  else
    say "warning: http://localhost/healthz does not answer yet: journalctl -u arxiv-sanity"
  fi
}

# print_address: the public address (EC2 instance metadata, IMDSv2; elsewhere the first local
# address).
print_address() {
  local ip="" token
  token=$(curl -fsS -m 2 -X PUT -H "X-aws-ec2-metadata-token-ttl-seconds: 60" \
    http://169.254.169.254/latest/api/token 2>/dev/null || true)
  if [ -n "$token" ]; then
    ip=$(curl -fsS -m 2 -H "X-aws-ec2-metadata-token: $token" \
      http://169.254.169.254/latest/meta-data/public-ipv4 2>/dev/null || true)
  fi
  [ -n "$ip" ] || ip=$(hostname -I 2>/dev/null | awk '{print $1}')
  say "done: the site is at http://${ip:-THIS-MACHINE}/ (papers appear as the first pipeline run progresses)"
  say "status: arxiv-sanity-pipeline status; logs: journalctl -u arxiv-sanity -u arxiv-sanity-pipeline"
}

# --deb FILE: the package (scripts/package.sh) instead of a build. Its maintainer scripts create
# the user, the data directory, the settings and the session secret, and enable and (re)start
# the units; upgrades keep data, settings and sessions. Its paths are fixed: /usr/lib/arxiv-sanity,
# /var/lib/arxiv-sanity, /etc/arxiv-sanity, serve on 5000.
if [ -n "$deb" ]; then
  [ -f "$deb" ] || { echo "deploy: no such package file: $deb" >&2; exit 1; }
  deb=$(readlink -f "$deb")
  prefix=/usr/lib/arxiv-sanity data_dir=/var/lib/arxiv-sanity etc_dir=/etc/arxiv-sanity port=5000
  # A compiled install on this machine: its units in /etc/systemd/system would shadow the
  # package's (data, settings and the session secret are shared and kept).
  for u in arxiv-sanity.service arxiv-sanity-port80.service arxiv-sanity-pipeline.service \
           arxiv-sanity-pipeline.timer; do
    if [ -f "/etc/systemd/system/$u" ]; then
      say "replacing the compiled install's $u by the package's"
      systemctl disable --now "$u" 2>/dev/null || true
      rm -f "/etc/systemd/system/$u"
    fi
  done
  [ -L /usr/local/bin/arxiv-sanity-pipeline ] && rm -f /usr/local/bin/arxiv-sanity-pipeline
  say "installing $deb"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$deb"
  if [ -d /run/systemd/system ] && [ "$start" -eq 1 ]; then
    first_run_and_check
  fi
  print_address
  exit 0
fi

# 1. Packages: what the build needs, plus iptables for the port 80 redirect.
say "installing packages"
"$src/scripts/install-deps.sh" --build
if ! command -v iptables >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends iptables
fi

# 2. A 1 GB machine: a swap file, so the compiler (up to ~0.9 GB for a heavy file) and analyze
# have room; scripts/build.sh also compiles one file at a time there.
mem_mb=$(awk '/MemTotal/ {print int($2 / 1024)}' /proc/meminfo)
swap_mb=$(awk '/SwapTotal/ {print int($2 / 1024)}' /proc/meminfo)
if [ "$mem_mb" -lt 2000 ] && [ "$swap_mb" -lt 1000 ]; then
  free_mb=$(df -Pm / | awk 'NR == 2 {print $4}')
  if [ "$free_mb" -gt 4000 ] && [ ! -e /swapfile ]; then
    say "adding a 2 GB swap file (/swapfile; $mem_mb MB of RAM)"
    fallocate -l 2G /swapfile 2>/dev/null || dd if=/dev/zero of=/swapfile bs=1M count=2048 status=none
    chmod 600 /swapfile
    mkswap /swapfile >/dev/null
    swapon /swapfile || say "warning: swapon failed (a container?); building with one job"
    grep -q '^/swapfile ' /etc/fstab || echo '/swapfile none swap sw 0 0' >> /etc/fstab
  else
    say "warning: $mem_mb MB of RAM, no swap, and no room for a swap file: building with one job"
    export JOBS=1
  fi
fi

# 3. Build (Release, no tests). ccache off (its cache would take disk an 8 GB machine lacks),
# unless this machine configures one system-wide (/etc/ccache.conf: a developer's or CI's).
say "building (this takes a while on one vCPU)"
[ -f /etc/ccache.conf ] || export CCACHE_DISABLE=1
"$src/scripts/build.sh" "$src/build-release" \
  -DCMAKE_BUILD_TYPE=Release -DASP_BUILD_TESTS=OFF -DASP_WERROR=OFF

# 4. The system user that owns the data and runs everything.
if ! id -u "$user" >/dev/null 2>&1; then
  say "creating system user $user"
  useradd --system --user-group --home-dir "$data_dir" --no-create-home --shell /usr/sbin/nologin "$user"
fi
mkdir -p "$data_dir"
chown "$user:$user" "$data_dir"
chmod 750 "$data_dir"

# 5. Install: binaries swapped in whole (running processes keep their old files), then the
# Makefile, its helper scripts and the docs.
say "installing into $prefix"
staging="$prefix/.staging"
rm -rf "$staging"
cmake --install "$src/build-release" --prefix "$staging" >/dev/null
render_all "$staging/units"
cp "$staging/units/arxiv-sanity-pipeline" "$staging/bin/"
mkdir -p "$prefix"
rm -rf "$prefix/bin.old"
[ -d "$prefix/bin" ] && mv "$prefix/bin" "$prefix/bin.old"
mv "$staging/bin" "$prefix/bin"
rm -rf "$prefix/bin.old"
mkdir -p "$prefix/share/scripts" "$prefix/share/deploy" "$prefix/share/docs"
install -m 644 "$src/Makefile.pipeline" "$prefix/share/Makefile.pipeline"
install -m 755 "$src/scripts/pipeline-status.sh" "$prefix/share/scripts/"
install -m 755 "$src/deploy/port80-redirect.sh" "$prefix/share/deploy/"
cp -r "$src/docs/." "$prefix/share/docs/"
ln -sf "$prefix/bin/arxiv-sanity-pipeline" /usr/local/bin/arxiv-sanity-pipeline

# 6. Settings: written once, kept on updates.
mkdir -p "$etc_dir"
for f in pipeline.env serve.env; do
  [ -f "$etc_dir/$f" ] || install -m 644 "$src/deploy/$f" "$etc_dir/$f"
done
# serve's session-signing secret: readable by the service user only, kept on updates.
if [ ! -s "$etc_dir/session-secret" ]; then
  (umask 077 && head -c 48 /dev/urandom | base64 -w0 > "$etc_dir/session-secret")
fi
chown "root:$user" "$etc_dir/session-secret"
chmod 640 "$etc_dir/session-secret"

# 7. systemd: units, journald cap, enable and start.
if [ ! -d /run/systemd/system ]; then
  say "systemd is not running here (a container?): units are in $staging/units; start by hand:"
  say "  $prefix/share/deploy/port80-redirect.sh add --to $port"
  say "  runuser -u $user -- $prefix/bin/serve --prod --data-dir $data_dir --port $port"
  exit 0
fi
install -m 644 "$staging"/units/*.service "$staging"/units/*.timer /etc/systemd/system/
mkdir -p /etc/systemd/journald.conf.d
install -m 644 "$src/deploy/journald-arxiv-sanity.conf" /etc/systemd/journald.conf.d/arxiv-sanity.conf
systemctl restart systemd-journald || true
rm -rf "$staging"
systemctl daemon-reload
if [ "$start" -eq 1 ]; then
  systemctl enable --now arxiv-sanity-port80.service arxiv-sanity-pipeline.timer
  systemctl enable arxiv-sanity.service
  systemctl restart arxiv-sanity.service
  first_run_and_check
fi
print_address
