#!/usr/bin/env bash
# analyze + buildsvm on the real workload (every paper with its full text) against the original
# arxiv-sanity method in Python/scikit-learn (bench/ml_sklearn_baseline.py), side by side on the
# same data directories made by bench/ml_fulltext.py from
# /work/shared/tools/make_fulltext_corpus.py (modes sampled and cyclic; 50 users with 10-30
# saved papers). Ours runs in a cgroup capped at 1 GB (cgroup v1 memory.limit_in_bytes, as
# bench/bench_pipeline.sh); the original does not fit in 1 GB (its dense X and N x N products
# take 2-3 GB), so it runs in an uncapped cgroup that only measures its peak.
# Every step: CPU (user + sys, all threads), wall, peak RSS (/usr/bin/time) and cgroup peak.
#
#   N = 5,000 and 20,000, sampled and cyclic: ours and the original
#   N = 50,000 sampled: ours, then a day's run (+100 papers: analyze, buildsvm) on it
#   N = 150,000 sampled: ours
# Writes the table into docs/benchmarks.md (section "analyze and buildsvm on full texts").
#
# Usage: sudo bench/bench_ml.sh            (root: cgroups)
# Env:   BENCH_DIR (/tmp/asp-bench-ml), BIN (build/bin), JOBS (2), CAP_MB (1024),
#        SETS ("5000:sampled 5000:cyclic 20000:sampled 20000:cyclic 50000:sampled 150000:sampled"),
#        SKLEARN_MAX_N (20000), SKLEARN_TIMEOUT (s, 5400), PYTHON (/usr/bin/python3),
#        ONLY=ours|sklearn (run one side; results of the other are kept from an earlier run
#        of this script), KEEP_RESULTS=1 (add to results.tsv instead of starting over),
#        REPORT_ONLY=1 (rewrite the table from results.tsv), NO_DOC=1
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
BENCH_DIR=${BENCH_DIR:-/tmp/asp-bench-ml}
BIN=${BIN:-$root/build/bin}
JOBS=${JOBS:-2}
CAP_MB=${CAP_MB:-1024}
SETS=${SETS:-"5000:sampled 5000:cyclic 20000:sampled 20000:cyclic 50000:sampled 150000:sampled"}
SKLEARN_MAX_N=${SKLEARN_MAX_N:-20000}
SKLEARN_TIMEOUT=${SKLEARN_TIMEOUT:-5400}
PYTHON=${PYTHON:-/usr/bin/python3}
ONLY=${ONLY:-}
mkdir -p "$BENCH_DIR"
results="$BENCH_DIR/results-fulltext.tsv"
[ "${KEEP_RESULTS:-}" = 1 ] || [ -n "$ONLY" ] || [ "${REPORT_ONLY:-}" = 1 ] || : > "$results"
touch "$results"

cg_parent=""
if [ "${REPORT_ONLY:-}" != 1 ]; then
  [ "$(id -u)" -eq 0 ] || { echo "bench_ml: needs root (cgroups)" >&2; exit 1; }
  [ -f /sys/fs/cgroup/memory/memory.limit_in_bytes ] || { echo "bench_ml: needs the cgroup v1 memory controller" >&2; exit 1; }
  cg_parent=/sys/fs/cgroup/memory/asp-bench-ml-$$
  mkdir "$cg_parent"
