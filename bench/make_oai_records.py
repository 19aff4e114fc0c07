#!/usr/bin/env python3
"""Writes N synthetic arXiv records as JSON lines for tests/fakes/fake_oai.py --records-jsonl
(the OAI harvest benchmark, bench/bench_oai.sh): a whole category's history at real sizes.

Each record: a new-style id (YYMM.NNNN, YYMM.NNNNN from 2015, months 2007-04.. in order), 1-4 versions dated in its
month, the category cs.DC (primary for ~60%, cross-listed from cs.* otherwise; ~5% also outside
cs), 1-8 authors, and a title and abstract drawn from the words of the committed real arXiv
abstracts (tests/fixtures/arxiv/kaggle, CC0) at real lengths (~8-20 and ~100-250 words).
`--last-days K`: the last K records are dated today (a day's new papers, for the incremental
run); the others end before yesterday. Deterministic for a given --seed.

Usage: make_oai_records.py N OUT.jsonl [--seed 1] [--last-days 100]
"""
import argparse
import json
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

KAGGLE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "arxiv" / "kaggle" / \
    "kaggle_snapshot_head200_wanng-ide.jsonl"
OTHER_CS = ["cs.LG", "cs.NI", "cs.OS", "cs.PF", "cs.SE", "cs.CR", "cs.DB", "cs.AR"]
OUTSIDE = ["math.OC", "physics.comp-ph", "stat.ML", "quant-ph"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("out", type=Path)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--last-days", type=int, default=0, help="the last K records are dated today")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    words, names = [], []
    for line in KAGGLE.read_text(encoding="utf-8").splitlines():
        d = json.loads(line)
        words += d["abstract"].split()
        names += [" ".join(x for x in (p[1], p[0]) if x) for p in d.get("authors_parsed", [])]
    names = [n for n in names if n.strip()] or ["A. Author"]
    start = datetime(2007, 4, 1, tzinfo=timezone.utc)
    today = datetime.now(timezone.utc).replace(hour=8, minute=0, second=0, microsecond=0)
    old_end = today - timedelta(days=2)
    span = (old_end - start).total_seconds()
    n_old = a.n - a.last_days
    seq = {}
    with open(a.out, "w", encoding="utf-8") as f:
        for i in range(a.n):
            if i < n_old:
                t = start + timedelta(seconds=span * i / max(1, n_old))
            else:
                t = today
            month = t.strftime("%y%m")
            seq[month] = seq.get(month, 0) + 1
            rid = f"{month}.{seq[month]:05d}" if month >= "1501" else f"{month}.{seq[month]:04d}"
            nv = rng.choices([1, 2, 3, 4], [60, 28, 9, 3])[0]
            versions = []
            vt = t
            for v in range(1, nv + 1):
                versions.append([v, vt.strftime("%Y-%m-%dT%H:%M:%SZ")])
                vt = min(vt + timedelta(days=rng.randint(1, 9)), t if i >= n_old else old_end)
            cats = ["cs.DC"] if rng.random() < 0.6 else [rng.choice(OTHER_CS), "cs.DC"]
            if rng.random() < 0.05:
                cats.append(rng.choice(OUTSIDE))
            title = " ".join(rng.choice(words) for _ in range(rng.randint(8, 20))).strip(".,;")
            abstract = " ".join(rng.choice(words) for _ in range(rng.randint(100, 250)))
            authors = ", ".join(rng.choice(names) for _ in range(rng.randint(1, 8)))
            rec = {"id": rid, "versions": versions, "title": title, "abstract": abstract,
                   "authors_raw": authors, "categories": cats,
                   "comment": f"{rng.randint(4, 40)} pages" if rng.random() < 0.7 else ""}
            f.write(json.dumps(rec) + "\n")


if __name__ == "__main__":
    main()
