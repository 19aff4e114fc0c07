# shellcheck shell=bash
# The project's own booted Debian 12 machine, for tests/booted/test_booted_deploy.sh (sourced).
# A clean debootstrap root, prepared in a chroot while the package mirror is reachable, then
# booted with systemd as PID 1 in systemd-nspawn, so units, timers, cloud-init (NoCloud), the
# iptables port 80 redirect and a reboot are real. Needs root and systemd-container.
#
# What was measured on this kind of host (docs/deploy.md, "The booted tests"):
#   - no systemd on the host side: nspawn needs --register=no --keep-unit;
#   - the root folder must be mode 755, else dbus inside stalls;
#   - --private-network keeps the machine's iptables rules off the host, and leaves it only
#     its own loopback: packages go in before the boot (machine_prepare);
#   - machinectl / systemd-run --machine do not work: commands enter the machine's namespaces
#     with nsenter on its PID 1;
#   - a reboot inside ends systemd-nspawn with exit 133: the boot loop starts it again.
#
# API (all take the machine's state from the M_* variables of one machine at a time):
#   machine_new ROOT_TAR          unpack a root (ROOT_CACHE, or a prepared tar) into a fresh dir
#   machine_chroot 'CMD'          run CMD in the root, with the host's apt sources and network
#   machine_save_tar FILE         tar the root (a prepared-root cache)
#   machine_bind HOST GUEST       bind-mount a host dir into the machine at boot (read-write)
#   machine_seed_user_data FILE   NoCloud seed (cloud-init runs at the first boot)
#   machine_boot                  boot and wait until systemd says running/degraded
#   machine_run 'CMD'             bash -c CMD as root inside (stdin/stdout/stderr pass through)
#   machine_reboot                reboot inside, wait until it is up again
#   machine_destroy               power off, unmount, delete (KEEP=1 keeps the root)
# Env: ROOT_CACHE (debootstrap tar; made when absent), BOOT_TIMEOUT (seconds, default 300).

M_ROOT="" M_NAME="" M_LOOP="" M_NSPAWN="" M_BINDS=() M_LOG=""
BOOT_TIMEOUT=${BOOT_TIMEOUT:-300}

machine_fail() { echo "machine: $*" >&2; return 1; }

# The debootstrap'd Debian 12 minbase root, made once and kept as a tar.
machine_root_cache() {
  local cache=${ROOT_CACHE:-/tmp/fresh-bookworm.tar} mirror base
  if [ ! -s "$cache" ]; then
    command -v debootstrap >/dev/null || machine_fail "debootstrap is not installed" || return 1
    mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null)
    [ -n "$mirror" ] || mirror=$(awk '/^deb / {print $2; exit}' /etc/apt/sources.list 2>/dev/null)
    base=$(mktemp -d /tmp/asp-debootstrap.XXXXXX)
    echo "machine: debootstrap bookworm from ${mirror:-?} (once; cached in $cache)" >&2
    debootstrap --variant=minbase bookworm "$base" "$mirror" >"$base.log" 2>&1 ||
      { machine_fail "debootstrap failed: $base.log"; return 1; }
    tar -C "$base" -cf "$cache.tmp" . && mv "$cache.tmp" "$cache" && rm -rf "$base" "$base.log"
  fi
  echo "$cache"
}

machine_new() {
  M_ROOT=$(mktemp -d /tmp/asp-machine.XXXXXX)
  M_NAME=asp$$-$RANDOM
  M_LOG=$M_ROOT.log
  M_BINDS=()
  tar -C "$M_ROOT" -xf "$1" || { machine_fail "cannot unpack $1"; return 1; }
  chmod 755 "$M_ROOT"
  # The host's package sources (same mirror, same authority for this network's TLS).
  cp -a /etc/apt/. "$M_ROOT/etc/apt/"
  [ -f "$M_ROOT/etc/apt/sources.list.d/debian.sources" ] && rm -f "$M_ROOT/etc/apt/sources.list"
  cp /etc/resolv.conf "$M_ROOT/etc/resolv.conf"
  mkdir -p "$M_ROOT/usr/local/share/ca-certificates"
  cp -a /usr/local/share/ca-certificates/. "$M_ROOT/usr/local/share/ca-certificates/" 2>/dev/null
  echo "$M_NAME" >"$M_ROOT/etc/hostname"
  return 0
}

machine_chroot() {
  local m rc
  if ! { mount --bind /dev "$M_ROOT/dev" && mount --bind /dev/pts "$M_ROOT/dev/pts" &&
          mount -t proc proc "$M_ROOT/proc" && mount -t sysfs sys "$M_ROOT/sys"; }; then
    machine_fail "chroot mounts failed"; return 1
  fi
  chroot "$M_ROOT" /usr/bin/env -i HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin bash -c "$1"
  rc=$?
  for m in dev/pts dev proc sys; do umount -l "$M_ROOT/$m" 2>/dev/null; done
  return $rc
}

