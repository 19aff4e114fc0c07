#!/usr/bin/env python3
"""The fake arXiv (tests/fakes/fake_arxiv.py) keeps the interface other tests rely on: Atom
pages with opensearch totals and sorting, PDFs by id, fault injection and the request log."""
import json
import socket
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET

import asp_testlib as t
import arxiv_fake

NS = {"a": "http://www.w3.org/2005/Atom", "os": "http://a9.com/-/spec/opensearch/1.1/",
      "arxiv": "http://arxiv.org/schemas/atom"}


def get(url, data=None, method=None):
    req = urllib.request.Request(url, data=data, method=method)
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def page(base, query):
    status, _, body = get(f"{base}/api/query?{query}")
    t.check(status == 200, f"{query}: HTTP {status}")
    root = ET.fromstring(body)
    total = int(root.findtext("os:totalResults", "", NS))
    entries = [(e.findtext("a:id", "", NS).split("/abs/")[1], e.findtext("a:updated", "", NS),
                [c.get("term") for c in e.findall("a:category", NS)])
               for e in root.findall("a:entry", NS)]
    return total, entries


def main():
    for extra in ([], ["--fixtures-only"]):
        with arxiv_fake.running(*extra) as fake:
            check_fake(fake.base, fixtures_only=bool(extra))
    check_pdf_dir()
    print("ok")


def check_pdf_dir():
    """--pdf-dir files win over the corpus pick: <id with _>v<N>.pdf, then <id with _>.pdf."""
    with t.temp_dir() as d:
        with arxiv_fake.running("--fixtures-only") as fake:
            records = fake.records()
        old = next(r for r in records if "/" in r["id"])
        new = next(r for r in records if "/" not in r["id"] and len(r["versions"]) > 1)
        stem = old["id"].replace("/", "_")
        (d / f"{stem}v{old['versions'][-1]}.pdf").write_bytes(b"%PDF-1.4 versioned")
        (d / f"{new['id']}.pdf").write_bytes(b"%PDF-1.4 unversioned")
        with arxiv_fake.running("--fixtures-only", "--pdf-dir", str(d)) as fake:
            t.check(fake.get(f"/pdf/{old['id']}v{old['versions'][-1]}") == b"%PDF-1.4 versioned", "versioned file")
            t.check(fake.get(f"/pdf/{old['id']}") == b"%PDF-1.4 versioned", "no version: the newest")
            t.check(fake.get(f"/pdf/{new['id']}v1") == b"%PDF-1.4 unversioned", "unversioned file")
            other = next(r for r in records if r["id"] not in (old["id"], new["id"]))
            t.check(fake.get(f"/pdf/{other['id']}").startswith(b"%PDF"), "fallback PDF")


