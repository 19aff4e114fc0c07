#!/usr/bin/env bash
# analyze + buildsvm against the original arxiv-sanity method in Python/scikit-learn
# (bench/ml_sklearn_baseline.py), side by side on the same generated data directories
# (bench/ml_corpus.py: text from the real corpus' word bigrams), 50 users each.
# Wall time and peak RSS of every step by /usr/bin/time; a daily update of 100 new papers on
# the largest N with --jobs 1. Writes the table into docs/benchmarks.md (our section).
#
# Usage: bench/bench_ml.sh [N ...]            (default: 1000 5000 20000 50000)
# Env:   BENCH_DIR (/tmp/asp-bench-ml), BIN (build/bin), JOBS (2),
#        SKLEARN_MAX_N (20000: larger N skip the baseline), SKLEARN_TIMEOUT (s, 2400),
#        PYTHON (a python3 with scikit-learn; default /usr/bin/python3), NO_DOC=1 (no doc edit),
#        KEEP_RESULTS=1 (add to the previous results instead of starting over: e.g. re-measure
#        ours alone with SKLEARN_MAX_N=0), NO_DAILY=1 (skip the daily-update step),
#        REPORT_ONLY=1 (measure nothing: rewrite the table from the kept results)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(1000 5000 20000 50000)
BENCH_DIR=${BENCH_DIR:-/tmp/asp-bench-ml}
BIN=${BIN:-$root/build/bin}
JOBS=${JOBS:-2}
SKLEARN_MAX_N=${SKLEARN_MAX_N:-20000}
SKLEARN_TIMEOUT=${SKLEARN_TIMEOUT:-2400}
PYTHON=${PYTHON:-/usr/bin/python3}
mkdir -p "$BENCH_DIR"
results="$BENCH_DIR/results.tsv"
[ "${KEEP_RESULTS:-}" = 1 ] || [ "${REPORT_ONLY:-}" = 1 ] || : > "$results"

# measure NAME N CMD...: appends "NAME N wall_s peak_kb status cpu_s" to the results
measure() {
  local name=$1 n=$2
  shift 2
  local out="$BENCH_DIR/time-$name-$n.txt" status=ok
  if ! /usr/bin/time -o "$out" -f "%e %M %U %S" "$@" > "$BENCH_DIR/log-$name-$n.txt" 2>&1; then
    status=failed
    grep -q "Command terminated by signal\|Command exited" "$out" && status="$(head -1 "$out" | tr ' ' '_')"
  fi
  local wall peak user sys
  read -r wall peak user sys < <(tail -1 "$out")
  local cpu
  cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
  echo -e "$name\t$n\t$wall\t$peak\t$status\t$cpu" >> "$results"
  echo "$name N=$n: $wall s wall, $cpu s CPU, peak $peak KB ($status)"
}

[ "${REPORT_ONLY:-}" = 1 ] && sizes=()
for n in "${sizes[@]}"; do
  d="$BENCH_DIR/n$n"
  if [ ! -f "$d/users.db" ]; then
    rm -rf "$d"
    python3 bench/ml_corpus.py "$d" "$n" --users 50
  fi
  rm -rf "$d/index" "$d/recs"
  measure ours_analyze "$n" "$BIN/analyze" --data-dir "$d" -q -j "$JOBS"
  measure ours_buildsvm "$n" "$BIN/buildsvm" --data-dir "$d" -q -j "$JOBS"
  if [ "$n" -le "$SKLEARN_MAX_N" ]; then
    rm -rf "$d/sklearn"
    measure sklearn_analyze "$n" timeout "$SKLEARN_TIMEOUT" "$PYTHON" bench/ml_sklearn_baseline.py "$d" analyze "$d/sklearn"
    measure sklearn_buildsvm "$n" timeout "$SKLEARN_TIMEOUT" "$PYTHON" bench/ml_sklearn_baseline.py "$d" buildsvm "$d/sklearn"
  fi
done

