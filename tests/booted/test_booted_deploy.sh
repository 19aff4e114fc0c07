#!/usr/bin/env bash
# shellcheck disable=SC2016  # commands for inside the machines are single-quoted on purpose
# The deployment on booted Debian 12 machines (systemd as PID 1, tests/booted/machine.sh):
#   compile     scripts/deploy.sh typed on a machine with the build packages: units active and
#               enabled, the pipeline timer listed, http://localhost/ through the port 80
#               redirect, `systemctl start arxiv-sanity-pipeline` against a local fake arXiv
#               fills the site without a restart, the access log in the journal; an update
#               (git pull + deploy.sh again) keeps data, settings and sessions with serve back
#               within seconds; after a reboot all of it is back.
#   cloud-init  deploy/cloud-init.yaml as NoCloud user data, its repository pointed at the
#               machine's checkout: the same state with no command typed.
#   deb         the package (scripts/package.sh) fetched by cloud-init from a URL: serving;
#               an upgrade with scripts/deploy.sh --deb keeps data, settings and sessions;
#               purge removes the units and keeps the data directory; purge with
#               ARXIV_SANITY_PURGE_DATA=yes deletes it.
# Each prints its times (boot to serving, deploy.sh, the update's longest /healthz gap).
#
# Opt-in (heavy: three booted machines and a Release build): ASP_BOOTED_TESTS=1, as root.
# .ci/run opts in. Exit 0 only when everything passed; a missing tool is a failure.
#   ASP_BOOTED_TESTS=1 tests/booted/test_booted_deploy.sh [compile] [cloud-init] [deb]
# Env: ASP_BOOTED_WORK (caches: prepared roots, the compiler cache, the fake's PDFs; default
#      /var/tmp/asp-booted), ASP_BOOTED_COLD=1 (no compiler cache in the machines: the time of a
#      real first build), ROOT_CACHE (the debootstrap tar), KEEP=1 (keep machine roots).
# Only what is committed is tested: the machines clone the repository's HEAD.
set -uo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/booted/machine.sh
. "$src/tests/booted/machine.sh"

if [ "${ASP_BOOTED_TESTS:-0}" != 1 ]; then
  echo "booted: opt-in: set ASP_BOOTED_TESTS=1 (as root; about 15-25 minutes)" >&2
  exit 2