def check_fake(base, fixtures_only):
    q = "search_query=cat:cs.DC&sortBy=lastUpdatedDate&sortOrder=descending"
    total, first = page(base, q + "&start=0&max_results=50")
    t.check(total >= (400 if t.corpus() and not fixtures_only else 20), f"cs.DC total {total}")
    t.check(len(first) == min(50, total), "page size")
    t.check(all("cs.DC" in c for _, _, c in first), "every cs.DC entry has cs.DC")
    dates = [u for _, u, _ in first]
    t.check(dates == sorted(dates, reverse=True), "lastUpdatedDate descending")
    _, second = page(base, q + "&start=50&max_results=50")
    t.check(not {e[0] for e in first} & {e[0] for e in second}, "pages do not overlap")
    _, asc = page(base, "search_query=cat:cs.DC&sortBy=lastUpdatedDate&sortOrder=ascending&max_results=5")
    t.check([u for _, u, _ in asc] == sorted(u for _, u, _ in asc), "ascending")
    empty_total, empty = page(base, "search_query=cat:no.SUCH&max_results=5")
    t.check(empty_total == 0 and not empty, "no results")
    all_total, _ = page(base, "search_query=all:&max_results=0")
    and_total, _ = page(base, "search_query=cat:cs.DC+AND+cat:cs.DC&max_results=0")
    andnot_total, _ = page(base, "search_query=all:+ANDNOT+cat:cs.DC&max_results=0")
    t.check(and_total == total and andnot_total == all_total - total, "AND / ANDNOT")

    # id_list, old- and new-style; the PDFs of what is served
    vid = first[0][0]
    rid = vid.rsplit("v", 1)[0]
    _, by_id = page(base, f"id_list={rid}")
    t.check(by_id and by_id[0][0] == vid, "id_list gives the newest version")
    status, _, body = get(f"{base}/api/query?id_list=abc")
    t.check(status == 400 and b"incorrect id format for abc" in body, "error entry for a bad id")
    for path in (f"/pdf/{vid}", f"/pdf/{rid}", f"/pdf/{vid}.pdf"):
        status, headers, body = get(base + path)
        t.check(status == 200 and body.startswith(b"%PDF") and
                headers["Content-Type"] == "application/pdf", f"{path}: {status}")
    records = json.loads(get(base + "/_control/records")[2])
    old = next(r for r in records if "/" in r["id"])
    status, _, body = get(f"{base}/pdf/{old['id']}v{old['versions'][-1]}")
    t.check(status == 200 and body.startswith(b"%PDF"), "old-style id PDF")
    t.check(get(f"{base}/pdf/{rid}v99")[0] == 404, "unknown version -> 404")

    # faults: status + Retry-After once, then normal; the request log
    get(base + "/_control/requests", method="DELETE")
    rules = [{"path": "/api/query", "kind": "status", "status": 429, "retry_after": 2, "times": 1},
             {"path": "/pdf/", "kind": "html200", "times": 1}]
    get(base + "/_control/faults", json.dumps(rules).encode(), "POST")
    status, headers, _ = get(f"{base}/api/query?{q}&max_results=1")
    t.check(status == 429 and headers.get("Retry-After") == "2", "429 with Retry-After")
    t.check(get(f"{base}/api/query?{q}&max_results=1")[0] == 200, "fault used up")
    status, headers, body = get(f"{base}/pdf/{vid}")
    t.check(status == 200 and body.startswith(b"<!DOCTYPE html"), "html200 on /pdf/")
    for kind, check in (("short_page", lambda n: n == 5), ("empty_page", lambda n: n == 0)):
        get(base + "/_control/faults", json.dumps({"path": "/api/query", "kind": kind}).encode(), "POST")
        total2, entries = page(base, q + "&max_results=10")
        t.check(total2 == total and check(len(entries)), f"{kind}: {len(entries)}")
    get(base + "/_control/faults", json.dumps({"path": "/api/query", "kind": "error_entry"}).encode(), "POST")
    status, _, body = get(f"{base}/api/query?{q}")
    t.check(status == 400 and b"api/errors#" in body, "error_entry")
    log = json.loads(get(base + "/_control/requests")[2])
    t.check(len(log) == 6 and log[0]["path"] == "/api/query" and "max_results=1" in log[0]["query"],
            f"request log: {log}")
    t.check([r["path"] for r in log].count("/pdf/" + vid) == 1, "request log lists the PDF request")

    # truncate and reset at the socket level
    host, port = base.rsplit(":", 1)[0][7:], int(base.rsplit(":", 1)[1])
    for kind in ("truncate", "reset"):
        get(base + "/_control/faults", json.dumps({"path": "/api/query", "kind": kind}).encode(), "POST")
        with socket.create_connection((host, port), timeout=10) as s:
            s.sendall(f"GET /api/query?{q}&max_results=5 HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            data = b""
            try:
                while chunk := s.recv(65536):
                    data += chunk
            except ConnectionResetError:
                pass
        if kind == "truncate":
            head, _, body = data.partition(b"\r\n\r\n")
            length = int([h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")][0].split(b":")[1])
            t.check(0 < len(body) < length, f"truncated body {len(body)} of {length}")
        else:
            t.check(data == b"", "reset sends nothing")
    # a rule with a query filter waits for a matching request; "slow" answers late but fully
    get(base + "/_control/faults", json.dumps([
        {"path": "/api/query", "query": "start=7&", "kind": "status", "status": 502},
        {"path": "/api/query", "kind": "slow", "seconds": 0.3}]).encode(), "POST")
    t0 = time.monotonic()
    t.check(get(f"{base}/api/query?{q}&start=0&max_results=1")[0] == 200, "query filter: other start")
    t.check(time.monotonic() - t0 >= 0.3, "slow")
    t.check(get(f"{base}/api/query?{q}&start=7&max_results=1")[0] == 502, "query filter: matching start")
    get(base + "/_control/faults", json.dumps({"path": "/pdf/", "kind": "status", "status": 404}).encode(), "POST")
    get(base + "/_control/faults", method="DELETE")
    t.check(json.loads(get(base + "/_control/faults")[2]) == [], "faults cleared")


if __name__ == "__main__":
    main()
