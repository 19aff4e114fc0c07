"""Helpers of serve's integration tests: a data directory from real arXiv metadata, a running
serve, and a small HTTP client that keeps cookies and echoes the CSRF token."""
import contextlib
import email.utils
import http.client
import json
import os
import subprocess
import time
from pathlib import Path

import asp_testlib as t

# Papers whose text tries to break out of the page: they must show as text.
HOSTILE = [
    {"id": "2101.99991", "version": 1, "title": "<script>alert('t1')</script> Title",
     "abstract": "abstract \"><img src=x onerror=alert('a1')> end", "authors": ["<b>Mallory</b>"],
     "categories": ["cs.DC"], "published": "2021-01-29T10:00:00Z", "updated": "2021-01-29T10:00:00Z"},
    {"id": "2101.99992", "version": 2, "title": "javascript:alert(1) \"><img onerror=alert(2) src=y>",
     "abstract": "<script>document.cookie</script>", "authors": ["Eve \"quote\" O'Hara"],
     "categories": ["cs.CR", "cs.DC"], "published": "2021-01-28T10:00:00Z",
     "updated": "2021-01-30T10:00:00Z"},
]


KAGGLE_FIXTURE = t.SOURCE_DIR / "tests" / "fixtures" / "arxiv" / "kaggle" / "kaggle_snapshot_head20.jsonl"


def kaggle_papers(limit=200, path=None):
    """Papers from an arXiv metadata snapshot (real CC0 records, committed as
    tests/fixtures/arxiv/kaggle/, identical to the corpus file), as make_papers_db reads;
    `path` picks another committed snapshot (e.g. KAGGLE_FIXTURE, 20 records)."""
    path = path or t.FIXTURES / "arxiv" / "kaggle" / "kaggle_snapshot_head200_wanng-ide.jsonl"
    out = []
    for line in path.read_text().splitlines()[:limit]:
        r = json.loads(line)
        versions = r.get("versions") or [{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}]

        def iso(created):
            return email.utils.parsedate_to_datetime(created).strftime("%Y-%m-%dT%H:%M:%SZ")
        out.append({
            "id": r["id"], "version": int(versions[-1]["version"][1:]),
            "title": " ".join(r["title"].split()), "abstract": r["abstract"].strip(),
            "authors": [" ".join(p for p in (a[1], a[0]) if p) for a in r.get("authors_parsed", [])],
            "categories": r["categories"].split(),
            "published": iso(versions[0]["created"]), "updated": iso(versions[-1]["created"]),
        })
    return out


def write_papers(data_dir, papers):
    helper = t.BUILD_DIR / "bin" / "make_papers_db"
    if not helper.exists():
        t.missing(f"{helper} is not built")
    data_dir.mkdir(parents=True, exist_ok=True)
    lines = "".join(json.dumps(p) + "\n" for p in papers)
    t.run([str(helper), str(data_dir / "papers.db")], input=lines)


def make_data_dir(root, limit=200, hostile=True):
    data = root / "data"
    papers = kaggle_papers(limit) + (HOSTILE if hostile else [])
    write_papers(data, papers)
    (data / "thumbs").mkdir(exist_ok=True)
    return data, papers


@contextlib.contextmanager
def serve(data_dir, *extra, log_name="serve.log"):
    port = t.free_port()
    secret = data_dir.parent / "secret"
    secret.write_text("s" * 48)
    args = [t.tool("serve"), "--data-dir", str(data_dir), "--port", str(port),
            "--secret-file", str(secret), *extra]
    with t.background(args, port=port, log_path=data_dir.parent / log_name) as proc:
        yield port, proc


class Client:
    """One browser: cookies kept, the csrf cookie echoed in X-CSRF-Token on state changes."""

    def __init__(self, port):
        self.port = port
        self.cookies = {}

    def request(self, method, path, body=None, headers=None, csrf=True, form=False):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        h = dict(headers or {})
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if csrf and method not in ("GET", "HEAD") and "csrf" in self.cookies and not form:
            h.setdefault("X-CSRF-Token", self.cookies["csrf"])
        if isinstance(body, (dict, list)) and not form:
            body = json.dumps(body)
            h.setdefault("Content-Type", "application/json")
        if form:
            from urllib.parse import urlencode
            fields = dict(body)
            if csrf and "csrf" in self.cookies:
                fields.setdefault("csrf", self.cookies["csrf"])
            body = urlencode(fields)
            h["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=h)
        resp = conn.getresponse()
        data = resp.read()
        for k, v in resp.getheaders():
            if k.lower() == "set-cookie":
                name, _, rest = v.partition("=")
                value = rest.split(";")[0]
                if "Max-Age=0" in v:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = value
        conn.close()
        resp.body = data
        resp.text = data.decode("utf-8", "replace")
        return resp

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def json(self, method, path, body=None, **kw):
        r = self.request(method, path, body, **kw)
        try:
            r.json = json.loads(r.text)
        except ValueError:
            raise AssertionError(f"{method} {path}: not JSON ({r.status}): {r.text[:300]}")
        return r


def expect(resp, status, what):
    t.check(resp.status == status, f"{what}: expected {status}, got {resp.status}: {resp.text[:400]}")
    return resp
