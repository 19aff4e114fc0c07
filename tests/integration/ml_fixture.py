"""Builds data directories for the analyze/buildsvm tests: from the committed fixtures
(always) and from the shared corpus (extra breadth, when ../shared/corpus is present).

Committed (tests/fixtures/, provenance in the folders' README.md): 200 real arXiv records (title,
authors, categories, abstract; arxiv/kaggle/kaggle_snapshot_head200_wanng-ide.jsonl, CC0) and 65
full texts sampled from the words of the corpus' real arXiv PDFs
(ml/fulltext-sampled.jsonl.gz; see ml/make_fulltext_fixture.py).
From the corpus: papers come from the corpus' arXiv .abs metadata files (metadata/abs/**.abs: id, title,
authors, categories, abstract, date); full texts come from the corpus PDFs (pdf/papers/*.pdf)
through `pdftotext` (poppler-utils), attached to the first papers as their txt/<id>v1.txt.
papers.db and users.db are written with sqlite3 in the schemas of lib/src/store/ (version 1).
"""
import email.utils
import gzip
import json
import os
import re
import shutil
import sqlite3
import subprocess
from datetime import datetime, timezone
from pathlib import Path


def parse_abs(path):
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    parts = text.split("\\\\")
    if len(parts) < 3:
        return None
    head, abstract = parts[1], parts[2]
    fields, key = {}, None
    for line in head.splitlines():
        m = re.match(r"^([A-Za-z-]+):\s?(.*)$", line)
        if m and not line.startswith(" "):
            key = m.group(1)
            fields.setdefault(key, m.group(2).strip())
        elif key and line.startswith(" "):
            fields[key] += " " + line.strip()
    m = re.search(r"arXiv:(\S+)", head)
    if not m:
        return None
    arxiv = m.group(1)
    date = None
    m = re.search(r"^Date[^:]*:\s*(.*?GMT)", head, re.M)
    if m:
        try:
            date = email.utils.parsedate_to_datetime(m.group(1))
        except (TypeError, ValueError):
            date = None
    date = date or datetime(2000, 1, 1, tzinfo=timezone.utc)
    authors = [a.strip() for a in re.split(r",| and ", fields.get("Authors", "")) if a.strip()]
    cats = fields.get("Categories", "").split()
    return {
        "id": arxiv, "title": " ".join(fields.get("Title", "").split()),
        "authors": authors, "categories": cats or ["cs.DC"],
        "abstract": " ".join(abstract.split()),
        "published": date.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def corpus_papers(corpus):
    papers = [parse_abs(p) for p in sorted(Path(corpus, "metadata", "abs").rglob("*.abs"))]
    seen, out = set(), []
    for p in papers:
        if p and p["id"] not in seen and p["title"]:
            seen.add(p["id"])
            out.append(p)
    return out


def corpus_texts(corpus, cache_dir):
    """pdftotext of every corpus paper PDF (cached in cache_dir); list of (name, text)."""
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    out = []
    for pdf in sorted(Path(corpus, "pdf", "papers").glob("*.pdf")):
        txt = cache_dir / (pdf.stem + ".txt")
        if not txt.exists():
            r = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), str(txt)],
                               capture_output=True, timeout=120)
            if r.returncode != 0:
                continue
        out.append((pdf.stem, txt.read_text(encoding="utf-8", errors="replace")))
    return out


PAPERS_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE papers (
    id TEXT PRIMARY KEY, version INTEGER NOT NULL CHECK (version >= 1), title TEXT NOT NULL,
    abstract TEXT NOT NULL, authors TEXT NOT NULL, categories TEXT NOT NULL,
    primary_category TEXT NOT NULL, published TEXT NOT NULL, updated TEXT NOT NULL,
    comment TEXT, journal_ref TEXT, doi TEXT, links TEXT NOT NULL DEFAULT '[]',
    fetched_at TEXT NOT NULL, change_seq INTEGER NOT NULL);
CREATE INDEX papers_published ON papers(published);
CREATE INDEX papers_updated ON papers(updated);
CREATE INDEX papers_change_seq ON papers(change_seq);
CREATE TABLE stage_status (
    stage TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('done', 'failed')), reason TEXT NOT NULL DEFAULT '',
    attempts INTEGER NOT NULL DEFAULT 1, updated_at TEXT NOT NULL, PRIMARY KEY (stage, id));