fi
cleanup() { if [ -n "$cg_parent" ]; then rmdir "$cg_parent"/* "$cg_parent" 2>/dev/null || true; fi; }
trap cleanup EXIT

# measure NAME SET CAP_MB(0: none) CMD...: appends
# "NAME SET wall_s maxrss_kb status cpu_s cgroup_peak_mb" to the results (replacing an old row).
seq_no=0
measure() {
  local name=$1 set=$2 cap=$3
  shift 3
  seq_no=$((seq_no + 1))
  local cg=$cg_parent/m$seq_no out="$BENCH_DIR/time-$name-$set.txt" status=ok
  mkdir "$cg"
  if [ "$cap" -gt 0 ]; then
    echo $((cap * 1024 * 1024)) > "$cg/memory.limit_in_bytes"
    [ -f "$cg/memory.memsw.limit_in_bytes" ] && echo $((cap * 1024 * 1024)) > "$cg/memory.memsw.limit_in_bytes"
  fi
  if ! sh -c 'echo $$ > "$1/cgroup.procs"; shift; exec "$@"' _ "$cg" \
      /usr/bin/time -o "$out" -f "%e %M %U %S" "$@" > "$BENCH_DIR/log-$name-$set.txt" 2>&1; then
    status=failed
    grep -q "Command terminated by signal\|Command exited" "$out" && status="$(head -1 "$out" | tr ' ' '_')"
  fi
  local wall peak user sys cgpeak
  read -r wall peak user sys < <(tail -1 "$out")
  cgpeak=$(( $(cat "$cg/memory.max_usage_in_bytes") / 1024 / 1024 ))
  rmdir "$cg" 2>/dev/null || true
  local cpu
  cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
  grep -v "^$name	$set	" "$results" > "$results.tmp" || true
  mv "$results.tmp" "$results"
  echo -e "$name\t$set\t$wall\t$peak\t$status\t$cpu\t$cgpeak" >> "$results"
  echo "bench_ml: $name $set: $wall s wall, $cpu s CPU, peak RSS $peak KB, cgroup peak $cgpeak MB ($status)"
}

[ "${REPORT_ONLY:-}" = 1 ] && SETS=""
for s in $SETS; do
  n=${s%%:*} mode=${s##*:}
  d="$BENCH_DIR/ft$n-$mode"
  extra=()
  [ "$n" -ge 50000 ] && [ "$n" -lt 150000 ] && extra=(--hold-back 100)
  [ "$n" -ge 150000 ] && extra=(--parts 2)
  if [ ! -f "$d/users.db" ] || [ -f "$d/appended" ]; then
    rm -rf "$d/papers.db" "$d/users.db" "$d/txt" "$d/appended"
    nice -n 10 python3 bench/ml_fulltext.py "$d" "$n" "$mode" "${extra[@]}"
  fi
  if [ "$ONLY" != sklearn ]; then
    rm -rf "$d/index" "$d/recs"
    measure ours_analyze "$s" "$CAP_MB" "$BIN/analyze" --data-dir "$d" -q -j "$JOBS"
    measure ours_buildsvm "$s" "$CAP_MB" "$BIN/buildsvm" --data-dir "$d" -q -j "$JOBS"
    if [ -f "$d/held_back.json" ]; then
      # A day's run: the held-back 100 papers arrive, analyze and buildsvm run incrementally.
      python3 bench/ml_fulltext.py "$d" --append
      touch "$d/appended"
      measure ours_daily_analyze "$s" "$CAP_MB" "$BIN/analyze" --data-dir "$d" -q -j "$JOBS"
      measure ours_daily_buildsvm "$s" "$CAP_MB" "$BIN/buildsvm" --data-dir "$d" -q -j "$JOBS"
      # The same day from scratch, for the agreement of the incremental result.
      python3 bench/ml_agreement.py daily "$d" > "$BENCH_DIR/agreement-$s.txt" 2>&1 || true
    fi
  fi
  if [ "$ONLY" != ours ] && [ "$n" -le "$SKLEARN_MAX_N" ]; then
    rm -rf "$d/sklearn"
    measure sklearn_analyze "$s" 0 timeout "$SKLEARN_TIMEOUT" "$PYTHON" bench/ml_sklearn_baseline.py "$d" analyze "$d/sklearn"
    measure sklearn_buildsvm "$s" 0 timeout "$SKLEARN_TIMEOUT" "$PYTHON" bench/ml_sklearn_baseline.py "$d" buildsvm "$d/sklearn"
  fi
done

[ "${NO_DOC:-}" = 1 ] && exit 0
python3 bench/ml_report.py "$results" "$BENCH_DIR" "$CAP_MB"
