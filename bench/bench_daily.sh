#!/usr/bin/env bash
# A day's run at the whole category's size (issue 14, point 3): N papers harvested through
# OAI-PMH (bench/make_oai_records.py + tests/fakes/fake_oai.py), every one with its outputs
# (small-disk mode: a gzipped text and a thumbnail, no PDF; download, pdf2txt and thumb recorded
# done), then the day's DAILY new papers arrive and `make -f Makefile.pipeline STAGE` runs
# each stage, as cron would, in a cgroup of its own capped at CAP_MB (no swap). Per stage: wall,
# CPU (user+sys of the stage and its workers: the cgroup's cpuacct), cgroup peak and the largest
# process's max RSS. The point: no stage rereads every paper (their cost follows the day's
# papers, not N). PDFs of the new papers: real corpus PDFs served by a local HTTP server.
# analyze and buildsvm are measured at 150k by bench/bench_ml.sh (issue 18): STAGES leaves them
# out by default. A 1,500-paper trial got through the setup harvest (1,495 records, 2 requests).
#
# Usage (as root, under nice -n 10): bench/bench_daily.sh
# Env: N (150000), DAILY (100), CAP_MB (1024), STAGES ("fetch download pdf2txt thumb"), BIN,
#      WORK (temp dir under /tmp), ASP_CORPUS_DIR (../shared/corpus, for the PDFs), KEEP=1.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(pwd)
n=${N:-150000}
daily=${DAILY:-100}
cap_mb=${CAP_MB:-1024}
bin=${BIN:-$src/build/bin}
corpus=${ASP_CORPUS_DIR:-$src/../shared/corpus}
read -ra stages <<< "${STAGES:-fetch download pdf2txt thumb}"
work=${WORK:-$(mktemp -d /tmp/asp-bench-daily.XXXXXX)}
data=$work/data
mkdir -p "$work"
[ "$(id -u)" -eq 0 ] || { echo "bench_daily: needs root (cgroups)" >&2; exit 1; }
[ -f /sys/fs/cgroup/memory/memory.limit_in_bytes ] || { echo "bench_daily: needs the cgroup v1 memory controller" >&2; exit 1; }

pids=()
cg=/sys/fs/cgroup/memory/asp-bench-daily-$$
cpu_cg=/sys/fs/cgroup/cpuacct/asp-bench-daily-$$
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rmdir "$cg" "$cpu_cg" 2>/dev/null || true
  if [ "${KEEP:-0}" = 1 ]; then echo "bench_daily: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

records=$work/records-$n.jsonl
[ -s "$records" ] || python3 bench/make_oai_records.py "$n" "$records" --last-days "$daily"
python3 tests/fakes/fake_oai.py --port 0 --records-jsonl "$records" --page-size 1000 \
  > "$work/fake.out" 2> "$work/fake.err" &
pids+=($!)
for _ in $(seq 1 6000); do  # loading N records takes a while
  [ -s "$work/fake.out" ] && break
  kill -0 "${pids[-1]}" 2>/dev/null || break
  sleep 0.1
done
port=$(awk '/^listening on/ {print $3}' "$work/fake.out")
[ -n "$port" ] || { echo "bench_daily: the fake did not start" >&2; cat "$work/fake.err" >&2; exit 1; }
oai_url=http://127.0.0.1:$port/oai

# The state before the day: the whole history harvested, every paper's outputs present.
yesterday=$(date -u -d yesterday +%Y-%m-%d)
if [ ! -f "$data/papers.db" ]; then
  echo "bench_daily: harvesting the history (setup)" >&2
  "$bin/fetch" --source oai --oai-url "$oai_url" --categories cs.DC --wait-time 0 \
    --until "$yesterday" --data-dir "$data" -q
  mkdir -p "$data/txt" "$data/thumbs" "$work/one"
  # One real text (gzipped) and one real strip, hard-linked for every paper: the files are
  # there (as after months of runs) without N times the disk.
  one_pdf=$(find "$corpus/pdf/papers" -name 'arxiv_*.pdf' | sort | head -1)
  "$bin/pdf2txt" --compress-text --output "$work/one" "$one_pdf" -q
  "$bin/thumb" --small-disk --output "$work/one" "$one_pdf" -q
  txt_one=$(find "$work/one" -name '*.txt.gz' | head -1)
  jpg_one=$(find "$work/one" -name '*.jpg' | head -1)
  # (one process for all links: a shell loop of ln spawns 2N processes)
  sqlite3 -readonly "$data/papers.db" "SELECT replace(id, '/', '_') || 'v' || version FROM papers" |
    python3 -c 'import os, shutil, sys