PRAGMA user_version = 1;
"""

USERS_SCHEMA = """
CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL, created_at TEXT NOT NULL, library_rev INTEGER NOT NULL DEFAULT 0);
CREATE TABLE library (user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    paper_id TEXT NOT NULL, saved_at TEXT NOT NULL, UNIQUE (user_id, paper_id));
CREATE INDEX library_paper ON library(paper_id);
CREATE INDEX library_saved_at ON library(saved_at);
PRAGMA user_version = 1;
"""


def add_papers(data_dir, papers):
    """Creates (or extends) data_dir/papers.db with the papers (dicts as parse_abs returns)."""
    db_path = Path(data_dir) / "papers.db"
    fresh = not db_path.exists()
    db = sqlite3.connect(db_path)
    if fresh:
        db.executescript(PAPERS_SCHEMA)
    seq = db.execute("SELECT COALESCE(MAX(change_seq), 0) FROM papers").fetchone()[0]
    for p in papers:
        seq += 1
        db.execute(
            "INSERT OR REPLACE INTO papers (id, version, title, abstract, authors, categories, "
            "primary_category, published, updated, links, fetched_at, change_seq) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '[]', ?, ?)",
            (p["id"], p.get("version", 1), p["title"], p["abstract"], json.dumps(p["authors"]),
             json.dumps(p["categories"]), p["categories"][0], p["published"], p["published"],
             p["published"], seq))
    db.commit()
    db.close()


def txt_path(data_dir, paper_id, version=1):
    return Path(data_dir) / "txt" / (paper_id.replace("/", "_") + f"v{version}.txt")


def attach_texts(data_dir, papers, texts):
    """Writes texts[i] as the full text of papers[i]; returns the ids that got a text."""
    ids = []
    for p, (_, text) in zip(papers, texts):
        path = txt_path(data_dir, p["id"], p.get("version", 1))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        ids.append(p["id"])
    return ids


def set_libraries(data_dir, libraries):
    """libraries: {username: [paper ids]}; (re)writes users.db, bumping library_rev."""
    db_path = Path(data_dir) / "users.db"
    fresh = not db_path.exists()
    db = sqlite3.connect(db_path)
    if fresh:
        db.executescript(USERS_SCHEMA)
    for name, ids in libraries.items():
        db.execute("INSERT OR IGNORE INTO users (username, password_hash, created_at) "
                   "VALUES (?, 'x', '2026-01-01T00:00:00Z')", (name,))
        uid = db.execute("SELECT id FROM users WHERE username = ?", (name,)).fetchone()[0]
        db.execute("DELETE FROM library WHERE user_id = ?", (uid,))
        for pid in ids:
            db.execute("INSERT INTO library (user_id, paper_id, saved_at) VALUES (?, ?, ?)",
                       (uid, pid, "2026-01-01T00:00:00Z"))
        db.execute("UPDATE users SET library_rev = library_rev + 1 WHERE id = ?", (uid,))
    db.commit()
    db.close()


def documents(data_dir, papers, min_bytes=1000, max_bytes=500000):
    """The documents analyze uses, in its order (sorted by id): (id, text)."""
    out = []
    for p in sorted(papers, key=lambda p: p["id"]):
        path = txt_path(data_dir, p["id"], p.get("version", 1))
        if path.exists() and min_bytes < path.stat().st_size < max_bytes:
            text = path.read_bytes().decode("utf-8", errors="replace")
        else:
            text = p["title"] + "\n" + p["abstract"]
        out.append((p["id"], text))
    return out


def find_sklearn_python():
    """A Python interpreter that has scikit-learn (pyenv shims may hide Debian's)."""
    import sys
    for exe in [sys.executable, "/usr/bin/python3", shutil.which("python3")]:
        if exe and subprocess.run([exe, "-c", "import sklearn"], capture_output=True).returncode == 0:
            return exe
    return None


SOURCE_DIR = Path(os.environ.get("ASP_SOURCE_DIR", Path(__file__).resolve().parents[2]))
FIXTURES = SOURCE_DIR / "tests" / "fixtures"


def fixture_papers():
    """The 200 committed arXiv records, shaped as parse_abs returns them."""
    path = FIXTURES / "arxiv" / "kaggle" / "kaggle_snapshot_head200_wanng-ide.jsonl"
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        created = (r.get("versions") or [{"created": "Mon, 2 Apr 2007 19:18:42 GMT"}])[0]["created"]
        date = email.utils.parsedate_to_datetime(created).astimezone(timezone.utc)
        out.append({
            "id": r["id"], "title": " ".join(r["title"].split()),
            "authors": [" ".join(x for x in (a[1], a[0]) if x) for a in r.get("authors_parsed", [])],
            "categories": r["categories"].split(), "abstract": " ".join(r["abstract"].split()),
            "published": date.strftime("%Y-%m-%dT%H:%M:%SZ"),
        })
    return out


def fixture_texts():
    """The 65 committed full texts: list of (source PDF stem, text)."""
    with gzip.open(FIXTURES / "ml" / "fulltext-sampled.jsonl.gz", "rt", encoding="utf-8") as fh:
        return [(e["source"], e["text"]) for e in map(json.loads, fh)]


def data_sets(corpus, text_cache):
    """[(name, papers, texts)]: the committed fixture, then the corpus when present (texts is a
    function: pdftotext of the corpus PDFs is only run when a test needs it)."""
    sets = [("fixture", fixture_papers(), fixture_texts)]
    if corpus is not None:
        sets.append(("corpus", corpus_papers(corpus), lambda: corpus_texts(corpus, text_cache)))
    return sets


def archive_of(paper):
    """The archive of a paper's primary category (math.CO -> math, hep-th -> hep-th)."""
    return paper["categories"][0].split(".")[0]