machine_save_tar() {
  tar -C "$M_ROOT" --exclude=./root/project -cf "$1.tmp" . && mv "$1.tmp" "$1"
}

machine_bind() { M_BINDS+=("--bind=$1:$2"); mkdir -p "$M_ROOT$2"; }

machine_seed_user_data() {
  mkdir -p "$M_ROOT/var/lib/cloud/seed/nocloud"
  cp "$1" "$M_ROOT/var/lib/cloud/seed/nocloud/user-data"
  printf 'instance-id: %s\nlocal-hostname: %s\n' "$M_NAME" "$M_NAME" \
    >"$M_ROOT/var/lib/cloud/seed/nocloud/meta-data"
  rm -f "$M_ROOT/etc/cloud/cloud-init.disabled"
}

machine_leader() { ps -o pid= --ppid "$M_NSPAWN" 2>/dev/null | head -n1 | tr -d ' '; }

machine_run() {
  local leader
  leader=$(machine_leader)
  [ -n "$leader" ] || { machine_fail "not running"; return 97; }
  nsenter -t "$leader" -a /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin bash -c "$1"
}

machine_wait_running() {
  local i state final
  for i in $(seq 1 "$BOOT_TIMEOUT"); do
    M_NSPAWN=$(pgrep -P "$M_LOOP" -x systemd-nspawn | head -n1)
    if [ -n "$M_NSPAWN" ] && [ -n "$(machine_leader)" ]; then
      state=$(machine_run 'systemctl is-system-running' 2>/dev/null)
      case $state in running | degraded) echo "machine: $state after $i s"; return 0 ;; esac
      # cloud-init's last stage (its runcmd, e.g. a whole build) is part of the boot: the
      # system stays "starting" until it ends; the caller waits for cloud-init itself.
      if [ "$state" = starting ] && [ -d "$M_ROOT/var/lib/cloud/seed/nocloud" ]; then
        final=$(machine_run 'systemctl show -p ActiveState --value cloud-final.service' 2>/dev/null)
        case $final in activating | active | failed) ;; *) sleep 1; continue ;; esac
        echo "machine: starting (cloud-init's final stage running) after $i s"; return 0
      fi
    fi
    sleep 1
  done
  machine_fail "did not come up in $BOOT_TIMEOUT s (boot log: $M_LOG)"
}

machine_boot() {
  [ -s "$M_ROOT/etc/machine-id" ] && : >"$M_ROOT/etc/machine-id"
  [ -d "$M_ROOT/var/lib/cloud/seed/nocloud" ] || touch "$M_ROOT/etc/cloud/cloud-init.disabled"
  # One nspawn at a time; an exit of 133 is a reboot asked for inside.
  (
    while :; do
      systemd-nspawn -D "$M_ROOT" -b --machine="$M_NAME" --console=read-only --register=no \
        --keep-unit --private-network "${M_BINDS[@]}" </dev/null
      [ $? -eq 133 ] || break
    done
  ) >>"$M_LOG" 2>&1 &
  M_LOOP=$!
  machine_wait_running
}

machine_reboot() {
  local old=$M_NSPAWN
  machine_run 'systemctl reboot' >/dev/null 2>&1
  for _ in $(seq 1 60); do kill -0 "$old" 2>/dev/null || break; sleep 1; done
  M_NSPAWN=""
  machine_wait_running
}

machine_destroy() {
  [ -n "$M_ROOT" ] || return 0
  if [ -n "$M_NSPAWN" ] && kill -0 "$M_NSPAWN" 2>/dev/null; then
    machine_run 'systemctl poweroff' >/dev/null 2>&1
    for _ in $(seq 1 30); do kill -0 "$M_NSPAWN" 2>/dev/null || break; sleep 1; done
    kill -0 "$M_NSPAWN" 2>/dev/null && kill -TERM "$M_NSPAWN"
  fi
  if [ -n "$M_LOOP" ]; then kill "$M_LOOP" 2>/dev/null; wait "$M_LOOP" 2>/dev/null; fi
  for m in dev/pts dev proc sys; do umount -l "$M_ROOT/$m" 2>/dev/null; done
  for h in systemd unified; do   # what nspawn leaves in the host's cgroup tree
    [ -d "/sys/fs/cgroup/$h/payload" ] &&
      find "/sys/fs/cgroup/$h/payload" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
  rm -rf "/run/systemd/nspawn/propagate/$M_NAME" 2>/dev/null
  if [ "${KEEP:-0}" = 1 ]; then
    echo "machine: kept $M_ROOT (boot log $M_LOG)"
  else
    rm -rf "$M_ROOT" "$M_LOG"
  fi
  M_ROOT="" M_NSPAWN="" M_LOOP=""
}
