#!/usr/bin/env python3
"""A local fake arXiv for the tests: the export API (/api/query) and PDFs (/pdf/...).

Python 3 standard library only. Start it with a free port and read the port back:

    python3 tests/fakes/fake_arxiv.py --port 0 [--corpus DIR] [--pdf-dir DIR] [--fault JSON]...
    -> first line on stdout: "listening on <port>"

WHAT IS REAL AND WHAT IS SYNTHESIZED
  Real (from ../shared/corpus, or tests/fixtures/arxiv/ when the corpus is absent):
    - the records: every metadata/abs/**/*.abs file (arXiv's own metadata: id, title, authors,
      categories, comments, journal ref, DOI, abstract, and the date of every version), the
      lines of metadata/kaggle_snapshot_head200_wanng-ide.jsonl (arXiv's public snapshot, with
      version dates), and every <entry> of the recorded API responses in atom/*.xml. A paper
      present in several sources is taken from the first (abs, then kaggle, then atom).
    - the response format: arXiv's 2026 Atom layout (namespaces declared on <feed>, arxiv:
      and opensearch: elements, links, category terms), titles and abstracts with the line
      breaks of the source, as arXiv sends them.
    - the PDFs: files of --pdf-dir, else a deterministic pick from corpus/pdf/papers.
  Synthesized:
    - cross-listing: none of the real records is in cs.DC, so by default a deterministic
      ~55% of them (by a hash of the id) get `cs.DC` appended as a secondary category
      (`--cross-list CAT`, `--cross-list-fraction F`; fraction 0 turns it off). The primary
      category stays the real one.
    - older versions served again: for a deterministic ~quarter of the papers with two or
      more versions, the feed also holds the previous version as an entry of its own, dated
      at that version's date, so it lands on a later page of a lastUpdatedDate listing than
      the newest version (a client must keep the newest). `--no-old-versions` turns it off.
    - for Atom-sourced records with vN > 1, the dates of versions between v1 (published) and
      vN (updated) are interpolated.
    - without a corpus, PDFs for ids with no file are a tiny generated one-page PDF.

/api/query (GET), parameters as arXiv's:
    search_query  terms `field:value` (fields cat, all, ti, au, abs, co, jr, id; a value may
                  be "quoted"), joined by AND, OR, ANDNOT, evaluated left to right;
                  parentheses are ignored; an unknown field or form matches everything.
    id_list       comma-separated ids (versioned or not); invalid ids -> an Error entry (400).
    start, max_results (default 10, at most 2000), sortBy (relevance | lastUpdatedDate |
    submittedDate), sortOrder (descending (default) | ascending). opensearch totals as arXiv.

/pdf/<id>v<N>, /pdf/<id> (GET; old-style ids keep their slash: /pdf/cs/0112017v1; an optional
    .pdf suffix is accepted): the PDF, Content-Type application/pdf. File lookup in --pdf-dir:
    <id with / -> _>v<N>.pdf (N: the newest version when the path has none), then
    <id with / -> _>.pdf; else the corpus pick (the same file for the same id every time; a
    generated one-page PDF without a corpus). Unknown id or version -> 404.

FAULT INJECTION (for /api/query and /pdf/ alike)
    A rule is a JSON object:
      {"path": "/api/query",   # prefix of the request path the rule applies to
       "query": "start=100&",  # optional: a substring the raw query string must contain
       "kind": "status" | "hang" | "truncate" | "reset" | "error_entry" | "short_page" |
               "empty_page" | "html200" | "slow",
       "status": 503,          # status: the HTTP status (default 503); error_entry: default 400
       "retry_after": 1,       # status: adds a Retry-After header (seconds)
       "seconds": 30,          # hang: how long to hold the connection before closing it
                               #   without an answer; slow: delay before a normal answer
       "times": 1}             # how many matching requests it hits (default 1; -1 = always)
    kinds: status = that status with a short text body; hang = accept, answer nothing for
    `seconds`, close; truncate = headers with the full Content-Length, half the body, close;
    reset = close the connection with a TCP RST, no answer; error_entry = an Atom feed with
    arXiv's Error entry ("message" overrides its text); short_page = the right page with only
    its first half of entries (totals unchanged); empty_page = the page's totals without any
    entry; html200 = an HTML error page with status 200; slow = wait, then answer normally.
    Rules are tried in order; each request consumes at most one rule.
    Set them with `--fault JSON` (repeatable) or at run time:
      POST   /_control/faults     body: a JSON list of rules (or one rule), appended
      DELETE /_control/faults     clears all rules
      GET    /_control/faults     the rules still pending
      GET    /_control/requests   JSON list of the requests seen: {"t": unix time, "path",
                                  "query"} (control requests are not listed)
      DELETE /_control/requests   forgets them
      GET    /_control/records    every record served: {"id", "versions", "categories", ...}
"""
import argparse
import hashlib
import json
import re
import socket
import struct
import sys
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parent / "fixtures" / "arxiv"
NS = {"a": "http://www.w3.org/2005/Atom", "arxiv": "http://arxiv.org/schemas/atom",
      "os": "http://a9.com/-/spec/opensearch/1.1/"}
