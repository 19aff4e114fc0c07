#!/usr/bin/env bash
# OAI-PMH harvest throughput: `fetch --source oai` against the local fake OAI-PMH server
# (tests/fakes/fake_oai.py) serving a synthetic whole-category history of N records
# (bench/make_oai_records.py, real arXiv words at real lengths, 1-4 versions each), pages of
# 1000 records as arXiv's. Three runs on one data directory:
#   1. the first harvest (every record up to the day before yesterday: --until);
#   2. a rerun with nothing new (continues from the last datestamp: one or two requests);
#   3. a day's run: the last DAILY records are dated today (a day's new papers).
# Each: wall, CPU (user+sys of fetch alone, GNU time), peak RSS, records/s, requests made.
# fetch runs with --wait-time 0 (arXiv's 3 s rule would add 3 s per request: that bound is
# given beside). The fake runs on the same cores, so the wall is fake + fetch.
#
# Usage: bench/bench_oai.sh [--no-write]
# Env: N (150000), DAILY (100), PAGE (1000), BIN (build/bin), WORK (a temp dir under /tmp; the
#      records and the data directory stay there when KEEP=1, for bench/bench_daily.sh).
# Run it under `nice -n 10` on a shared machine.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(pwd)
write=1
[ "${1:-}" = "--no-write" ] && write=0
n=${N:-150000}
daily=${DAILY:-100}
page=${PAGE:-1000}
bin=${BIN:-$src/build/bin}
work=${WORK:-$(mktemp -d /tmp/asp-bench-oai.XXXXXX)}
data=$work/data
mkdir -p "$work"
[ -x "$bin/fetch" ] || { echo "bench_oai: $bin/fetch is not built" >&2; exit 1; }
command -v /usr/bin/time >/dev/null || { echo "bench_oai: needs GNU time" >&2; exit 1; }

fake_pid=""
cleanup() {
  [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null
  if [ "${KEEP:-0}" = 1 ]; then echo "bench_oai: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

records=$work/records-$n.jsonl
if [ ! -s "$records" ]; then
  echo "bench_oai: generating $n records" >&2
  python3 bench/make_oai_records.py "$n" "$records" --last-days "$daily"
fi
python3 tests/fakes/fake_oai.py --port 0 --records-jsonl "$records" --page-size "$page" \
  > "$work/fake.out" 2> "$work/fake.err" &
fake_pid=$!
for _ in $(seq 1 6000); do  # loading N records takes a while
  [ -s "$work/fake.out" ] && break
  kill -0 "$fake_pid" 2>/dev/null || break
  sleep 0.1
done
port=$(awk '/^listening on/ {print $3}' "$work/fake.out")
[ -n "$port" ] || { echo "bench_oai: the fake did not start" >&2; cat "$work/fake.err" >&2; exit 1; }
url=http://127.0.0.1:$port

requests() { curl -s "$url/_control/requests" | python3 -c 'import json,sys; print(sum(1 for r in json.load(sys.stdin) if r["path"] == "/oai"))'; }
papers() { sqlite3 -readonly "$data/papers.db" "SELECT COUNT(*) FROM papers"; }
fake_cpu() { awk '{print $14 + $15}' "/proc/$fake_pid/stat"; }  # clock ticks

rows=()
run() {  # NAME ARGS...
  local name=$1; shift
  curl -s -X DELETE "$url/_control/requests" > /dev/null
  local before_papers=0 t0 t1 f0 f1
  [ -f "$data/papers.db" ] && before_papers=$(papers)
  f0=$(fake_cpu)
  t0=$(date +%s%N)
  /usr/bin/time -f '%U %S %M' -o "$work/time-$name" \
    "$bin/fetch" --source oai --oai-url "$url/oai" --categories cs.DC --wait-time 0 \
    --data-dir "$data" "$@" > "$work/$name.log" 2>&1
  t1=$(date +%s%N)
  f1=$(fake_cpu)
  local wall cpu rss reqs added recs
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", (b - a) / 1e9}')
  read -r u s m < "$work/time-$name"
  cpu=$(awk -v u="$u" -v s="$s" 'BEGIN {printf "%.1f", u + s}')
  rss=$(( m / 1024 ))
  reqs=$(requests)
  added=$(( $(papers) - before_papers ))
  recs=$(grep -oE '[0-9]+ records' "$work/$name.log" | tail -1 | cut -d' ' -f1 || echo 0)
  local rate
  rate=$(awk -v r="${recs:-0}" -v w="$wall" 'BEGIN {if (w > 0) printf "%.0f", r / w; else print "-"}')
  local fake_s
  fake_s=$(awk -v a="$f0" -v b="$f1" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.1f", (b - a) / hz}')
  rows+=("| $name | ${recs:-0} | $added | $reqs | $wall | $cpu | $fake_s | $rss | $rate | $(( reqs * 3 )) |")
  printf 'bench_oai: %-12s %7s records, +%s papers, %4s requests, %6s s wall, %6s s CPU (fake %s s), %4s MB, %s rec/s\n' \
    "$name" "${recs:-0}" "$added" "$reqs" "$wall" "$cpu" "$fake_s" "$rss" "$rate" >&2
  tail -1 "$work/$name.log" >&2
}

yesterday=$(date -u -d yesterday +%Y-%m-%d)
run first --until "$yesterday"
run nothing-new --until "$yesterday"
run daily
total=$(papers)
db_mb=$(du -sm "$data/papers.db" | cut -f1)

[ "$write" -eq 1 ] || exit 0
section=$(cat <<EOF2
## OAI-PMH harvest (bench/bench_oai.sh)

Command: \`nice -n 10 bench/bench_oai.sh\` (N=$n, DAILY=$daily, PAGE=$page). The fake OAI-PMH
server (tests/fakes/fake_oai.py, Python, same machine) serves $n synthetic cs.DC records
(bench/make_oai_records.py: real arXiv words at real lengths, 1-4 versions) in pages of $page,
as arXiv does; \`fetch --source oai --categories cs.DC --wait-time 0\` harvests them into an
empty data directory (\`--until\` the day before yesterday), then reruns with nothing new, then
runs once more when the last $daily records are dated today (a day's new papers). *CPU* is
fetch's user+sys (GNU time), *fake CPU* the server's; both share the machine's $(nproc) cores, so wall
is their sum plus the machine's load (others were building: load $(cut -d' ' -f1-3 /proc/loadavg) after).
*3 s rule*: the least wall time arXiv's one-request-every-3-s rule allows for those requests.
Result: $total papers in papers.db ($db_mb MB); $(date -u +%Y-%m-%d).

| run | records | papers added | requests | wall s | CPU s | fake CPU s | peak RSS MB | records/s (wall) | 3 s rule, s |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
$(printf '%s\n' "${rows[@]}")
EOF2
)
python3 - "$src/docs/benchmarks.md" "$section" <<'PY'
import sys
path, section = sys.argv[1], sys.argv[2].rstrip() + "\n"
text = open(path).read()
head = "## OAI-PMH harvest (bench/bench_oai.sh)"
if head in text:
    start = text.index(head)
    end = text.find("\n-----", start)
    end = len(text) if end < 0 else end
    text = text[:start] + section + text[end:]
else:
    text = text.rstrip() + "\n\n-----\n\n" + section
open(path, "w").write(text)
PY
echo "bench_oai: wrote docs/benchmarks.md" >&2
