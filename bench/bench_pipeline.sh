#!/usr/bin/env bash
# The whole pipeline on the corpus, every stage with its memory capped at 1 GB (a small cloud
# instance), measuring each stage's peak: the cgroup's peak (resident memory + page cache
# charged to it, what the cap limits) and the largest process's max RSS (GNU time).
# The fake arXiv serves the corpus records and PDFs (tests/fakes/fake_arxiv.py).
# Baseline: the 1 GB budget itself (peak / 1 GB; a stage over it would be OOM-killed).
# Writes the table into docs/benchmarks.md (section "The pipeline under a 1 GB memory cap").
#
# Usage (as root): bench/bench_pipeline.sh [--no-write]
# Env: CAP_MB (1024), SEARCH_QUERY (cat:cs.DC), MAX_INDEX (10000), JOBS (1: one vCPU),
#      BIN (build/bin), STAGES (all six), ASP_CORPUS_DIR (../shared/corpus), KEEP=1 keeps the data directory.
# Memory controller: cgroup v1 (/sys/fs/cgroup/memory/NAME: memory.limit_in_bytes,
# memory.max_usage_in_bytes, memory.failcnt), else cgroup v2 (memory.max, memory.peak).
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(pwd)

write=1
[ "${1:-}" = "--no-write" ] && write=0
cap_mb=${CAP_MB:-1024}
bin=${BIN:-$src/build/bin}
corpus=${ASP_CORPUS_DIR:-$src/../shared/corpus}
query=${SEARCH_QUERY:-cat:cs.DC}
max_index=${MAX_INDEX:-10000}
jobs=${JOBS:-1}
read -ra stages <<< "${STAGES:-fetch download pdf2txt thumb analyze buildsvm}"

[ "$(id -u)" -eq 0 ] || { echo "bench_pipeline: needs root (cgroups)" >&2; exit 1; }
[ -d "$corpus/pdf" ] || { echo "bench_pipeline: no corpus at $corpus" >&2; exit 1; }
for s in "${stages[@]}"; do
  [ -x "$bin/$s" ] || { echo "bench_pipeline: $bin/$s is not built" >&2; exit 1; }
done
command -v /usr/bin/time >/dev/null || { echo "bench_pipeline: needs GNU time (apt-get install time)" >&2; exit 1; }

