#!/usr/bin/env python3
"""A full-text benchmark data directory for analyze/buildsvm from
/work/shared/tools/make_fulltext_corpus.py output (the workload the original arxiv-sanity was
measured on: every paper with a real-sized full text, 50 users with 10-30 saved papers).

  ml_fulltext.py DIR N MODE [--hold-back K] [--parts P]

runs make_fulltext_corpus.py (--mode sampled|cyclic, seed 1337) into DIR/src (P parts of N/P
papers each, seeds 1337, 1338, ...: the generator makes at most ~100,000 papers; the ids of
part p > 0 are renamed 99{01+p}.NNNNN so they stay unique), then writes our data directory:
DIR/papers.db, DIR/txt/<id>v<version>.txt (hard links to the generated texts), DIR/users.db
(the generator's users and libraries; a library paper that is not in the corpus is left out).
--hold-back K keeps the K last papers out of papers.db (a day's new papers);
`ml_fulltext.py DIR --append` adds them later (as the fetch of the next day would).
"""
import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "integration"))
import ml_fixture  # noqa: E402

GENERATOR = Path(os.environ.get("ASP_FULLTEXT_GENERATOR",
                                "/work/shared/tools/make_fulltext_corpus.py"))
STAGING = Path(os.environ.get("ASP_CORPUS_DIR", "/work/shared/corpus"))


def entries(src, part):
    """(paper dict, text path) of one generated part, in the generator's (sorted) order."""
    out = []
    with open(src / "db.jsonl", encoding="utf-8") as fh:
        for k, line in enumerate(fh):
            e = json.loads(line)
            rid, ver = e["_rawid"], e["_version"]
            pid = rid if part == 0 else f"99{1 + part:02d}.{k + 1:05d}"
            p = {"id": pid, "version": ver, "title": " ".join(e["title"].split()),
                 "abstract": e["summary"], "authors": [a["name"] for a in e["authors"]],
                 "categories": [t["term"] for t in e["tags"]] or ["cs.LG"],
                 "published": e["published"], "raw": rid}
            out.append((p, src / "data" / "txt" / f"{rid}v{ver}.pdf.txt"))
    return out


def import_papers(d, items):
    for p, txt in items:
        dst = ml_fixture.txt_path(d, p["id"], p["version"])
        dst.parent.mkdir(parents=True, exist_ok=True)
        if not dst.exists():
            os.link(txt, dst)
    ml_fixture.add_papers(d, [p for p, _ in items])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("n", type=int, nargs="?")
    ap.add_argument("mode", nargs="?", choices=["sampled", "cyclic"])
    ap.add_argument("--hold-back", type=int, default=0)
    ap.add_argument("--parts", type=int, default=1)
    ap.add_argument("--append", action="store_true")
    a = ap.parse_args()
    d = Path(a.dir)
    if a.append:
        held = json.loads((d / "held_back.json").read_text())
        import_papers(d, [(p, Path(t)) for p, t in held])
        (d / "held_back.json").unlink()
        print(f"{d}: {len(held)} papers appended")
        return
    d.mkdir(parents=True, exist_ok=True)
    items, users = [], {}
    for part in range(a.parts):
        src = d / "src" / f"part{part}"
        n = a.n // a.parts + (a.hold_back if part == a.parts - 1 else 0)
        if not (src / "manifest.json").exists():
            subprocess.run([sys.executable, str(GENERATOR), "--staging", str(STAGING),
                            "--out", str(src), "--n", str(n), "--mode", a.mode,
                            "--seed", str(1337 + part), "--txt-cache", str(d.parent / "pdftxt-cache")],
                           check=True, stdout=subprocess.DEVNULL)
        got = entries(src, part)
        items += got
        if part == 0:
            ids = {p["raw"]: p["id"] for p, _ in got}
            lib = json.loads((src / "library.json").read_text())
            names = {u["user_id"]: u["username"] for u in lib["users"]}
            for row in lib["library"]:
                users.setdefault(names[row["user_id"]], []).append(ids[row["paper_id"]])
    held = items[len(items) - a.hold_back:] if a.hold_back else []
    base = items[:len(items) - a.hold_back]
    import_papers(d, base)
    in_base = {p["id"] for p, _ in base}
    ml_fixture.set_libraries(d, {u: sorted(x for x in ids if x in in_base)
                                 for u, ids in sorted(users.items())})
    if held:
        (d / "held_back.json").write_text(json.dumps([(p, str(t)) for p, t in held]))
    print(f"{d}: {len(base)} papers ({a.mode}), {len(users)} users, {len(held)} held back")


if __name__ == "__main__":
    main()
