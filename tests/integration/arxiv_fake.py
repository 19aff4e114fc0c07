"""Helpers for tests that run against the fake arXiv (tests/fakes/fake_arxiv.py).

    with arxiv_fake.running() as fake:        # starts it on a free port, stops it after
        fake.api_url                           # http://127.0.0.1:PORT/api/query
        fake.pdf_url                           # http://127.0.0.1:PORT/pdf/
        fake.add_faults([{"path": "/pdf/", "kind": "status", "status": 503}])
        fake.requests()                        # what it has seen
    served(fake, "cat:cs.DC", 400)             # {id: version} a fetch of 400 results must store
    db_papers(path)                            # {id: row} of a papers.db
"""
import contextlib
import json
import sqlite3
import subprocess
import sys
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import asp_testlib as t

NS = {"a": "http://www.w3.org/2005/Atom", "os": "http://a9.com/-/spec/opensearch/1.1/",
      "arxiv": "http://arxiv.org/schemas/atom"}


class Fake:
    def __init__(self, proc, port):
        self.proc = proc
        self.base = f"http://127.0.0.1:{port}"
        self.api_url = self.base + "/api/query"
        self.pdf_url = self.base + "/pdf/"

    def _call(self, path, method="GET", body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method)
        with urllib.request.urlopen(req, timeout=20) as r:
            return json.loads(r.read() or b"null")

    def add_faults(self, rules):
        return self._call("/_control/faults", "POST", rules)

    def clear_faults(self):
        self._call("/_control/faults", "DELETE")

    def pending_faults(self):
        return self._call("/_control/faults")

    def requests(self):
        return self._call("/_control/requests")

    def clear_requests(self):
        self._call("/_control/requests", "DELETE")

    def records(self):
        return self._call("/_control/records")

    def get(self, path_and_query):
        with urllib.request.urlopen(self.base + path_and_query, timeout=30) as r:
            return r.read()


@contextlib.contextmanager
def running(*args, script="fake_arxiv.py", fake_class=Fake):
    proc = subprocess.Popen([sys.executable, str(t.FAKES / script), "--port", "0", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            start_new_session=True)
    try:
        line = proc.stdout.readline()
        if not line.startswith("listening on "):
            raise RuntimeError(f"{script} did not start: {line!r}")
        yield fake_class(proc, int(line.split()[2]))
    finally:
        proc.kill()
        proc.wait()


def parse_feed(body):
    root = ET.fromstring(body)
    total = int(root.findtext("os:totalResults", "0", NS))
    entries = []
    for e in root.findall("a:entry", NS):
        vid = e.findtext("a:id", "", NS).split("/abs/")[1]
        rid, _, ver = vid.rpartition("v")
        entries.append({"id": rid, "version": int(ver),
                        "title": " ".join(e.findtext("a:title", "", NS).split()),
                        "primary": e.find("arxiv:primary_category", NS).get("term"),
                        "categories": [c.get("term") for c in e.findall("a:category", NS)]})
    return total, entries


def served(fake, query, max_index, per_page=100):
    """{id: entry} of the newest version of every paper in the first max_index results, read
    page by page from the fake with the same sort a fetch uses (independent of our parser)."""
    out = {}
    for start in range(0, max_index, per_page):
        q = urllib.parse.urlencode({"search_query": query, "sortBy": "lastUpdatedDate",
                                    "sortOrder": "descending", "start": start,
                                    "max_results": min(per_page, max_index - start)})
        total, entries = parse_feed(fake.get("/api/query?" + q))
        for e in entries:
            if e["id"] not in out or out[e["id"]]["version"] < e["version"]:
                out[e["id"]] = e
        if start + per_page >= total:
            break
    return out


def db_papers(path, columns="id, version, title, abstract, authors, categories, primary_category, "
                            "published, updated, comment, journal_ref, doi, links"):
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = con.execute(f"SELECT {columns} FROM papers ORDER BY id").fetchall()
    finally:
        con.close()
    return {r[0]: r for r in rows}
