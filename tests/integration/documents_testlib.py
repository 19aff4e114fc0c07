"""Helpers of the document-stage tests (download, pdf2txt, thumb): a data directory whose
papers.db lists synthetic papers mapped to corpus PDFs, and a text-similarity measure.

papers.db's schema belongs to the library (PapersDb): the tools create it, and rows are
added here through the columns the schema declares, so a schema change with new NOT NULL
columns still gets plausible values.
"""
import collections
import json
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import asp_testlib as t
from asp_testlib import run, tool


def corpus_pdfs(corpus, folders=("papers", "publisher-samples", "edge")):
    out = []
    for f in folders:
        out += sorted((corpus / "pdf" / f).glob("*.pdf"))
    return out


def synthetic_id(i):
    """New-style ids 2101.00001, 2101.00002, ... and an old-style one now and then."""
    if i % 10 == 3:
        return f"cs/0112{i:03d}"
    return f"2101.{i + 1:05d}"


def create_papers_db(data_dir):
    """Lets a tool create papers.db with the current schema (opening it creates and migrates)."""
    run([tool("pdf2txt"), "--data-dir", str(data_dir), "-q"])
    return data_dir / "papers.db"


def add_papers(db_path, papers):
    """papers: list of (raw_id, version, title)."""
    con = sqlite3.connect(db_path)
    cols = con.execute("PRAGMA table_info(papers)").fetchall()
    seq = con.execute("SELECT COALESCE(MAX(change_seq), 0) FROM papers").fetchone()[0]
    for raw_id, version, title in papers:
        seq += 1
        row = {"id": raw_id, "version": version, "title": title, "abstract": f"Abstract of {title}.",
               "authors": json.dumps(["A. Author"]), "categories": json.dumps(["cs.DC"]),
               "primary_category": "cs.DC", "published": "2021-01-01T00:00:00Z",
               "updated": "2021-01-01T00:00:00Z", "links": "[]",
               "fetched_at": "2021-01-02T00:00:00Z", "change_seq": seq}
        for _, name, ctype, notnull, default, _pk in cols:
            if name not in row and notnull and default is None:
                row[name] = 0 if "INT" in (ctype or "").upper() else ""
        names = [c[1] for c in cols if c[1] in row]
        con.execute(f"INSERT OR REPLACE INTO papers ({','.join(names)}) VALUES ({','.join('?' * len(names))})",
                    [row[n] for n in names])
    con.commit()
    con.close()


def file_stem(raw_id, version):
    return f"{raw_id.replace('/', '_')}v{version}"


def data_dir_with_pdfs(data_dir, pdfs):
    """A data dir whose papers map to the given PDFs (copied into pdf/ under synthetic ids).
    Returns {raw_id: source_pdf}."""
    db = create_papers_db(data_dir)
    mapping = {}
    (data_dir / "pdf").mkdir(parents=True, exist_ok=True)
    rows = []
    for i, src in enumerate(pdfs):
        rid = synthetic_id(i)
        mapping[rid] = src
        shutil.copyfile(src, data_dir / "pdf" / f"{file_stem(rid, 1)}.pdf")
        rows.append((rid, 1, src.stem))
    add_papers(db, rows)
    return mapping


def stage_records(data_dir, stage):
    con = sqlite3.connect(data_dir / "papers.db")
    rows = con.execute("SELECT id, version, state, reason FROM stage_status WHERE stage = ?",
                       (stage,)).fetchall()
    con.close()
    return {r[0]: {"version": r[1], "state": r[2], "reason": r[3]} for r in rows}


TOKEN = re.compile(r"\w+")


def tokens(text):
    return TOKEN.findall(text)


def multiset_jaccard(a, b):
    """|A ∩ B| / |A ∪ B| over token multisets: 1.0 when both texts have the same words the
    same number of times; order-blind."""
    ca, cb = collections.Counter(a), collections.Counter(b)
    union = sum((ca | cb).values())
    return 1.0 if union == 0 else sum((ca & cb).values()) / union


def pdftotext(pdf):
    """poppler-utils' text of a PDF (the reference), or None when pdftotext fails on it. A
    missing pdftotext is a failure (scripts/install-deps.sh --test installs poppler-utils)."""
    if shutil.which("pdftotext") is None:
        t.missing("pdftotext (poppler-utils) is not installed")
    r = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True)
    if r.returncode != 0:
        return None
    return r.stdout.decode("utf-8", errors="replace")


def jpeg_size(path):
    """(width, height) from a JPEG's SOF marker."""
    data = Path(path).read_bytes()
    if data[:2] != b"\xff\xd8":
        raise ValueError(f"{path}: not a JPEG")
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            i += 1
            continue
        marker = data[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        length = int.from_bytes(data[i + 2:i + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            h = int.from_bytes(data[i + 5:i + 7], "big")
            w = int.from_bytes(data[i + 7:i + 9], "big")
            return w, h
        i += 2 + length
    raise ValueError(f"{path}: no SOF marker")


def check_rerun_skips(tool_path, data_dir, out_folder, expected):
    """A rerun of a document stage over `data_dir` skips all `expected` papers in seconds and
    touches none of the files in `out_folder`."""
    out = Path(data_dir) / out_folder
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    t0 = time.monotonic()
    r = t.run([tool_path, "--data-dir", str(data_dir), "--jobs", "2"])
    took = time.monotonic() - t0
    after = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    t.check(before == after, f"rerun changed the files in {out_folder}/")
    t.check(took < 10, f"rerun took {took:.1f} s")
    t.check(f"0 done, {expected} skipped, 0 failed" in r.stderr, f"rerun did work: {r.stderr}")
    print(f"rerun: {took:.2f} s, all skipped")



def generated_pdfs(folder, count, pages=3):
    """`count` text PDFs written by tests/fakes/make_pdfs.py's generator (no corpus needed):
    real arXiv abstracts from the committed fixture tests/fixtures/arxiv/kaggle (CC0), one
    paper per PDF, `pages` pages each. Returns their paths."""
    sys.path.insert(0, str(t.FAKES))
    import make_pdfs  # noqa: E402  (tests/fakes)
    records = [json.loads(line) for line in
               (t.FIXTURES / "arxiv" / "kaggle" / "kaggle_snapshot_head20.jsonl").read_text().splitlines()
               if line.strip()]
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(count):
        r = records[i % len(records)]
        paper = {"title": " ".join(r["title"].split()), "abstract": " ".join(r["abstract"].split()),
                 "authors": [a.strip() for a in r["authors"].split(",")][:6]}
        p = folder / f"generated-{i:03d}.pdf"
        p.write_bytes(make_pdfs.make_pdf(paper, pages))
        out.append(p)
    return out


def test_pdfs(tmp):
    """The PDFs the document-stage tests run on: every corpus PDF when ../shared/corpus is
    there; otherwise committed-fixture-made ones: 12 generated papers (generated_pdfs) in
    tmp/papers and three broken files in tmp/edge (text named .pdf, a PDF cut in half, an
    HTML error page), so the tests never skip."""
    c = t.corpus()
    if c:
        return corpus_pdfs(c)
    papers = generated_pdfs(tmp / "papers", 12, pages=3)
    edge = tmp / "edge"
    edge.mkdir(parents=True, exist_ok=True)
    (edge / "text-named.pdf").write_text("just some text, not a PDF\n")
    whole = papers[0].read_bytes()
    (edge / "cut-in-half.pdf").write_bytes(whole[:len(whole) // 2])
    (edge / "html-error.pdf").write_text("<!DOCTYPE html><html><body>503</body></html>\n")
    return papers + sorted(edge.glob("*.pdf"))
