"""Makefile.pipeline end to end against the fake arXiv (fixtures only, PDFs with real text):
1. single stages: `make fetch`, `make download`, then `make thumb` alone makes every thumbnail
   and runs no other stage;
2. the whole pipeline completes (fetch to buildsvm); `status` counts every paper done;
3. a user signs up on serve and saves papers (users.db); the next run's buildsvm learns them;
4. serve answers with those papers, their thumbnails, similar papers and recommendations;
5. a rerun with nothing new changes no file of the data directory and takes seconds.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import arxiv_fake  # noqa: E402
import asp_testlib as t  # noqa: E402
from pipeline_testlib import (STAGES, fake_arxiv, files, last_run, make,  # noqa: E402
                              pipeline_vars, require_tools, snapshot, sql)

USER, PASSWORD = "alice", "correct horse battery"
RERUN_SECONDS = 20


def stem(pid, version):
    return f"{pid.replace('/', '_')}v{version}"


def serve_testlib():
    try:
        import serve_testlib as s
    except ImportError:
        t.missing("tests/integration/serve_testlib.py (serve's test helpers) is not there yet")
    return s


def status_counts(output):
    """{stage: (done, pending, failed)} from `make status`."""
    out = {}
    for line in output.splitlines():
        f = line.split()
        if len(f) >= 4 and f[0] in ("download", "pdf2txt", "thumb") and f[1].isdigit():
            out[f[0]] = (int(f[1]), int(f[2]), int(f[3]))
    return out


def main():
    require_tools(*STAGES, "serve")
    s = serve_testlib()
    with t.temp_dir() as root, fake_arxiv(root) as fake:
        data = root / "data"
        v = pipeline_vars(fake, data)
        expected = arxiv_fake.served(fake, "cat:cs.DC", 200)
        t.check(len(expected) >= 10, f"the fixtures give only {len(expected)} cs.DC papers")
        stems = sorted(stem(pid, e["version"]) for pid, e in expected.items())

        # 1. Single stages; thumb alone.
        make(v, "fetch")
        ids = {row[0]: int(row[1]) for row in sql(data / "papers.db", "SELECT id, version FROM papers")}
        t.check(ids == {pid: e["version"] for pid, e in expected.items()}, "fetch stored the papers")
        make(v, "download")
        t.check(files(data / "pdf", ".pdf") == [x + ".pdf" for x in stems], "one PDF per paper")
        r = make(v, "thumb")
        t.check(files(data / "thumbs", ".jpg") == [x + ".jpg" for x in stems],
                f"`make thumb` alone made every thumbnail:\n{r.stdout}")
        t.check("== thumb done" in r.stdout and "== pdf2txt" not in r.stdout, r.stdout)
        t.check(files(data / "txt", ".txt") == [], "`make thumb` ran pdf2txt too")

        # 2. The whole pipeline.
        r = make(v)
        for stage in STAGES:
            t.check(f"== {stage} done" in r.stdout, f"{stage} did not run:\n{r.stdout}")
        t.check(files(data / "txt", ".txt") == [x + ".txt" for x in stems], "one text per paper")
        t.check(any((data / "index").rglob("*")), "analyze wrote index/")
        t.check(last_run(data)[1] == "OK", "last-run says OK")
        counts = status_counts(make(v, "status").stdout)
        for stage in ("download", "pdf2txt", "thumb"):
            t.check(counts.get(stage) == (len(stems), 0, 0),
                    f"status {stage}: {counts.get(stage)}, expected {len(stems)} done")

        # 3. A user with a library, made through serve as a browser would.
        with s.serve(data) as (port, _):
            c = s.Client(port)
            c.get("/")
            r = c.json("POST", "/api/signup", {"username": USER, "password": PASSWORD})
            t.check(r.status in (200, 201), f"sign up: {r.status} {r.text[:300]}")
            recent = s.expect(c.json("GET", "/api/recent?limit=100"), 200, "recent").json
            t.check(recent["total"] == len(stems), f"serve lists {recent['total']} papers")
            first = recent["papers"][0]["id"]
            similar = s.expect(c.json("GET", f"/api/similar/{first}?limit=3"), 200, "similar").json
            t.check(len(similar["papers"]) == 3, f"similar papers of {first}: {similar}")
            library = [first] + [p["id"] for p in similar["papers"]]
            for pid in library:
                r = c.request("PUT", f"/api/library/{pid}")
                t.check(r.status in (200, 201, 204), f"save {pid}: {r.status} {r.text[:300]}")
        saved = sql(data / "users.db", "SELECT COUNT(*) FROM library")
        t.check(saved == [[str(len(library))]], f"users.db holds the library: {saved}")

        # 4. The next run learns it; serve shows papers, thumbnails and recommendations.
        r = make(v)
        t.check("== buildsvm done" in r.stdout, r.stdout)
        t.check(any((data / "recs").rglob("*")), "buildsvm wrote recs/")
        with s.serve(data) as (port, _):
            c = s.Client(port)
            c.get("/")
            s.expect(c.json("POST", "/api/login", {"username": USER, "password": PASSWORD}),
                     200, "log in")
            recent = s.expect(c.json("GET", "/api/recent?limit=100"), 200, "recent").json
            t.check(recent["total"] == len(expected) and recent["papers"], f"serve: {recent['total']}")
            t.check({p["id"] for p in recent["papers"]} <= set(expected), "serve has the papers")
            thumb = c.get(recent["papers"][0]["thumb_url"])
            t.check(thumb.status == 200 and thumb.body[:3] == b"\xff\xd8\xff",
                    f"thumbnail: {thumb.status} {thumb.body[:20]!r}")
            recs = s.expect(c.json("GET", "/api/recommend?time=all&limit=100"), 200, "recs").json
            t.check(recs["papers"], f"no recommendations: {recs}")
            t.check(all("score" in p for p in recs["papers"]), "recommendations carry scores")
            t.check({p["id"] for p in recs["papers"]} <= set(expected), "recommended unknown papers")
            lib = s.expect(c.json("GET", "/api/library"), 200, "library").json
            t.check({p["id"] for p in lib["papers"]} == set(library), "the library as saved")

        # 5. A rerun with nothing new: no data file changes, and it takes seconds.
        before = snapshot(data)
        start = time.monotonic()
        r = make(v)
        seconds = time.monotonic() - start
        after = snapshot(data)
        # Not even rewritten with the same bytes: the mtimes are compared too.
        changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
        t.check(not changed, f"a rerun with nothing new changed or rewrote {changed}")
        t.check(seconds < RERUN_SECONDS, f"the rerun took {seconds:.1f} s")
        print(f"rerun with nothing new: {seconds:.1f} s, {len(before)} files unchanged")
    print("test_pipeline_e2e: fetch to buildsvm, serve answers, reruns change nothing")


if __name__ == "__main__":
    main()