fi
fail() { echo "booted: FAIL: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || fail "needs root (systemd-nspawn, chroot, mounts)"
for tool in systemd-nspawn debootstrap nsenter git python3 cpack lintian; do
  command -v "$tool" >/dev/null || fail "$tool is missing (scripts/install-deps.sh --test)"
done
python3 -c 'import yaml' 2>/dev/null || fail "python3-yaml is missing (scripts/install-deps.sh --test)"
[ -z "$(git -C "$src" status --porcelain --untracked-files=no)" ] ||
  echo "booted: note: uncommitted changes are not tested (the machines clone HEAD)"

scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=(compile cloud-init deb)
work=${ASP_BOOTED_WORK:-/var/tmp/asp-booted}
mkdir -p "$work"
results=()
note() { echo "booted: $*"; results+=("$*"); }
trap 'machine_destroy' EXIT

# The base of a stock Debian 12 cloud image (what debootstrap's minbase lacks).
BASE_PKGS="systemd systemd-sysv dbus iproute2 iptables curl git sudo ca-certificates cloud-init python3"
FAKE_PORT=8089   # inside the machine (its own loopback): fixed ports are safe there
DEB_PORT=8090
pipeline_env() {   # the settings of a test instance: the local fake arXiv, a small corpus
  cat <<EOF
# booted-test settings (must survive updates)
SEARCH_QUERY='cat:cs.DC'
MAX_INDEX=40
SMALL_DISK=1
JOBS=1
WAIT_TIME=0
API_URL=http://127.0.0.1:$FAKE_PORT/api/query
PDF_URL=http://127.0.0.1:$FAKE_PORT/pdf/
KEEP_LOGS=30
EOF
}

# --- host side: the package, the fake's PDFs, prepared roots ------------------------------
pdfs=$work/fake-pdfs
if [ -z "$(ls -A "$pdfs" 2>/dev/null)" ]; then
  mkdir -p "$pdfs"
  python3 "$src/tests/fakes/fake_arxiv.py" --port 0 --fixtures-only >"$work/fake.out" 2>&1 &
  fake_pid=$!
  for _ in $(seq 1 50); do grep -q '^listening on' "$work/fake.out" && break; sleep 0.1; done
  port=$(awk '/^listening on/ {print $3; exit}' "$work/fake.out")
  python3 "$src/tests/fakes/make_pdfs.py" --api-url "http://127.0.0.1:$port/api/query" --out "$pdfs" \
    >/dev/null || { kill "$fake_pid"; fail "make_pdfs.py"; }
  kill "$fake_pid"; wait "$fake_pid" 2>/dev/null
fi

# prepared_root KIND PACKAGES...: the debootstrap root with the base packages and PACKAGES,
# kept as a tar named by a hash of the package list (and of install-deps.sh for KIND build).
prepared_root() {
  local kind=$1; shift
  local key tar base
  key=$( { echo "$BASE_PKGS $*"; [ "$kind" = build ] && cat "$src/scripts/install-deps.sh"; } |
        sha1sum | cut -c1-12)
  tar=$work/root-$kind-$key.tar
  if [ ! -s "$tar" ]; then
    base=$(machine_root_cache) || return 1
    # a root of the same kind made for an older package list: only what it lacks gets installed
    local older
    older=$(find "$work" -maxdepth 1 -name "root-$kind-*.tar" -printf '%T@ %p\n' | sort -rn |
            head -n1 | cut -d' ' -f2-)
    [ -n "$older" ] && base=$older
    echo "booted: preparing the $kind root (once; $tar)" >&2
    machine_new "$base" || return 1
    cp "$src/scripts/install-deps.sh" "$M_ROOT/tmp/install-deps.sh"
    machine_chroot "apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends \
        $BASE_PKGS $* >/dev/null && update-ca-certificates >/dev/null 2>&1 &&
        { [ $kind != build ] || bash /tmp/install-deps.sh --build >/dev/null; } && apt-get clean" >&2 ||
      { machine_destroy; machine_fail "could not prepare the $kind root"; return 1; }
    rm -f "$M_ROOT/tmp/install-deps.sh"
    machine_save_tar "$tar" && machine_destroy
  fi
  echo "$tar"
}

deb1="" deb2=""
# The build root (debootstrap, packages: network and disk) is made while the Release build
# (CPU) runs.
roots_pid=""
if [[ " ${scenarios[*]} " =~ \ (compile|cloud-init|roots)\  ]]; then
  prepared_root build >"$work/root-build.log" 2>&1 &
  roots_pid=$!
fi
if [ "${scenarios[*]}" = roots ]; then
  :   # only the build root
elif [[ " ${scenarios[*]} " == *" deb "* ]]; then
  echo "booted: scripts/package.sh (Release build, CPack, lintian)"
  t0=$(date +%s)
  "$src/scripts/package.sh" --out "$work/dist" >"$work/package.log" 2>&1 ||
    { tail -n 40 "$work/package.log"; fail "scripts/package.sh failed"; }
  note "package.sh: $(( $(date +%s) - t0 )) s"
  deb1=$(sed -n 's/^package: wrote //p' "$work/package.log")
  grep '^package: \(Depends\|lintian\)' "$work/package.log"
  v1=$(dpkg-deb -f "$deb1" Version)
  "$src/scripts/package.sh" --version "$v1.1" --no-lintian \
    --out "$work/dist" >"$work/package2.log" 2>&1 || { tail -n 20 "$work/package2.log"; fail "second package"; }
  deb2=$(sed -n 's/^package: wrote //p' "$work/package2.log")
fi

if [ -n "$roots_pid" ]; then
  wait "$roots_pid" || { cat "$work/root-build.log"; fail "preparing the build root"; }
fi
# A unit inside the machine, enabled, started before cloud-init's scripts (cloud-final).
add_unit() {   # NAME EXECSTART
  cat >"$M_ROOT/etc/systemd/system/$1.service" <<EOF
[Unit]
Description=booted test: $1
Before=cloud-final.service
[Service]
ExecStart=$2
[Install]
WantedBy=multi-user.target
EOF
  mkdir -p "$M_ROOT/etc/systemd/system/multi-user.target.wants"
  ln -sf "/etc/systemd/system/$1.service" "$M_ROOT/etc/systemd/system/multi-user.target.wants/"
}

# new_machine KIND: a machine from the prepared root, the checkout cloned into /root/project,
# the fake arXiv (with its PDFs) running from boot.
new_machine() {
  local tar
  if [ "$1" = build ]; then tar=$(prepared_root build) || fail "build root"
  else
    local -a deps
    read -r -a deps <<<"$(dpkg-deb -f "$deb1" Depends | sed 's/([^)]*)//g; s/|[^,]*//g; s/,/ /g')"
    tar=$(prepared_root runtime "${deps[@]}") || fail "runtime root"
  fi
  machine_new "$tar" || fail "machine_new"
  git clone -q "$src" "$M_ROOT/root/project" || fail "git clone"
  mkdir -p "$M_ROOT/srv/fake-pdfs"
  cp -a "$pdfs/." "$M_ROOT/srv/fake-pdfs/"
  add_unit asp-fake-arxiv "/usr/bin/python3 /root/project/tests/fakes/fake_arxiv.py --port $FAKE_PORT --fixtures-only --pdf-dir /srv/fake-pdfs"
}

# use_ccache BASE_DIR: the machines share one compiler cache (kept in $work/ccache-machines):
# the compile scenario's build fills it (from empty on a first run), cloud-init's reads it.
# (The host's own builds cannot fill it: ccache found no hit across host and machine roots.)
use_ccache() {
  [ "${ASP_BOOTED_COLD:-0}" = 1 ] && return 0
  mkdir -p "$work/ccache-machines"
  CCACHE_DIR=$work/ccache-machines ccache -z >/dev/null 2>&1 || true
  machine_bind "$work/ccache-machines" /var/cache/asp-ccache
  printf 'cache_dir = /var/cache/asp-ccache\nbase_dir = %s\nhash_dir = false\nsloppiness = pch_defines,time_macros\n' \
    "$1" >"$M_ROOT/etc/ccache.conf"
}

# user_data OUT [ASP_DEB]: deploy/cloud-init.yaml as the test seeds it: the repository is the
# machine's checkout; the settings point at the fake arXiv; no package_update/packages/swap
# (the booted machine has no mirror, and a container cannot swapon); locale C.UTF-8.
user_data() {
  python3 - "$src/deploy/cloud-init.yaml" "$1" "${2:-}" "$(pipeline_env)" <<'EOF'
import sys, yaml
src, out, deb, settings = sys.argv[1:]
text = open(src).read()
cfg = yaml.safe_load(text)
for k in ("package_update", "packages", "swap"):
    cfg.pop(k, None)
cfg["locale"] = "C.UTF-8"
for f in cfg["write_files"]:
    if f["path"] == "/etc/arxiv-sanity/pipeline.env":
        f["content"] = settings + "\n"
script = cfg["runcmd"][0][2]
lines = []
for line in script.splitlines():
    s = line.strip()
    if s.startswith("ASP_REPO="):
        line = line[:line.index("ASP_REPO=")] + "ASP_REPO=/root/project"
    elif s.startswith("ASP_BRANCH="):
        line = line[:line.index("ASP_BRANCH=")] + "ASP_BRANCH="
    elif s.startswith("ASP_DEB="):
        line = line[:line.index("ASP_DEB=")] + "ASP_DEB=" + deb
    lines.append(line)
assert any("ASP_REPO=/root/project" in l for l in lines), "no ASP_REPO= line in cloud-init.yaml"
assert not deb or any(l.strip() == "ASP_DEB=" + deb for l in lines), "no ASP_DEB= line"
cfg["runcmd"][0][2] = "\n".join(lines) + "\n"
with open(out, "w") as f:
    f.write("#cloud-config\n" + yaml.safe_dump(cfg, sort_keys=False))
EOF
}

# --- checks inside a machine ----------------------------------------------------------------
in_m() { machine_run "$1" || fail "$2"; }

check_serving() {   # WHAT: every unit as designed, the timer, / through port 80, the redirect
  in_m 'for u in arxiv-sanity.service arxiv-sanity-port80.service arxiv-sanity-pipeline.timer; do
          [ "$(systemctl is-enabled $u)" = enabled ] || { echo "$u: $(systemctl is-enabled $u)"; exit 1; }
          systemctl is-active -q $u || { systemctl status --no-pager $u | tail -n 20; exit 1; }
        done' "$1: units not active/enabled"
  in_m 'systemctl list-timers --all --no-pager | grep -q "arxiv-sanity-pipeline.timer"' \
    "$1: list-timers does not show arxiv-sanity-pipeline.timer"
  in_m 'for _ in $(seq 1 30); do curl -fsS -o /dev/null http://localhost/healthz && break; sleep 1; done
        curl -fsS http://localhost/ | grep -q "<title>.*arxiv-sanity</title>"' \
    "$1: http://localhost/ (port 80) does not serve the site"
  in_m 'curl -fsS -o /dev/null http://localhost/static/katex/katex.min.css' \
    "$1: KaTeX (libjs-katex) is not served"
  in_m 'iptables -w -t nat -S OUTPUT | grep -q "arxiv-sanity 80->5000"' "$1: no port 80 redirect"
  in_m '! ss -ltnH "sport = :80" | grep -q .' "$1: something listens on port 80 itself"
  echo "booted: $1: serving (units active/enabled, timer listed, / through port 80)"
}

papers() { machine_run 'curl -fsS http://localhost/healthz' | python3 -c 'import json,sys; print(json.load(sys.stdin)["papers"])'; }

wait_pipeline() {   # WHAT: the running (or queued) pipeline run ends, successfully
  in_m 'for _ in $(seq 1 1200); do
          s=$(systemctl show -p ActiveState --value arxiv-sanity-pipeline.service)
          [ "$s" = activating ] || [ "$s" = active ] || break; sleep 1; done
        [ "$(systemctl show -p Result --value arxiv-sanity-pipeline.service)" = success ] ||
          { journalctl -u arxiv-sanity-pipeline --no-pager | tail -n 30; exit 1; }' "$1: the pipeline run failed"
}

check_filled() {   # WHAT: the site shows papers, the access log is in the journal
  local n
  for _ in $(seq 1 30); do n=$(papers); [ "${n:-0}" -gt 0 ] && break; sleep 1; done
  [ "${n:-0}" -gt 0 ] || fail "$1: no papers on the site after the pipeline run"
  in_m 'id=$(curl -fsS "http://localhost/api/recent?limit=1" | python3 -c "import json,sys; print(json.load(sys.stdin)[\"papers\"][0][\"id\"])")
        curl -fsS http://localhost/ | grep -q "$id"' "$1: / does not list the newest paper"
  in_m 'journalctl -u arxiv-sanity --no-pager | grep -q " GET / 200 "' "$1: no access log line in the journal"
  echo "booted: $1: $n papers on the site; the access log is in the journal"
}

login_and_save() {   # an account, a saved paper, the cookie jar kept in /root/jar
  in_m 'curl -fsS -c /root/jar -o /dev/null http://localhost/healthz
        tok=$(awk "\$6==\"csrf\" {print \$7}" /root/jar)
        curl -fsS -b /root/jar -c /root/jar -H "X-CSRF-Token: $tok" -H "Content-Type: application/json" \
          -d "{\"username\":\"booted\",\"password\":\"violet-Harbor-lantern-1987\"}" \
          http://localhost/api/signup -o /dev/null
        tok=$(awk "\$6==\"csrf\" {print \$7}" /root/jar)
        id=$(curl -fsS "http://localhost/api/recent?limit=1" | python3 -c "import json,sys; print(json.load(sys.stdin)[\"papers\"][0][\"id\"])")
        curl -fsS -b /root/jar -c /root/jar -H "X-CSRF-Token: $tok" -X PUT "http://localhost/api/library/$id" -o /dev/null
        echo "$id" >/root/saved' "sign-up and save"
}

check_session() {   # WHAT: the kept cookie still logs in and sees the saved paper
  in_m 'curl -fsS -b /root/jar http://localhost/api/library | grep -q "\"$(cat /root/saved)\""' \
    "$1: the login from before is not valid any more (or the saved paper is gone)"
  echo "booted: $1: the login from before is still valid, the saved paper is there"
}

settings_fingerprint() { machine_run 'cat /etc/arxiv-sanity/pipeline.env /etc/arxiv-sanity/serve.env /etc/arxiv-sanity/session-secret | sha256sum'; }

# update_with 'CMD' WHAT: runs CMD while polling /healthz; data, settings, sessions kept; the
# longest time /healthz did not answer 200 is printed and must be under 10 s.
update_with() {
  local before_papers before_settings gap
  before_papers=$(papers); before_settings=$(settings_fingerprint)
  in_m 'nohup bash -c "while :; do c=\$(curl -s -o /dev/null -m 1 -w %{http_code} http://localhost/healthz); echo \$(date +%s.%N) \$c; sleep 0.1; done" >/root/poll.log 2>&1 &
        echo $! >/root/poll.pid' "poller"
  local t0=$SECONDS
  in_m "$1" "$2: the update command failed"
  local took=$(( SECONDS - t0 ))
  sleep 2
  in_m 'kill $(cat /root/poll.pid)' "poller"
  gap=$(machine_run 'cat /root/poll.log' | awk '$2 == 200 { if (last && $1 - last > g) g = $1 - last; last = $1 }
        END { printf "%.1f", g }')
  [ "$(papers)" = "$before_papers" ] || fail "$2: papers $before_papers -> $(papers)"
  [ "$(settings_fingerprint)" = "$before_settings" ] || fail "$2: the settings or the session secret changed"
  check_session "$2"
  awk -v g="$gap" 'BEGIN { exit !(g < 10) }' || fail "$2: serve was unreachable for $gap s"
  note "$2: took $took s; data ($before_papers papers), settings, sessions kept; longest /healthz gap $gap s"
}

cache_stats() {   # the compiler cache's hits and misses in this machine
  if [ "${ASP_BOOTED_COLD:-0}" = 1 ] || [ ! -f "$M_ROOT/etc/ccache.conf" ]; then echo "no compiler cache"; return; fi
  machine_run 'ccache --print-stats' | awk -F'\t' '$1 == "direct_cache_hit" || $1 == "preprocessed_cache_hit" {h += $2}
    $1 == "cache_miss" {m = $2} END {printf "compiler cache: %d hits, %d misses", h, m}'
}

boot_to_serving() {   # seconds from the boot to deploy.sh's last line in the deploy log
  machine_run 'stat -c %Y /var/log/arxiv-sanity-deploy.log' | awk -v t0="$1" '{print $1 - t0}'
}

wait_cloud_init() {
  in_m 'cloud-init status --wait >/dev/null; cloud-init status --long | sed "s/^/cloud-init: /"; tail -n 5 /var/log/arxiv-sanity-deploy.log
        cloud-init status | grep -q "status: done"' "$1: cloud-init did not finish cleanly"
  in_m 'grep -q "deploy: done" /var/log/arxiv-sanity-deploy.log' "$1: the deploy log has no done line"
}

# --- the scenarios ---------------------------------------------------------------------------
scenario_compile() {
  new_machine build
  use_ccache /root/project
  machine_boot || fail "compile: boot"
  local t0=$SECONDS
  in_m 'cd /root/project && scripts/deploy.sh --no-first-run >/root/deploy.log 2>&1 || { tail -n 40 /root/deploy.log; exit 1; }' \
    "compile: scripts/deploy.sh failed"
  note "compile: scripts/deploy.sh, build included: $(( SECONDS - t0 )) s ($(cache_stats))"
  check_serving compile
  [ "$(papers)" = 0 ] || fail "compile: papers before the first run"
  pipeline_env >"$M_ROOT/etc/arxiv-sanity/pipeline.env"   # the machine's root is a host folder
  local pid
  pid=$(machine_run 'systemctl show -p MainPID --value arxiv-sanity')
  t0=$SECONDS
  in_m 'systemctl start arxiv-sanity-pipeline' "compile: systemctl start arxiv-sanity-pipeline"
  wait_pipeline compile
  note "compile: the pipeline run (40 papers, fake arXiv): $(( SECONDS - t0 )) s"
  check_filled compile
  [ "$(machine_run 'systemctl show -p MainPID --value arxiv-sanity')" = "$pid" ] ||
    fail "compile: serve was restarted to show the new papers"
  login_and_save
  # The update: a new commit upstream (a change to serve's source), pulled, deploy.sh again.
  in_m 'set -e; cd /root; git clone -q --bare project upstream.git; git clone -q upstream.git change
        cd change; echo "// booted test: an update" >>tools/serve/main.cpp
        git -c user.name=booted -c user.email=booted@localhost commit -qam "an update"; git push -q origin HEAD
        cd /root/project; git remote set-url origin /root/upstream.git' "compile: making the update"
  pid=$(machine_run 'systemctl show -p MainPID --value arxiv-sanity')
  update_with 'cd /root/project && git pull -q --ff-only origin "$(git rev-parse --abbrev-ref HEAD)" &&
               scripts/deploy.sh >/root/update.log 2>&1 || { tail -n 30 /root/update.log; exit 1; }' "compile: update"
  [ "$(machine_run 'systemctl show -p MainPID --value arxiv-sanity')" != "$pid" ] ||
    fail "compile: the update did not restart serve on the new build"
  local n
  n=$(papers)
  machine_reboot || fail "compile: reboot"
  check_serving "compile: after reboot"
  check_session "compile: after reboot"
  [ "$(papers)" = "$n" ] || fail "compile: after reboot: papers $n -> $(papers)"
  note "compile: after a reboot: serve, redirect and timer back, $n papers, login valid"
  machine_destroy
}

scenario_cloud_init() {
  new_machine build
  use_ccache /opt/arxiv-sanity/src
  user_data "$work/user-data-compile.yaml"
  machine_seed_user_data "$work/user-data-compile.yaml"
  local t0
  t0=$(date +%s)
  machine_boot || fail "cloud-init: boot"
  wait_cloud_init cloud-init
  note "cloud-init (compile way): boot to serving $(boot_to_serving "$t0") s ($(cache_stats))"
  check_serving cloud-init
  wait_pipeline cloud-init
  check_filled cloud-init
  machine_destroy
}

scenario_deb() {
  new_machine runtime
  mkdir -p "$M_ROOT/srv/debs"
  cp "$deb1" "$deb2" "$M_ROOT/srv/debs/"
  add_unit asp-deb-server "/usr/bin/python3 -m http.server $DEB_PORT --bind 127.0.0.1 --directory /srv/debs"
  user_data "$work/user-data-deb.yaml" "http://127.0.0.1:$DEB_PORT/$(basename "$deb1")"
  machine_seed_user_data "$work/user-data-deb.yaml"
  [ ! -e "$M_ROOT/usr/bin/g++" ] || fail "deb: the runtime machine has a compiler"
  local t0
  t0=$(date +%s)
  machine_boot || fail "deb: boot"
  wait_cloud_init deb
  note "deb (cloud-init, package from a URL): boot to serving $(boot_to_serving "$t0") s"
  check_serving deb
  in_m '[ -x /usr/lib/arxiv-sanity/bin/serve ] && [ ! -e /root/project/build-release ] && [ ! -e /opt/arxiv-sanity/src ]' \
    "deb: not installed from the package"
  wait_pipeline deb
  check_filled deb
  login_and_save
  in_m 'echo "# kept by upgrades" >>/etc/arxiv-sanity/serve.env' "settings"
  update_with "cd /root/project && scripts/deploy.sh --deb /srv/debs/$(basename "$deb2") >/root/upgrade.log 2>&1 ||
               { tail -n 30 /root/upgrade.log; exit 1; }" "deb: upgrade"
  in_m "[ \"\$(dpkg-query -W -f '\${Version}' arxiv-sanity)\" = '$(dpkg-deb -f "$deb2" Version)' ]" "deb: not upgraded"
  in_m 'apt-get purge -y -q arxiv-sanity >/root/purge.log 2>&1' "deb: purge"
  in_m '! systemctl cat arxiv-sanity.service >/dev/null 2>&1 && ! ls /lib/systemd/system/arxiv-sanity* 2>/dev/null &&
        [ -z "$(find /etc/systemd -name "arxiv-sanity*")" ] && ! systemctl is-active -q arxiv-sanity &&
        ! iptables -w -t nat -S | grep -q arxiv-sanity && [ ! -e /etc/arxiv-sanity ]' \
    "deb: purge left units, the redirect or the settings behind"
  in_m '[ -s /var/lib/arxiv-sanity/papers.db ] && grep -q "kept the data directory" /root/purge.log' \
    "deb: purge did not keep the data directory"
  in_m 'apt-get install -y -q /srv/debs/'"$(basename "$deb2")"' >/dev/null 2>&1 &&
        for _ in $(seq 1 30); do curl -fsS -o /dev/null http://localhost/healthz && break; sleep 1; done' "deb: reinstall"
  [ "$(papers)" -gt 0 ] || fail "deb: a reinstall after purge does not see the kept data"
  in_m 'ARXIV_SANITY_PURGE_DATA=yes apt-get purge -y -q arxiv-sanity >/dev/null 2>&1 && [ ! -e /var/lib/arxiv-sanity ]' \
    "deb: purge with ARXIV_SANITY_PURGE_DATA=yes did not delete the data directory"
  note "deb: upgrade kept data/settings/sessions; purge removed units, kept data; purge with ARXIV_SANITY_PURGE_DATA=yes deleted it"
  machine_destroy
}

for s in "${scenarios[@]}"; do
  case $s in
    roots) exit 0 ;;   # only the build root
    compile) scenario_compile ;;
    cloud-init) scenario_cloud_init ;;
    deb) scenario_deb ;;
    *) fail "unknown scenario: $s" ;;
  esac
done
echo "booted: all passed:"
printf 'booted:   %s\n' "${results[@]}"
