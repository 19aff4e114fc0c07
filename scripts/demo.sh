#!/usr/bin/env bash
# The README's first command: on a fresh Debian 12 / Ubuntu 22.04+ machine, as root (or with
# sudo), installs the packages, builds, runs the whole pipeline on a small sample, creates a
# demo user with a small library (so recommendations show), then starts the web site and
# prints its URL. serve stays in the foreground: stop it with Ctrl-C (or `kill` the pid it
# prints); rerunning the script reuses the data and takes seconds.
#
# Offline by default: the sample comes from the local fake arXiv (tests/fakes/fake_arxiv.py)
# over the committed fixtures (tests/fixtures/arxiv: real arXiv records), with PDFs holding
# each paper's real title and abstract (tests/fakes/make_pdfs.py). No internet needed.
#
# Env:  ONLINE=1           use arXiv itself (MAX_INDEX defaults to 400; arXiv's 3 s rule makes
#                          the first run take a while)
#       SEARCH_QUERY, MAX_INDEX, JOBS   as in Makefile.pipeline (docs/pipeline.md)
#       DEMO_DATA_DIR      the data directory (default: demo-data/ in the checkout)
#       DEMO_PORT          serve's port (default 5000)
#       DEMO_PUBLIC=1      serve --prod: listen on all interfaces (a cloud machine)
#       DEMO_NO_SERVE=1    stop after the pipeline and the checks (no foreground server)
#       DEMO_SKIP_INSTALL=1  do not install packages (they are there already)
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(pwd)

data=${DEMO_DATA_DIR:-$src/demo-data}
port=${DEMO_PORT:-5000}
user=demo
password=demo-password
say() { echo "demo: $*"; }

# 1. Packages and build.
if [ "${DEMO_SKIP_INSTALL:-0}" != 1 ]; then
  scripts/install-deps.sh --build
fi
scripts/build.sh build
bin=$src/build/bin

pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

# port_of FILE: the port a server printed as "listening on PORT" in FILE.
port_of() {
  local _
  for _ in $(seq 1 100); do
    if grep -q '^listening on ' "$1" 2>/dev/null; then
      awk '/^listening on / {print $3; exit}' "$1"
      return 0
    fi
    sleep 0.1
  done
  echo "demo: the fake arXiv did not start:" >&2
  cat "$1" >&2
  return 1
}

# 2. The pipeline.
mkdir -p "$data"
make_vars=(DATA_DIR="$data" BIN="$bin")
if [ "${ONLINE:-0}" = 1 ]; then
  say "online: fetching from arXiv (MAX_INDEX=${MAX_INDEX:-400})"
  make_vars+=(MAX_INDEX="${MAX_INDEX:-400}")
else
  say "offline: a local fake arXiv over the committed fixtures"
  python3 tests/fakes/fake_arxiv.py --port 0 --fixtures-only --pdf-dir "$data/.demo-pdfs" \
    > "$data/.fake-arxiv.log" 2>&1 &
  pids+=($!)
  fake_port=$(port_of "$data/.fake-arxiv.log")
  python3 tests/fakes/make_pdfs.py --api-url "http://127.0.0.1:$fake_port/api/query" \
    --out "$data/.demo-pdfs"
  make_vars+=(API_URL="http://127.0.0.1:$fake_port/api/query"
              PDF_URL="http://127.0.0.1:$fake_port/pdf/" WAIT_TIME=0
              MAX_INDEX="${MAX_INDEX:-1000}")
fi
[ -n "${SEARCH_QUERY:-}" ] && make_vars+=(SEARCH_QUERY="$SEARCH_QUERY")
[ -n "${JOBS:-}" ] && make_vars+=(JOBS="$JOBS")
make -f Makefile.pipeline "${make_vars[@]}"

# 3. The demo user and a small library, through serve's own API (as a browser would): the
# newest paper and its three most similar ones. Then buildsvm learns from it.
secret=$data/.session-secret
[ -s "$secret" ] || (umask 077 && head -c 48 /dev/urandom | base64 -w0 > "$secret")
serve_args=(--data-dir "$data" --secret-file "$secret")
setup_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin/serve" "${serve_args[@]}" --port "$setup_port" > "$data/.serve-setup.log" 2>&1 &
setup_pid=$!
pids+=("$setup_pid")
base=http://127.0.0.1:$setup_port
for _ in $(seq 1 100); do curl -fsS -o /dev/null "$base/healthz" 2>/dev/null && break; sleep 0.1; done
jar=$data/.demo-cookies
: > "$jar"
api() {  # METHOD PATH [JSON]
  local csrf
  csrf=$(awk '$6 == "csrf" {print $7}' "$jar" 2>/dev/null | tail -1)
  curl -sS -b "$jar" -c "$jar" -X "$1" -H "X-CSRF-Token: $csrf" \
    -H 'Content-Type: application/json' ${3:+--data "$3"} "$base$2"
}
api GET /api/recent > /dev/null
credentials="{\"username\": \"$user\", \"password\": \"$password\"}"
if ! api POST /api/signup "$credentials" | grep -q '"error"'; then
  say "created user '$user'"
else
  api POST /api/login "$credentials" > /dev/null
fi
first=$(api GET '/api/recent?limit=1' | python3 -c 'import json, sys; p = json.load(sys.stdin)["papers"]; print(p[0]["id"] if p else "")')
if [ -z "$first" ]; then
  say "error: the pipeline produced no papers (see $data/logs/)" >&2
  exit 1
fi
library=("$first")
while read -r id; do [ -n "$id" ] && library+=("$id"); done < <(
  api GET "/api/similar/$first?limit=3" |
    python3 -c 'import json, sys; [print(p["id"]) for p in json.load(sys.stdin).get("papers", [])[:3]]')
for id in "${library[@]}"; do
  api PUT "/api/library/$id" > /dev/null
done
say "library of '$user': ${library[*]}"
kill "$setup_pid" 2>/dev/null || true
wait "$setup_pid" 2>/dev/null || true
make -f Makefile.pipeline "${make_vars[@]}" buildsvm

recs=$("$bin/buildsvm" --data-dir "$data" --recs "$user" --top 5 | wc -l)
papers=$(sqlite3 -readonly "$data/papers.db" "SELECT COUNT(*) FROM papers")
say "$papers papers; $recs recommendations for '$user' (top 5 shown on the site)"
make -s -f Makefile.pipeline DATA_DIR="$data" status

if [ "${DEMO_NO_SERVE:-0}" = 1 ]; then
  say "DEMO_NO_SERVE=1: not starting the web site"
  exit 0
fi

# 4. The web site, in the foreground.
cleanup
trap - EXIT
prod=()
host=localhost
if [ "${DEMO_PUBLIC:-0}" = 1 ]; then
  prod=(--prod)
  host=$(hostname -I 2>/dev/null | awk '{print $1}')
fi
say "the site: http://$host:$port/   (log in as '$user' / '$password' for recommendations)"
say "serve runs in the foreground (pid $$): stop it with Ctrl-C, or: kill $$"
exec "$bin/serve" "${serve_args[@]}" --port "$port" "${prod[@]}"