txt, jpg, data = sys.argv[1:]
one = {"txt": txt, "jpg": jpg}
src = dict(one)
for k, stem in enumerate(sys.stdin.read().split()):
    if k and k % 60000 == 0:  # a file takes at most 65,000 links (ext4): link a fresh copy
        for kind in src:
            src[kind] = shutil.copy(one[kind], f"{one[kind]}.{k}")
    os.link(src["txt"], f"{data}/txt/{stem}.txt.gz")
    os.link(src["jpg"], f"{data}/thumbs/{stem}.jpg")' "$txt_one" "$jpg_one" "$data"
  sqlite3 "$data/papers.db" "
    INSERT OR REPLACE INTO stage_status (stage, id, version, state, updated_at)
    SELECT s.stage, p.id, p.version, 'done', '$(date -u +%Y-%m-%dT%H:%M:%SZ)' FROM papers p,
      (SELECT 'download' AS stage UNION ALL SELECT 'pdf2txt' UNION ALL SELECT 'thumb') s"
fi
before=$(sqlite3 -readonly "$data/papers.db" "SELECT COUNT(*) FROM papers")

# The new papers' PDFs: after the day's fetch we know their ids; a plain HTTP server serves
# real PDFs as <id>v<N> (download's URL scheme).
mkdir -p "$work/pdfs"
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$work/pdfs" > "$work/http.out" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do grep -q 'port' "$work/http.out" && break; sleep 0.1; done
http_port=$(grep -oE 'port [0-9]+' "$work/http.out" | head -1 | cut -d' ' -f2)
mapfile -t corpus_pdfs < <(find "$corpus/pdf/papers" -name '*.pdf' | sort)

mkdir "$cg" "$cpu_cg"
echo $((cap_mb * 1024 * 1024)) > "$cg/memory.limit_in_bytes"
[ -f "$cg/memory.memsw.limit_in_bytes" ] && echo $((cap_mb * 1024 * 1024)) > "$cg/memory.memsw.limit_in_bytes"
vars=(DATA_DIR="$data" BIN="$bin" WAIT_TIME=0 JOBS=1 SMALL_DISK=1 COMPRESS_TEXT=1
      FETCH_FLAGS="--source oai --oai-url $oai_url --categories cs.DC"
      PDF_URL="http://127.0.0.1:$http_port/")
rows=()
for stage in "${stages[@]}"; do
  if [ "$stage" = download ]; then  # the day's papers' PDFs, now that fetch knows them
    i=0
    sqlite3 -readonly "$data/papers.db" "SELECT p.id || 'v' || p.version FROM papers p WHERE NOT EXISTS
      (SELECT 1 FROM stage_status s WHERE s.stage = 'download' AND s.id = p.id)" |
      while read -r vid; do
        mkdir -p "$work/pdfs/$(dirname "$vid")"
        cp "${corpus_pdfs[$(( i % ${#corpus_pdfs[@]} ))]}" "$work/pdfs/$vid"; i=$(( i + 1 ))
      done
  fi
  echo 0 > "$cg/memory.max_usage_in_bytes"
  echo 0 > "$cpu_cg/cpuacct.usage"
  t0=$(date +%s%N)
  rc=0
  sh -c 'echo $$ > "$1/cgroup.procs"; echo $$ > "$2/cgroup.procs"; shift 2; exec "$@"' _ "$cg" "$cpu_cg" \
    /usr/bin/time -f '%M' -o "$work/rss-$stage" \
    make -s -f "$src/Makefile.pipeline" "$stage" "${vars[@]}" > "$work/$stage.log" 2>&1 || rc=$?
  wall=$(awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN {printf "%.1f", (b - a) / 1e9}')
  cpu=$(awk -v ns="$(cat "$cpu_cg/cpuacct.usage")" 'BEGIN {printf "%.1f", ns / 1e9}')
  peak=$(( $(cat "$cg/memory.max_usage_in_bytes") / 1024 / 1024 ))
  rss=$(( $(tail -1 "$work/rss-$stage") / 1024 ))
  line=$(grep -v '^pipeline:' "$work/$stage.log" | grep -E 'done|added|records' | tail -1 | cut -c1-150 || true)
  rows+=("| $stage | $wall | $cpu | $peak | $rss | ${line//|//} |")
  printf 'bench_daily: %-9s exit %d %6s s wall %6s s CPU  cgroup peak %4d MB  max RSS %4d MB\n  %s\n' \
    "$stage" "$rc" "$wall" "$cpu" "$peak" "$rss" "$line" >&2
  [ "$rc" -eq 0 ] || { tail -20 "$work/$stage.log" >&2; break; }
done
after=$(sqlite3 -readonly "$data/papers.db" "SELECT COUNT(*) FROM papers")
echo "bench_daily: $before papers before the day, $after after; CAP_MB=$cap_mb; load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "| stage | wall s | CPU s | cgroup peak MB | max RSS MB | summary |"
echo "| --- | --- | --- | --- | --- | --- |"
printf '%s\n' "${rows[@]}"