# A daily update: 100 new papers on the largest N, one core.
[ "${NO_DAILY:-}" = 1 ] && sizes=()
[ "${REPORT_ONLY:-}" = 1 ] && [ -n "${sizes[*]:-}" ] && sizes=()
n=0
[ ${#sizes[@]} -gt 0 ] && n=${sizes[-1]}
if [ "$n" -gt 0 ]; then
d="$BENCH_DIR/n$n"
daily="$BENCH_DIR/n$n-daily"
rm -rf "$daily"
cp -a "$d" "$daily"
python3 bench/ml_corpus.py "$daily" "$n" --append 100 > /dev/null
measure ours_daily100_j1 "$n" "$BIN/analyze" --data-dir "$daily" -q -j 1
measure ours_daily100_buildsvm_j1 "$n" "$BIN/buildsvm" --data-dir "$daily" -q -j 1
rm -rf "$daily"
fi

[ "${NO_DOC:-}" = 1 ] && exit 0
python3 - "$results" "$*" <<'PY'
import sys
from pathlib import Path
rows = [l.split("\t") for l in Path(sys.argv[1]).read_text().splitlines() if l.strip()]
r = {(a, int(n)): (float(s), int(kb) / 1024, st, float(c)) for a, n, s, kb, st, c in rows}
sizes = sorted({n for _, n in r})
daily_n = max([n for (a, n) in r if a.startswith("ours_daily")] or [0])
def cell(k):
    if k not in r: return "not run"
    s, mb, st, c = r[k]
    note = "" if st == "ok" else " (timed out: a lower bound)" if st.endswith("124") else f" ({st})"
    return f"{s:.1f} s ({c:.1f} s CPU), {mb:.0f} MB" + note
def ratio(a, b, i):
    if a not in r or b not in r or r[a][2] != "ok": return "-"
    if r[b][2] != "ok":
        return f">= {r[b][i] / r[a][i]:.1f}x" if r[b][2].endswith("124") else "-"
    return f"{r[b][i] / r[a][i]:.1f}x"
lines = ["| N | step | ours: wall (CPU), peak RSS | scikit-learn method | faster (wall) | faster (CPU) | less memory |",
         "| --- | --- | --- | --- | --- | --- | --- |"]
for n in sizes:
    for step in ("analyze", "buildsvm"):
        o, s = (f"ours_{step}", n), (f"sklearn_{step}", n)
        if o in r:
            lines.append(f"| {n} | {step} | {cell(o)} | {cell(s)} | {ratio(o, s, 0)} | {ratio(o, s, 3)} | {ratio(o, s, 1)} |")
n = daily_n
for k, what in ((("ours_daily100_j1", n), "analyze, 100 new papers, --jobs 1"),
                (("ours_daily100_buildsvm_j1", n), "buildsvm after it, --jobs 1")):
    if k in r:
        lines.append(f"| {n}+100 | {what} | {cell(k)} | | | | |")
table = "\n".join(lines)
doc = Path("docs/benchmarks.md")
text = doc.read_text()
head = "## analyze and buildsvm (bench/bench_ml.sh)"
start = text.index(head)
end = text.index("-----", start)
cmd = "bench/bench_ml.sh" + (" " + sys.argv[2] if sys.argv[2] else "")
if cmd.endswith(" "): cmd = cmd.rstrip()
body = f"""{head}

Reproduce: `{cmd}` (needs the corpus, `pdftotext` and Debian's python3-sklearn; about an hour).
Documents: generated by `bench/ml_corpus.py` from the real corpus (848 arXiv abstracts + 65
papers' pdftotext text) with a word-bigram Markov chain, each paper following one real
document's topic and length, so ~8% are full texts (tens of KB) and the rest title+abstract;
50 users with libraries of 3-20 papers around 3 topics each. The scikit-learn method is
`bench/ml_sklearn_baseline.py`: the original analyze.py / buildsvm.py steps (TfidfVectorizer
with the original's parameters fitted on all documents, `X.todense()` and batched `X @ Xb.T`
+ argsort for the top 50, pickles; LinearSVC per user, argsort, top 1000). Ours: `analyze -j 2`
and `buildsvm -j 2` from an empty index/ and recs/. Wall time and peak RSS from /usr/bin/time,
one run each on the shared 2-core machine while five other engineers built and tested (load
average ~10): wall times are inflated and noisy, so CPU time (user + sys, all threads summed:
no credit for our parallelism) is given too and is the fairer ratio. The scikit-learn method
runs up to N = 20000 (`SKLEARN_MAX_N`, capped by `SKLEARN_TIMEOUT`): its dense `X` and N x N
products make 50k impractical on this box (a timed-out row is a lower bound). The daily row
adds 100 generated papers to the largest corpus and runs `analyze -j 1` on the existing index
(vocabulary kept: transform 100 papers, 100 scoring passes, list updates, search index rebuilt,
files rewritten and fsynced).

{table}

"""
doc.write_text(text[:start] + body + text[end:])
print(table)
PY
