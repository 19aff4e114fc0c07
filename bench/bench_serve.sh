#!/usr/bin/env bash
# serve under load, against nginx serving a saved copy of the same page as a static file, in
# one run on one machine. Usage: bench/bench_serve.sh [BUILD_DIR] [PAPERS] [DURATION_S]
# Needs wrk, nginx, python3 (scripts/install-deps.sh --test). CAP_MB=1024 (as root, cgroup v1):
# serve runs in a memory cgroup capped at that (no swap), whose peak is reported too (a 1 GB
# instance; serve past the cap would be OOM-killed and the runs would fail). Prints a Markdown section
# (paste into docs/benchmarks.md) and leaves its files in $WORK (default: a temp dir).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
PAPERS=${2:-50000}
DUR=${3:-10}
BIN=$BUILD/bin
WORK=${WORK:-$(mktemp -d /tmp/bench-serve.XXXXXX)}
DATA=$WORK/data
mkdir -p "$DATA/thumbs"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

pids=()
CG=""
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true
  if [ -n "$CG" ]; then rmdir "$CG" 2>/dev/null || true; fi
}
trap cleanup EXIT

echo "== data: $PAPERS synthetic papers" >&2
[ -f "$DATA/papers.db" ] || "$BIN/make_papers_db" "$DATA/papers.db" --synthesize "$PAPERS"
t0=$(date +%s.%N)
"$BIN/analyze" --data-dir "$DATA" -q
t1=$(date +%s.%N)
echo "== analyze: $(echo "$t1 - $t0" | bc) s" >&2
# A second generation (one more paper), to swap between under load.
echo '{"id":"2611.00001","title":"extra paper for a second generation","abstract":"distributed cache consensus"}' |
  "$BIN/make_papers_db" "$DATA/papers.db"
"$BIN/analyze" --data-dir "$DATA" -q
mapfile -t gens < <(find "$DATA/index" -maxdepth 1 -name 'gen-*' -printf '%f\n' | sort | tail -2)

# serve: start-up time = launch to first answered request.
PORT=$(free_port)
head -c 48 /dev/urandom | base64 > "$WORK/secret"
start=$(date +%s%N)
if [ -n "${CAP_MB:-}" ]; then
  CG=/sys/fs/cgroup/memory/asp-bench-serve-$$
  mkdir "$CG"
  echo $((CAP_MB * 1024 * 1024)) > "$CG/memory.limit_in_bytes"
  [ -f "$CG/memory.memsw.limit_in_bytes" ] && echo $((CAP_MB * 1024 * 1024)) > "$CG/memory.memsw.limit_in_bytes"
fi
# (with CAP_MB the shell joins the cgroup, then becomes serve)
sh -c '[ -n "$1" ] && echo $$ > "$1/cgroup.procs"; shift; exec "$@"' _ "$CG" \
  "$BIN/serve" --data-dir "$DATA" --port "$PORT" --secret-file "$WORK/secret" > "$WORK/serve.log" 2>&1 &
SPID=$!; pids+=("$SPID")
until curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz"; do sleep 0.005; done
startup_ms=$(( ($(date +%s%N) - start) / 1000000 ))
rss_start=$(awk '/VmRSS/ {print int($2/1024)}' /proc/$SPID/status)
# A recent paper that has similar papers in both generations (not 2611.00001, the paper
# only the second generation has).
ID=$(curl -s "http://127.0.0.1:$PORT/api/recent?limit=50" | python3 -c '
import json, sys, urllib.request
for p in json.load(sys.stdin)["papers"]:
    if p["id"] == "2611.00001":
        continue
    url = "http://127.0.0.1:'"$PORT"'/api/similar/" + p["id"] + "?limit=1"
    if json.load(urllib.request.urlopen(url))["total"] > 0:
        print(p["id"]); break')

# nginx: the same recent page, saved, as a static file.
NPORT=$(free_port)
mkdir -p "$WORK/nginx/html" "$WORK/nginx/logs"
curl -s "http://127.0.0.1:$PORT/" > "$WORK/nginx/html/index.html"
cat > "$WORK/nginx/nginx.conf" <<CONF
worker_processes auto;
pid $WORK/nginx/nginx.pid;
error_log stderr warn;
events { worker_connections 4096; }
http {
  access_log off;
  default_type text/html;
  server { listen 127.0.0.1:$NPORT; root $WORK/nginx/html; location / { try_files /index.html =404; } }
}
CONF
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -g 'daemon off;' &
pids+=($!)
until curl -sf -o /dev/null "http://127.0.0.1:$NPORT/"; do sleep 0.05; done

# 500 idle keep-alive connections to each server, held open through every run.
python3 - "$PORT" "$NPORT" > "$WORK/idle.log" 2>&1 <<'PY' &
import socket, sys, time
socks = []
for port in sys.argv[1:]:
    for _ in range(500):
        s = socket.create_connection(("127.0.0.1", int(port)))
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        socks.append(s)
print(len(socks), "idle connections open", flush=True)
time.sleep(3600)
PY
pids+=($!)
sleep 2

# Every request a query never seen before (an unknown word makes it unique, matching nothing
# more): the search is scored afresh, never answered from serve's per-snapshot cache.
cat > "$WORK/fresh_search.lua" <<'LUA'
local threads = 0
function setup(thread) threads = threads + 1; thread:set("tid", threads) end
local i = 0
function request()
  i = i + 1
  return wrk.format(nil, "/api/search?q=distributed+consensus+u" .. tid .. "x" .. i .. "&limit=20")
end
LUA

run_wrk() {  # url conns [lua script] -> "rps p99_ms errors"
  local out
  out=$(wrk -t2 -c"$2" -d"${DUR}s" --latency ${3:+-s "$3"} "$1" 2>&1)
  local rps p99 err non2xx
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub("us","",v); v=v/1000} else if (v ~ /ms$/) {sub("ms","",v)} else if (v ~ /s$/) {sub("s","",v); v=v*1000}; print v}')
  err=$(echo "$out" | awk '/Socket errors/ {gsub(",",""); print $4+$6+$8+$10}')
  non2xx=$(echo "$out" | awk '/Non-2xx/ {print $5}')
  echo "$rps ${p99:-?} $(( ${err:-0} + ${non2xx:-0} ))"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "| target | conns | serve req/s | nginx req/s | serve/nginx | serve p99 ms | nginx p99 ms | errors |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