work=$(mktemp -d /tmp/asp-bench-pipeline.XXXXXX)
data=$work/data
fake_pid=""
cg_parent=""
cleanup() {
  [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null
  [ -n "$cg_parent" ] && rmdir "$cg_parent"/stage-* "$cg_parent" 2>/dev/null
  if [ "${KEEP:-0}" = 1 ]; then echo "kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# The memory controller.
if [ -f /sys/fs/cgroup/memory/memory.limit_in_bytes ]; then
  cg_kind=v1
  cg_parent=/sys/fs/cgroup/memory/asp-bench-$$
elif grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
  cg_kind=v2
  cg_parent=/sys/fs/cgroup/asp-bench-$$
  echo +memory > /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || true
else
  echo "bench_pipeline: no cgroup memory controller" >&2
  exit 1
fi
mkdir "$cg_parent"
[ "$cg_kind" = v2 ] && echo +memory > "$cg_parent/cgroup.subtree_control"

# One cgroup per stage, capped; echoes its path.
new_cgroup() {
  local cg=$cg_parent/stage-$1
  mkdir "$cg"
  if [ "$cg_kind" = v1 ]; then
    echo $((cap_mb * 1024 * 1024)) > "$cg/memory.limit_in_bytes"
    # No swap beyond the cap either (where swap accounting exists).
    [ -f "$cg/memory.memsw.limit_in_bytes" ] && echo $((cap_mb * 1024 * 1024)) > "$cg/memory.memsw.limit_in_bytes"
  else
    echo $((cap_mb * 1024 * 1024)) > "$cg/memory.max"
    echo 0 > "$cg/memory.swap.max" 2>/dev/null || true
  fi
  echo "$cg"
}
peak_mb() {
  if [ "$cg_kind" = v1 ]; then
    echo $(( $(cat "$1/memory.max_usage_in_bytes") / 1024 / 1024 ))
  else
    echo $(( $(cat "$1/memory.peak") / 1024 / 1024 ))
  fi
}
hits() {  # times the cap was reached (v1 failcnt; v2 events "max")
  if [ "$cg_kind" = v1 ]; then cat "$1/memory.failcnt"; else awk '$1 == "max" {print $2}' "$1/memory.events"; fi
}

# The fake arXiv on the corpus.
python3 tests/fakes/fake_arxiv.py --port 0 --corpus "$corpus" > "$work/fake.out" 2> "$work/fake.err" &
fake_pid=$!
for _ in $(seq 1 100); do [ -s "$work/fake.out" ] && break; sleep 0.1; done
port=$(awk '/^listening on/ {print $3}' "$work/fake.out")
[ -n "$port" ] || { echo "bench_pipeline: the fake arXiv did not start" >&2; cat "$work/fake.err" >&2; exit 1; }

make_vars=(DATA_DIR="$data" BIN="$bin" SEARCH_QUERY="$query" MAX_INDEX="$max_index"
           API_URL="http://127.0.0.1:$port/api/query" PDF_URL="http://127.0.0.1:$port/pdf/"
           WAIT_TIME=0 JOBS="$jobs")

rows=()
total_ms=0
overall=OK
for stage in "${stages[@]}"; do
  cg=$(new_cgroup "$stage")
  start_ns=$(date +%s%N)
  rc=0
  # The shell joins the cgroup first, so make and the tool (and its workers) are all in it.
  sh -c 'echo $$ > "$1/cgroup.procs"; shift; exec "$@"' _ "$cg" \
    /usr/bin/time -f '%M' -o "$work/rss-$stage" \
    make -s -f "$src/Makefile.pipeline" "$stage" "${make_vars[@]}" > "$work/$stage.log" 2>&1 || rc=$?
  ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
  total_ms=$(( total_ms + ms ))
  secs=$(awk -v ms="$ms" 'BEGIN {printf "%.1f", ms / 1000}')
  rss_mb=$(( $(tail -1 "$work/rss-$stage") / 1024 ))
  peak=$(peak_mb "$cg")
  hit=$(hits "$cg")
  [ "$rc" -eq 0 ] || overall="FAILED ($stage exit $rc)"
  summary=$(grep -v '^pipeline:' "$work/$stage.log" | grep -iE 'done|summary|papers' | tail -1 | cut -c1-110 || true)
  rows+=("$(printf '| %s | %s | %d | %d | %.2f | %s | %s |' "$stage" "$secs" "$peak" "$rss_mb" \
    "$(awk -v p="$peak" -v c="$cap_mb" 'BEGIN {print p / c}')" "$hit" "${summary//|//}")")
  printf 'bench_pipeline: %-9s exit %d  %6s s  cgroup peak %4d MB  max RSS %4d MB  cap hits %s\n' \
    "$stage" "$rc" "$secs" "$peak" "$rss_mb" "$hit"
  [ "$rc" -eq 0 ] || { cat "$work/$stage.log" >&2; break; }
done
papers=$(sqlite3 -readonly "$data/papers.db" "SELECT COUNT(*) FROM papers" 2>/dev/null || echo "?")
pdfs=$(find "$data/pdf" -name "*.pdf" 2>/dev/null | wc -l || true)
pdf_mb=$(du -sm "$data/pdf" 2>/dev/null | cut -f1 || true)
echo "bench_pipeline: $overall; $papers papers, $pdfs PDFs ($pdf_mb MB), total $(( total_ms / 1000 )) s"

[ "$write" -eq 1 ] || exit 0
section=$(cat <<EOF
## The pipeline under a 1 GB memory cap (bench/bench_pipeline.sh)

Command: \`sudo bench/bench_pipeline.sh\` (CAP_MB=$cap_mb, JOBS=$jobs, SEARCH_QUERY=$query,
MAX_INDEX=$max_index). Each stage runs as \`make -f Makefile.pipeline STAGE\` in a cgroup of
its own capped at $cap_mb MB ($cg_kind memory controller; no swap), against the fake arXiv serving
the corpus ($papers papers, $pdfs PDFs, $pdf_mb MB of PDFs). *cgroup peak* is what the cap limits
(resident memory plus page cache charged to the stage; the kernel reclaims cache before it
kills anything); *max RSS* is the largest single process (GNU time). *cap hits*: times usage
reached the cap (reclaim, not a kill). Baseline: the 1 GB budget (ratio = cgroup peak / cap).
Result: $overall; $(date -u +%Y-%m-%d), $(nproc) shared cores.

| stage | seconds | cgroup peak MB | max RSS MB | peak / cap | cap hits | last summary line |
| --- | --- | --- | --- | --- | --- | --- |
$(printf '%s\n' "${rows[@]}")
EOF
)
python3 - "$src/docs/benchmarks.md" "$section" <<'PY'
import sys
path, section = sys.argv[1], sys.argv[2].rstrip() + "\n"
text = open(path).read()
head = "## The pipeline under a 1 GB memory cap"
start = text.index(head)
end = text.index("\n-----", start)
open(path, "w").write(text[:start] + section + text[end:])
PY
echo "bench_pipeline: wrote docs/benchmarks.md"
