"""Helpers of the Makefile.pipeline tests (tests/integration/test_pipeline_*.py).

    with fake_arxiv(root) as fake:             # fixtures-only fake arXiv, PDFs with real text
        r = make(pipeline_vars(fake, data))    # make -f Makefile.pipeline ...
        before = snapshot(data)                # {path: (sha256, mtime)} of the data files
"""
import contextlib
import hashlib
import subprocess
import sys

import arxiv_fake
import asp_testlib as t

STAGES = ["fetch", "download", "pdf2txt", "thumb", "analyze", "buildsvm"]
MAKEFILE = t.SOURCE_DIR / "Makefile.pipeline"


def require_tools(*names):
    for name in names or STAGES:
        t.tool(name)
    for program in ("make", "flock", "sqlite3"):
        if subprocess.run(["which", program], capture_output=True).returncode != 0:
            t.missing(f"{program} is not installed")


@contextlib.contextmanager
def fake_arxiv(root, *extra):
    """The fake arXiv over the committed fixtures, serving PDFs that hold each paper's text."""
    pdfs = root / "fake-pdfs"
    with arxiv_fake.running("--fixtures-only", "--pdf-dir", str(pdfs), *extra) as fake:
        t.run([sys.executable, str(t.FAKES / "make_pdfs.py"), "--api-url", fake.api_url,
               "--out", str(pdfs)])
        yield fake


def pipeline_vars(fake, data, **more):
    v = {"DATA_DIR": str(data), "BIN": str(t.BIN_DIR), "API_URL": fake.api_url,
         "PDF_URL": fake.pdf_url, "WAIT_TIME": "0", "JOBS": "2", "MAX_INDEX": "200"}
    v.update({k: str(x) for k, x in more.items()})
    return [f"{k}={x}" for k, x in v.items()]


def make(variables, *goals, check=True, timeout=600, env=None):
    return t.run(["make", "-f", str(MAKEFILE), *variables, *goals], check=check, timeout=timeout,
                 env=env)


def make_async(variables, *goals):
    return subprocess.Popen(["make", "-f", str(MAKEFILE), *variables, *goals],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def snapshot(data):
    """{relative path: (sha256, mtime_ns)} of every data file, leaving out what a run always
    writes (its log, the lock files .pipeline.lock and .stage.lock) and SQLite's WAL side files."""
    out = {}
    for p in sorted(data.rglob("*")):
        rel = p.relative_to(data).as_posix()
        if not p.is_file() or rel.startswith("logs/") or rel in (".pipeline.lock", ".stage.lock"):
            continue
        if rel.endswith(("-wal", "-shm", "-journal")):
            continue
        out[rel] = (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
    return out


def files(folder, suffix):
    return sorted(p.name for p in folder.glob(f"*{suffix}")) if folder.is_dir() else []


def logs(data):
    return sorted((data / "logs").glob("pipeline-*.log"))


def last_run(data):
    return (data / "logs" / "last-run").read_text().split()


def sql(db, query):
    r = t.run(["sqlite3", "-readonly", "-batch", "-noheader", str(db), query])
    return [line.split("|") for line in r.stdout.splitlines()]