for c in 16 64 256; do
  read -r s_rps s_p99 s_err <<< "$(run_wrk "http://127.0.0.1:$PORT/" "$c")"
  read -r n_rps n_p99 n_err <<< "$(run_wrk "http://127.0.0.1:$NPORT/" "$c")"
  ratio=$(python3 -c "print(f'{$s_rps/$n_rps:.2f}')")
  echo "| / (recent, 200 papers) | $c | $s_rps | $n_rps | $ratio | $s_p99 | $n_p99 | $s_err / $n_err |"
done
for c in 16 64 256; do
  read -r s_rps s_p99 s_err <<< "$(run_wrk "http://127.0.0.1:$PORT/api/search?q=distributed+consensus&limit=20" "$c")"
  echo "| /api/search?q=distributed+consensus | $c | $s_rps | | | $s_p99 | | $s_err |"
done
for c in 16 64 256; do
  read -r s_rps s_p99 s_err <<< "$(run_wrk "http://127.0.0.1:$PORT/" "$c" "$WORK/fresh_search.lua")"
  echo "| /api/search, a new query each time (all $PAPERS match; never cached) | $c | $s_rps | | | $s_p99 | | $s_err |"
done
for c in 16 64 256; do
  read -r s_rps s_p99 s_err <<< "$(run_wrk "http://127.0.0.1:$PORT/api/similar/$ID?limit=20" "$c")"
  echo "| /api/similar/$ID | $c | $s_rps | | | $s_p99 | | $s_err |"
done

# Index swap under load: CURRENT flips between two generations every 0.5 s.
( for i in $(seq 1 $((DUR * 2))); do
    g=${gens[$((i % 2))]}
    printf '%s\n' "$g" > "$DATA/index/CURRENT.tmp" && mv "$DATA/index/CURRENT.tmp" "$DATA/index/CURRENT"
    sleep 0.5
  done ) &
flipper=$!
read -r w_rps w_p99 w_err <<< "$(run_wrk "http://127.0.0.1:$PORT/api/similar/$ID?limit=20" 64)"
wait $flipper
swaps=$(grep -c "loaded analysis generation" "$WORK/serve.log" || true)
rss_peak=$(awk '/VmHWM/ {print int($2/1024)}' /proc/$SPID/status)
rss_end=$(awk '/VmRSS/ {print int($2/1024)}' /proc/$SPID/status)
echo "| /api/similar during index swaps (64 conns) | 64 | $w_rps | | | $w_p99 | | $w_err |"
echo
echo "- papers: $PAPERS; serve start-up (launch to first answer): ${startup_ms} ms; RSS after start ${rss_start} MB, after the runs ${rss_end} MB, peak ${rss_peak} MB"
echo "- 500 idle keep-alive connections held open to each server during every run ($(cat "$WORK/idle.log"))"
echo "- index generations swapped under load: serve logged ${swaps} swaps (quiet mode logs none: see serve.log); errors during swaps: $w_err"
echo "- load average before the runs: ${load_before}; after: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -n "$CG" ]; then
  echo "- serve in a memory cgroup capped at ${CAP_MB} MB (no swap): cgroup peak $(( $(cat "$CG/memory.max_usage_in_bytes") / 1024 / 1024 )) MB (RSS + page cache charged to it), cap reached $(cat "$CG/memory.failcnt") times; serve still up: $(kill -0 "$SPID" 2>/dev/null && echo yes || echo NO)"
fi
echo "- wrk -t2 -d${DUR}s; nginx $(nginx -v 2>&1 | cut -d/ -f2), worker_processes auto, the page saved from serve"
