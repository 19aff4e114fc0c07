#!/usr/bin/env python3
"""Writes bench/bench_ml.sh's full-text results into docs/benchmarks.md (section
"analyze and buildsvm on full texts"), above the abstracts-only section, which stays as the
second row set. Usage: ml_report.py RESULTS_TSV BENCH_DIR CAP_MB"""
import sys
from pathlib import Path

results, bench_dir, cap = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
# Free text about this particular run (how it deviated from the one-command run), if any.
notes_file = bench_dir / "notes.md"
NOTES = ("\n" + notes_file.read_text().strip() + "\n") if notes_file.exists() else ""
rows = [l.split("\t") for l in results.read_text().splitlines() if l.strip()]
r = {(a, s): (float(w), int(kb) / 1024, st, float(c), int(cg)) for a, s, w, kb, st, c, cg in rows}
sets = sorted({s for _, s in r}, key=lambda s: (int(s.split(":")[0]), s))


def cell(k):
    if k not in r:
        return "not run"
    w, mb, st, c, cg = r[k]
    if st == "ref":
        # The original's numbers from issue 18's run (same generator, same machine class), where
        # this run's own measurement of the original did not finish in time.
        return f"{c:.0f} s CPU{f', {mb:.0f} MB RSS' if mb else ''} (issue 18's measurement)"
    note = "" if st == "ok" else " (timed out)" if st.endswith("124") else f" ({st})"
    return f"{c:.1f} s CPU, {w:.1f} s wall, {mb:.0f} MB RSS ({cg} MB cgroup){note}"


def ratio(ours, orig, i):
    if ours not in r or orig not in r or r[ours][2] != "ok" or r[orig][2] not in ("ok", "ref"):
        return "-"
    if not r[orig][i] or not r[ours][i]:
        return "-"
    return f"{r[orig][i] / r[ours][i]:.1f}x"


lines = ["| N | step | ours (1 GB cgroup cap) | original (scikit-learn, uncapped) | CPU ratio | RSS ratio |",
         "| --- | --- | --- | --- | --- | --- |"]
for s in sets:
    for step in ("analyze", "buildsvm"):
        o, g = (f"ours_{step}", s), (f"sklearn_{step}", s)
        if o in r or g in r:
            lines.append(f"| {s} | {step} | {cell(o)} | {cell(g)} | {ratio(o, g, 3)} | {ratio(o, g, 1)} |")
    for step, what in (("daily_analyze", "a day: +100 papers, analyze"),
                       ("daily_buildsvm", "a day: +100 papers, buildsvm")):
        if (f"ours_{step}", s) in r:
            lines.append(f"| {s} | {what} | {cell((f'ours_{step}', s))} | | | |")
agree = []
for f in sorted(bench_dir.glob("agreement-*.txt")):
    agree.append(f"- {f.stem.replace('agreement-', '')}: {f.read_text().strip()}")
table = "\n".join(lines)
head = "## analyze and buildsvm on full texts (bench/bench_ml.sh)"
body = f"""{head}

Reproduce: `sudo bench/bench_ml.sh` (root for the cgroup; needs /work/shared/tools/
make_fulltext_corpus.py, the corpus, `pdftotext` and Debian's python3-sklearn). Data:
`bench/ml_fulltext.py` runs make_fulltext_corpus.py (every paper has a real-sized full text,
~40 KB; `sampled`: real papers' words at real lengths, `cyclic`: real texts repeated; 50 users
with 10-30 saved papers) and imports it as papers.db + txt/ + users.db. 150,000 papers are two
generator runs of 75,000 (seeds 1337, 1338; the generator stops at ~100,000). Ours: `analyze -j 2`
and `buildsvm -j 2` from an empty index/ and recs/, each in a cgroup v1 capped at {cap} MB
(memory.limit_in_bytes, as bench/bench_pipeline.sh). The original: bench/ml_sklearn_baseline.py
(analyze.py's steps: TfidfVectorizer fitted on max_train = 5000 documents, transform, dense
X @ X.T in batches of 200 + argsort; buildsvm.py's LinearSVC(C=0.1, balanced, tol=1e-6) per
user), uncapped (its dense X and products need 2-3 GB). CPU = user + sys of all threads
(/usr/bin/time); peak RSS from /usr/bin/time, cgroup = memory.max_usage_in_bytes (RSS + page
cache charged to it). The machine is shared (2 cores, load 10-20 during the run): walls are
inflated, CPU is the fair ratio. A day: 100 more papers (held back from the 50,000 corpus) after
the full run, then analyze and buildsvm incrementally; its recommendations compared with a full
`buildsvm --force` on the same index (top-100 overlap, per user).
{NOTES}
{table}

Agreement of the day's incremental recommendations with a full recompute:
{chr(10).join(agree) if agree else "- not measured"}

"""
doc = Path("docs/benchmarks.md")
text = doc.read_text()
if head in text:
    start = text.index(head)
    end = text.index("## analyze and buildsvm (bench/bench_ml.sh)", start)
    text = text[:start] + body + text[end:]
else:
    at = text.index("## analyze and buildsvm (bench/bench_ml.sh)")
    text = text[:at] + body + text[at:]
doc.write_text(text)
print(table)
