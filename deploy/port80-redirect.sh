#!/usr/bin/env bash
# Makes TCP port 80 reach the web server on an unprivileged port (default 5000) with iptables
# NAT REDIRECT rules, so `serve` never runs as root and holds no capability:
#   nat PREROUTING: requests from other machines to port 80
#   nat OUTPUT -o lo: requests from this machine itself (curl localhost, or its own public
#                     address, which Linux routes over lo), which never pass PREROUTING
# The same rules go into ip6tables where IPv6 NAT is available.
# Usage: port80-redirect.sh add|remove|check [--from PORT] [--to PORT]
#   add: idempotent (a rule already there is not added twice); remove: deletes every copy;
#   check: exit 0 when all rules are in place, 1 otherwise.
# Rules are not saved by iptables itself: deploy/systemd/arxiv-sanity-port80.service (a
# oneshot unit) runs `add` at every boot, and `remove` when stopped.
set -euo pipefail

usage() { echo "usage: $0 add|remove|check [--from PORT] [--to PORT]" >&2; exit 2; }

[ $# -ge 1 ] || usage
action=$1
shift
from=80
to=5000
while [ $# -gt 0 ]; do
  case $1 in
    --from) from=${2:?}; shift 2 ;;
    --to) to=${2:?}; shift 2 ;;
    *) usage ;;
  esac
done
case $action in add | remove | check) ;; *) usage ;; esac
for p in "$from" "$to"; do
  if ! [[ $p =~ ^[0-9]+$ ]] || [ "$p" -lt 1 ] || [ "$p" -gt 65535 ]; then
    echo "port80-redirect: bad port: $p" >&2
    exit 2
  fi
done

tag="arxiv-sanity ${from}->${to}"
rules=(
  "PREROUTING -p tcp --dport $from -m comment --comment \"$tag\" -j REDIRECT --to-ports $to"
  "OUTPUT -o lo -p tcp --dport $from -m comment --comment \"$tag\" -j REDIRECT --to-ports $to"
)

# apply TOOL: runs the action with one of iptables / ip6tables. Returns 1 when check fails.
apply() {
  local tool=$1 rule ok=0
  for rule in "${rules[@]}"; do
    local args
    eval "args=($rule)"
    case $action in
      add)
        "$tool" -w -t nat -C "${args[@]}" 2>/dev/null || "$tool" -w -t nat -A "${args[@]}"
        ;;
      remove)
        while "$tool" -w -t nat -C "${args[@]}" 2>/dev/null; do "$tool" -w -t nat -D "${args[@]}"; done
        ;;
      check)
        "$tool" -w -t nat -C "${args[@]}" 2>/dev/null || ok=1
        ;;
    esac
  done
  return $ok
}

command -v iptables >/dev/null || { echo "port80-redirect: iptables is not installed (apt-get install iptables)" >&2; exit 1; }
rc=0
apply iptables || rc=1
# IPv6: best effort (a machine without IPv6, or without its NAT table, keeps the IPv4 rules).
if command -v ip6tables >/dev/null && [ -e /proc/net/if_inet6 ] && ip6tables -w -t nat -L -n >/dev/null 2>&1; then
  apply ip6tables || rc=1
fi
if [ "$action" = add ]; then
  echo "port80-redirect: TCP port $from -> $to (from other machines and from this one)"
elif [ "$action" = remove ]; then
  echo "port80-redirect: removed the $from -> $to redirect"
fi
exit $rc