NEW_ID = re.compile(r"^\d{4}\.\d{4,5}$")
OLD_ID = re.compile(r"^[a-z-]+(\.[A-Za-z-]+)?/\d{7}$")
VERSIONED = re.compile(r"^(.*?)(?:v(\d+))?$")


def h(text, salt=""):
    """A stable hash of an id (deterministic choices)."""
    return int(hashlib.sha1((salt + text).encode()).hexdigest()[:12], 16)


def iso(dt):
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text):
    return datetime.strptime(text.strip()[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)


def valid_id(raw):
    return bool(NEW_ID.match(raw) or OLD_ID.match(raw))


def split_version(text):
    m = VERSIONED.match(text.strip())
    return m.group(1), int(m.group(2)) if m.group(2) else None


# ---------------------------------------------------------------- records from the corpus

def record(rid, title, abstract, authors, categories, versions, comment="", journal_ref="",
           doi="", source=""):
    return {"id": rid, "title": title, "abstract": abstract, "authors": authors,
            "categories": categories, "primary": categories[0] if categories else "",
            "versions": versions, "comment": comment, "journal_ref": journal_ref,
            "doi": doi, "source": source}


def split_authors(text):
    text = re.sub(r"\s+", " ", text).strip()
    parts = re.split(r",\s*|\s+and\s+", text)
    return [p.strip() for p in parts if p.strip()]


def parse_abs(path, root):
    text = path.read_text(encoding="utf-8", errors="replace")
    blocks = text.split("\\\\")
    if len(blocks) < 3:
        return None
    fields, last = {}, None
    versions = []
    for line in blocks[1].splitlines():
        if line.startswith((" ", "\t")) and last:
            fields[last] += "\n" + line
            continue
        m = re.match(r"^([A-Za-z][A-Za-z -]*?)(?: \(revised v(\d+)\))?:\s?(.*)$", line)
        if not m:
            continue
        key, rev, value = m.group(1), m.group(2), m.group(3)
        if key == "Date":
            try:
                dt = parsedate_to_datetime(re.sub(r"\s+\(.*$", "", value).strip())
            except (TypeError, ValueError):
                continue
            versions.append((int(rev) if rev else 1, dt))
            continue
        fields[key] = value
        last = key
    if "Title" not in fields or not versions:
        return None
    # arxiv/papers/0704/0704.0039.abs -> 0704.0039; cs/papers/9901/9901011.abs -> cs/9901011
    rel = path.relative_to(root).parts
    rid = path.stem if rel[0] == "arxiv" else f"{rel[0]}/{path.stem}"
    if not valid_id(rid):
        return None
    versions.sort()
    return record(rid, fields["Title"], blocks[2].strip("\n"), split_authors(fields.get("Authors", "")),
                  fields.get("Categories", "").split(), versions, fields.get("Comments", ""),
                  fields.get("Journal-ref", ""), fields.get("DOI", ""), "abs")


def parse_kaggle_line(line):
    d = json.loads(line)
    if not valid_id(d["id"]):
        return None
    versions = [(int(v["version"].lstrip("v")), parsedate_to_datetime(v["created"]))
                for v in d.get("versions", [])]
    if not versions:
        return None
    authors = [" ".join(x for x in (p[1], p[0], p[2] if len(p) > 2 else "") if x)
               for p in d.get("authors_parsed", [])] or split_authors(d.get("authors", ""))
    return record(d["id"], d["title"], d["abstract"].strip("\n"), authors,
                  d["categories"].split(), sorted(versions), d.get("comments") or "",
                  d.get("journal-ref") or "", d.get("doi") or "", "kaggle")


def parse_atom_file(path):
    out = []
    for e in ET.parse(path).getroot().findall("a:entry", NS):
        url = e.findtext("a:id", "", NS)
        if "/abs/" not in url:
            continue
        rid, ver = split_version(url.split("/abs/", 1)[1])
        if not valid_id(rid):
            continue
        ver = ver or 1
        pub = parse_iso(e.findtext("a:published", "", NS))
        upd = parse_iso(e.findtext("a:updated", "", NS))
        versions = [(k, pub + (upd - pub) * (k - 1) / max(1, ver - 1)) for k in range(1, ver + 1)]
        cats = [c.get("term") for c in e.findall("a:category", NS)]
        prim = e.find("arxiv:primary_category", NS)
        if prim is not None and prim.get("term") in cats:
            cats.remove(prim.get("term"))
            cats.insert(0, prim.get("term"))
        out.append(record(rid, e.findtext("a:title", "", NS), e.findtext("a:summary", "", NS).strip("\n"),
                          [a.findtext("a:name", "", NS) for a in e.findall("a:author", NS)],
                          cats, versions, e.findtext("arxiv:comment", "", NS) or "",
                          e.findtext("arxiv:journal_ref", "", NS) or "",
                          e.findtext("arxiv:doi", "", NS) or "", "atom"))
    return out


def load_records(corpus):
    """Records from a corpus folder (its layout) or the fixtures folder (flat layout)."""
    records = {}

    def add(r):
        if r and r["id"] not in records:
            records[r["id"]] = r

    if (corpus / "metadata").is_dir():
        abs_root = corpus / "metadata" / "abs"
        abs_files = sorted(abs_root.rglob("*.abs"))
        kaggle = sorted((corpus / "metadata").glob("kaggle*.jsonl"))
        atoms = sorted((corpus / "atom").glob("*.xml"))
    else:  # tests/fixtures/arxiv: abs/<same tree>, kaggle/*.jsonl, atom/*.xml
        abs_root = corpus / "abs"
        abs_files = sorted(abs_root.rglob("*.abs"))
        kaggle = sorted((corpus / "kaggle").glob("*.jsonl"))
        atoms = sorted((corpus / "atom").glob("*.xml"))
    for f in abs_files:
        add(parse_abs(f, abs_root))
    for f in kaggle:
        for line in f.read_text(encoding="utf-8").splitlines():
            if line.strip():
                add(parse_kaggle_line(line))
    for f in atoms:
        for r in parse_atom_file(f):
            add(r)
    return list(records.values())


def synthesize(records, cross_list, fraction, old_versions):
    """Adds the synthesized parts (see the module docstring); returns the served entries."""
    for r in records:
        if cross_list and fraction > 0 and h(r["id"], "xlist") % 1000 < fraction * 1000:
            if cross_list not in r["categories"]:
                r["categories"] = r["categories"] + [cross_list]
    entries = []
    for r in records:
        vs = r["versions"]
        entries.append((r, vs[-1][0], vs[-1][1]))
        if old_versions and len(vs) >= 2 and h(r["id"], "oldv") % 4 == 0:
            entries.append((r, vs[-2][0], vs[-2][1]))
    return entries


# ---------------------------------------------------------------- queries

def tokenize(q):
    return re.findall(r'[^\s"]+:"[^"]*"|"[^"]*"|[^\s]+', q.replace("(", " ").replace(")", " "))


def term_matches(r, term):
    if ":" not in term:
        field, value = "all", term
    else:
        field, value = term.split(":", 1)
    value = value.strip('"').lower()
    words = value.replace("_", " ").split()  # au:del_maestro means "del maestro"
    hay = {
        "ti": r["title"], "au": " ".join(r["authors"]), "abs": r["abstract"],
        "co": r["comment"], "jr": r["journal_ref"], "id": r["id"],
    }
    if field == "cat":
        return any(c.lower() == value or (value.endswith("*") and c.lower().startswith(value[:-1]))
                   for c in r["categories"])
    if field == "all":
        text = " ".join([r["title"], r["abstract"], " ".join(r["authors"]), r["comment"],
                         " ".join(r["categories"])]).lower()
    elif field in hay:
        text = hay[field].lower()
    else:
        return True  # unknown field: everything
    return all(w in text for w in words)


def query_matches(r, q):
    tokens = tokenize(q)
    if not tokens:
        return True
    result, op = None, "OR"
    for tok in tokens:
        if tok in ("AND", "OR", "ANDNOT"):
            op = tok
            continue
        m = term_matches(r, tok)
        if result is None:
            result = m
        elif op == "AND":
            result = result and m
        elif op == "OR":
            result = result or m
        else:
            result = result and not m
        op = "AND"  # juxtaposed terms: AND
    return True if result is None else result


# ---------------------------------------------------------------- Atom output

def feed(title_query, items_per_page, total, start, entries_xml):
    now = iso(datetime.now(timezone.utc))
    fid = hashlib.sha1(title_query.encode()).hexdigest()[:27]
    return ("<?xml version='1.0' encoding='UTF-8'?>\n"
            '<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
            'xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">\n'
            f"  <id>https://arxiv.org/api/{fid}</id>\n"
            f"  <title>arXiv Query: {escape(title_query)}</title>\n"
            f"  <updated>{now}</updated>\n"
            f"  <link href={quoteattr('https://arxiv.org/api/query?' + title_query)} "
            'type="application/atom+xml"/>\n'
            f"  <opensearch:itemsPerPage>{items_per_page}</opensearch:itemsPerPage>\n"
            f"  <opensearch:totalResults>{total}</opensearch:totalResults>\n"
            f"  <opensearch:startIndex>{start}</opensearch:startIndex>\n"
            + "".join(entries_xml) + "</feed>\n")


def entry_xml(r, version, updated):
    vid = f"{r['id']}v{version}"
    x = [f"  <entry>\n    <id>http://arxiv.org/abs/{vid}</id>\n",
         f"    <title>{escape(r['title'])}</title>\n",
         f"    <updated>{iso(updated)}</updated>\n",
         f'    <link href="https://arxiv.org/abs/{vid}" rel="alternate" type="text/html"/>\n',
         f'    <link href="https://arxiv.org/pdf/{vid}" rel="related" type="application/pdf" title="pdf"/>\n',
         f"    <summary>{escape(r['abstract'])}</summary>\n"]
    for c in r["categories"]:
        x.append(f'    <category term={quoteattr(c)} scheme="http://arxiv.org/schemas/atom"/>\n')
    x.append(f"    <published>{iso(r['versions'][0][1])}</published>\n")
    if r["comment"]:
        x.append(f"    <arxiv:comment>{escape(r['comment'])}</arxiv:comment>\n")
    x.append(f"    <arxiv:primary_category term={quoteattr(r['primary'])}/>\n")
    if r["journal_ref"]:
        x.append(f"    <arxiv:journal_ref>{escape(r['journal_ref'])}</arxiv:journal_ref>\n")
    for a in r["authors"]:
        x.append(f"    <author>\n      <name>{escape(a)}</name>\n    </author>\n")
    if r["doi"]:
        x.append(f"    <arxiv:doi>{escape(r['doi'])}</arxiv:doi>\n")
        x.append(f'    <link rel="related" href={quoteattr("https://doi.org/" + r["doi"].split()[0])} title="doi"/>\n')
    x.append("  </entry>\n")
    return "".join(x)


def error_feed(message):
    slug = re.sub(r"\s+", "_", message)
    return feed("error", 1, 1, 0, [
        "  <entry>\n"
        f"    <id>https://arxiv.org/api/errors#{escape(slug)}</id>\n"
        "    <title>Error</title>\n"
        f"    <updated>{iso(datetime.now(timezone.utc))}</updated>\n"
        f'    <link href="https://arxiv.org/api/errors#{escape(slug)}" rel="alternate" type="text/html"/>\n'
        f"    <summary>{escape(message)}</summary>\n"
        "    <author>\n      <name>arXiv api core</name>\n    </author>\n  </entry>\n"])


HTML_ERROR = (b"<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head>"
              b"<body><h1>Service Unavailable</h1><p>Please try again later.</p></body></html>\n")


def pdf_from_objects(objs):
    """A PDF file of the given objects (numbered from 1; object 1 is the catalog), with its xref."""
    out, offsets = b"%PDF-1.4\n", []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return out


def tiny_pdf(text):
    """A minimal valid one-page PDF (used only when no corpus PDF exists)."""
    content = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    return pdf_from_objects(objs)


# ---------------------------------------------------------------- the server

class FakeArxiv:
    def __init__(self, records, entries, pdf_dir, corpus_pdfs, faults):
        self.records = {r["id"]: r for r in records}
        self.entries = entries
        self.pdf_dir = pdf_dir
        self.corpus_pdfs = corpus_pdfs
        self.faults = list(faults)
        self.requests = []
        self.lock = threading.Lock()

    def take_fault(self, path, query):
        with self.lock:
            for rule in self.faults:
                if path.startswith(rule.get("path", "/")) and rule.get("query", "") in query:
                    times = rule.get("times", 1)
                    if times != -1:
                        rule["times"] = times - 1
                        if rule["times"] <= 0:
                            self.faults.remove(rule)
                    return dict(rule)
        return None

    def query(self, params):
        """-> (status, body, page entries count) for /api/query."""
        def p(name, default=""):
            return params.get(name, [default])[0]
        search, id_list = p("search_query"), p("id_list")
        try:
            start, max_results = int(p("start", "0")), int(p("max_results", "10"))
        except ValueError:
            return 400, error_feed("start and max_results must be integers")
        if start < 0:
            return 400, error_feed("start must be non-negative")
        if max_results < 0:
            return 400, error_feed("max_results must be non-negative")
        max_results = min(max_results, 2000)
        sort_by, order = p("sortBy", "relevance"), p("sortOrder", "descending")
        title_query = (f"search_query={search}&id_list={id_list}&start={start}"
                       f"&max_results={max_results}")
        if id_list:
            chosen = []
            for raw in [s for s in id_list.split(",") if s.strip()]:
                rid, ver = split_version(raw)
                if not valid_id(rid):
                    return 400, error_feed(f"incorrect id format for {raw.strip()}")
                r = self.records.get(rid)
                if r is None:
                    continue
                vs = dict(r["versions"])
                if ver is not None and ver not in vs:
                    continue
                v = ver or r["versions"][-1][0]
                if not search or query_matches(r, search):
                    chosen.append((r, v, vs[v]))
        else:
            chosen = [e for e in self.entries if query_matches(e[0], search)]
            if sort_by == "lastUpdatedDate":
                chosen.sort(key=lambda e: (e[2], e[0]["id"], e[1]), reverse=order != "ascending")
            elif sort_by == "submittedDate":
                chosen.sort(key=lambda e: (e[0]["versions"][0][1], e[0]["id"], e[1]),
                            reverse=order != "ascending")
            else:  # relevance: a stable order of our own
                chosen.sort(key=lambda e: (h(e[0]["id"], search), e[1]))
        page = chosen[start:start + max_results]
        return 200, (title_query, max_results, len(chosen), start, page)

    def pdf_path(self, rest):
        if rest.endswith(".pdf"):
            rest = rest[:-4]
        rid, ver = split_version(rest)
        r = self.records.get(rid)
        if r is None or (ver is not None and ver not in dict(r["versions"])):
            return None, rid
        stem = rid.replace("/", "_")
        if self.pdf_dir:
            version = ver or r["versions"][-1][0]  # /pdf/<id>: the newest version
            for name in (f"{stem}v{version}.pdf", f"{stem}.pdf"):
                if (self.pdf_dir / name).is_file():
                    return self.pdf_dir / name, rid
        if self.corpus_pdfs:
            return self.corpus_pdfs[h(rid, "pdf") % len(self.corpus_pdfs)], rid
        return "tiny", rid


class Handler(BaseHTTPRequestHandler):
    server_version = "fake-arxiv/1"
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet; requests are in /_control/requests
        pass

    @property
    def fake(self):
        return self.server.fake

    def send(self, status, body, ctype="text/plain; charset=utf-8", headers=None):
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_truncated(self, status, body, ctype):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body[:len(body) // 2])
        self.wfile.flush()
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)

    def reset(self):
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    # ---- control
    def control(self, url):
        fake = self.fake
        if url.path == "/_control/faults":
            if self.command == "POST":
                n = int(self.headers.get("Content-Length", "0"))
                rules = json.loads(self.rfile.read(n) or b"[]")
                rules = rules if isinstance(rules, list) else [rules]
                with fake.lock:
                    fake.faults.extend(rules)
                return self.send(200, json.dumps({"pending": len(fake.faults)}), "application/json")
            if self.command == "DELETE":
                with fake.lock:
                    fake.faults.clear()
                return self.send(200, "{}", "application/json")
            with fake.lock:
                return self.send(200, json.dumps(fake.faults), "application/json")
        if url.path == "/_control/requests":
            with fake.lock:
                if self.command == "DELETE":
                    fake.requests.clear()
                body = json.dumps(fake.requests)
            return self.send(200, body, "application/json")
        if url.path == "/_control/records":
            out = [{"id": r["id"], "versions": [v for v, _ in r["versions"]],
                    "categories": r["categories"], "source": r["source"], "title": r["title"]}
                   for r in fake.records.values()]
            return self.send(200, json.dumps(out), "application/json")
        return self.send(404, "no such control\n")

    def handle_any(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path.startswith("/_control/"):
            return self.control(url)
        fake = self.fake
        with fake.lock:
            fake.requests.append({"t": time.time(), "path": url.path, "query": url.query})
        rule = fake.take_fault(url.path, url.query)
        kind = rule.get("kind") if rule else None
        if kind == "status":
            hdr = {"Retry-After": rule["retry_after"]} if "retry_after" in rule else {}
            return self.send(rule.get("status", 503), f"fault: HTTP {rule.get('status', 503)}\n",
                             headers=hdr)
        if kind == "hang":
            time.sleep(float(rule.get("seconds", 30)))
            self.close_connection = True
            return None
        if kind == "reset":
            return self.reset()
        if kind == "html200":
            return self.send(200, HTML_ERROR, "text/html; charset=utf-8")
        if kind == "slow":
            time.sleep(float(rule.get("seconds", 1)))
        return self.route(url, rule)

    def route(self, url, rule):
        """Answers a request the faults left to answer (fake_oai.py overrides it)."""
        if url.path == "/api/query":
            return self.api_query(url, rule)
        if url.path.startswith("/pdf/"):
            return self.pdf(url.path[len("/pdf/"):], rule.get("kind") if rule else None)
        return self.send(404, "not found\n")

    def api_query(self, url, rule):
        kind = rule.get("kind") if rule else None
        atom = "application/atom+xml; charset=utf-8"
        if kind == "error_entry":
            msg = rule.get("message", "malformed query (injected fault)")
            return self.send(rule.get("status", 400), error_feed(msg), atom)
        params = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        status, result = self.fake.query(params)
        if status != 200:
            return self.send(status, result, atom)
        title_query, per_page, total, start, page = result
        if kind == "short_page":
            page = page[:len(page) // 2]
        elif kind == "empty_page":
            page = []
        body = feed(title_query, per_page, total, start, [entry_xml(*e) for e in page]).encode()
        if kind == "truncate":
            return self.send_truncated(200, body, atom)
        return self.send(200, body, atom)

    def pdf(self, rest, kind):
        path, rid = self.fake.pdf_path(urllib.parse.unquote(rest))
        if path is None:
            return self.send(404, f"no PDF for {rest}\n")
        body = tiny_pdf(rid) if path == "tiny" else Path(path).read_bytes()
        if kind == "truncate":
            return self.send_truncated(200, body, "application/pdf")
        return self.send(200, body, "application/pdf")

    do_GET = do_HEAD = do_POST = do_DELETE = handle_any


def corpus_dir(given, fixtures_only):
    """The corpus folder to serve: --corpus, else $ASP_CORPUS_DIR when set (tests set it; an
    absent folder means "no corpus"), else ../shared/corpus next to the repository; the
    fixtures when there is none."""
    import os
    corpus = given
    if corpus is None and not fixtures_only:
        env = os.environ.get("ASP_CORPUS_DIR")
        corpus = Path(env) if env else HERE.parents[2] / "shared" / "corpus"
    if corpus is None or not corpus.is_dir():
        corpus = FIXTURES
    return corpus


def serve(fake, handler, host, port, banner):
    """Serves until interrupted; the first line on stdout says the port."""
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    server.fake = fake
    print(f"listening on {server.server_address[1]}", flush=True)
    print(banner, file=sys.stderr, flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=0, help="0 = pick a free port")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--corpus", type=Path, default=None,
                    help="corpus folder (default: $ASP_CORPUS_DIR, ../shared/corpus, else the fixtures)")
    ap.add_argument("--fixtures-only", action="store_true", help="use tests/fixtures/arxiv only")
    ap.add_argument("--pdf-dir", type=Path, default=None)
    ap.add_argument("--fault", action="append", default=[], help="a fault rule (JSON), repeatable")
    ap.add_argument("--cross-list", default="cs.DC")
    ap.add_argument("--cross-list-fraction", type=float, default=0.55)
    ap.add_argument("--no-old-versions", action="store_true")
    args = ap.parse_args(argv)

    corpus = corpus_dir(args.corpus, args.fixtures_only)
    records = load_records(corpus)
    entries = synthesize(records, args.cross_list, args.cross_list_fraction, not args.no_old_versions)
    pdfs = sorted((corpus / "pdf" / "papers").glob("*.pdf")) if (corpus / "pdf").is_dir() else []
    faults = [json.loads(f) for f in args.fault]
    fake = FakeArxiv(records, entries, args.pdf_dir, pdfs, faults)

    serve(fake, Handler, args.host, args.port,
          f"fake_arxiv: {len(records)} records, {len(entries)} entries from {corpus}")


if __name__ == "__main__":
    main()
