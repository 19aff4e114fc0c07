#!/usr/bin/env python3
"""A local fake of arXiv's OAI-PMH interface (ListRecords, metadataPrefix=arXivRaw) for the tests.

Python 3 standard library only. Start it with a free port and read the port back:

    python3 tests/fakes/fake_oai.py --port 0 [--corpus DIR] [--page-size N] [--fault JSON]...
    -> first line on stdout: "listening on <port>"; the endpoint is http://127.0.0.1:<port>/oai

WHAT IS REAL AND WHAT IS SYNTHESIZED
  Real:
    - the protocol as arXiv speaks it: verb=ListRecords with metadataPrefix, set, from, until
      or resumptionToken alone; <header> with identifier oai:arXiv.org:<id>, datestamp and one
      setSpec per set of the record's categories, status="deleted" headers without metadata;
      <resumptionToken cursor=.. completeListSize=..> on every page of a multi-page list and an
      empty one on the last; <error code="noRecordsMatch|badResumptionToken|badArgument|
      badVerb|cannotDisseminateFormat"> answers; 503 + Retry-After as flow control (a fault).
    - the records: the committed arXivRaw fixtures (tests/fixtures/arxiv/oai/arxivraw_*.xml,
      served as written), every record fake_arxiv.py loads from the corpus (arXiv's .abs files, the
      Kaggle snapshot lines (with their raw TeX author lists), recorded API entries), and
      the records of ../shared/corpus/oai/*.xml (real OAI responses in the `arXiv` format,
      with their real datestamps and sets; without the corpus, the committed copies of a few
      of them in tests/fixtures/arxiv/oai/), rendered in the arXivRaw schema.
  Synthesized:
    - cross-listing to cs.DC (as fake_arxiv.py, same hash) so a cs.DC harvest has papers;
    - a record's datestamp: the date of its newest version (or its real OAI datestamp);
    - versions of `arXiv`-format records: v1 at <created>, v2 at <updated> when present;
    - `--deleted-fraction F` (default 0.02): that deterministic share of the records is
      served as deleted;
    - resumption tokens: "<generation>.<offset>.<query hash>", valid until
      POST /_control/expire_tokens bumps the generation (-> badResumptionToken).
    Records are listed in (datestamp, id) order, as the harvester assumes.

CONTROL (JSON)
    POST /_control/faults   a rule or list of rules (fake_arxiv.py's kinds: status, hang,
        truncate, reset, html200, slow; and here: oai_error {"code", "message"}, malformed
        (a body cut mid-tag), recorded {"file"} (a real arXiv answer served verbatim, a path
        under tests/fixtures/arxiv, e.g. "oai-edge/inspirenext_GetRecord_is-malformed.xml"), repeat_token (the right page, but carrying the token of the
        request, or "loop" on a first page), endless (an empty page with a fresh token, for
        ever)); "query" matches a substring of the raw query string. DELETE clears them.
    GET/DELETE /_control/requests   the requests seen
    GET /_control/records   every record: {"id", "version", "datestamp", "deleted", "sets",
        "categories", "title", "published", "updated", "comment", "journal_ref", "doi",
        "authors_raw", "source"}
    POST /_control/update   {"id", "datestamp"?, "deleted"?: bool, "new_version"?: bool,
        "title"?}: changes a record (a new version dated now, a deletion) and its datestamp
    POST /_control/expire_tokens   every token issued so far becomes bad
"""
import argparse
import hashlib
import json
import re
import sys
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import fake_arxiv as fa  # noqa: E402  (the corpus loaders and the fault machinery)

OAI_FIXTURES = fa.FIXTURES / "oai"
OAI = "http://www.openarchives.org/OAI/2.0/"
RAW = "http://arxiv.org/OAI/arXivRaw/"
ARXIV_FMT = "http://arxiv.org/OAI/arXiv/"
OWN_SETS = {"cs", "econ", "eess", "math", "q-bio", "q-fin", "stat"}
FOLDED = {"alg-geom": "math", "dg-ga": "math", "funct-an": "math", "q-alg": "math", "cmp-lg": "cs",
          "adap-org": "physics:nlin", "chao-dyn": "physics:nlin", "comp-gas": "physics:nlin",
          "patt-sol": "physics:nlin", "solv-int": "physics:nlin", "mtrl-th": "physics:cond-mat",
          "supr-con": "physics:cond-mat", "acc-phys": "physics:physics", "ao-sci": "physics:physics",
          "atom-ph": "physics:physics", "bayes-an": "physics:physics", "chem-ph": "physics:physics",
          "plasm-ph": "physics:physics"}


def set_of(category):
    archive = category.split(".")[0]
    if archive in OWN_SETS:
        return archive
    return FOLDED.get(archive, "physics:" + archive)


def rfc2822(dt):
    return format_datetime(dt.astimezone(timezone.utc), usegmt=True)


def join_authors(names):
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1] if names else ""


# ---------------------------------------------------------------- records

def rec(r, authors_raw, datestamp, source, raw_xml=None):
    return {"id": r["id"], "versions": r["versions"], "title": r["title"], "abstract": r["abstract"],
            "authors_raw": authors_raw, "categories": list(r["categories"]), "comment": r["comment"],
            "journal_ref": r["journal_ref"], "doi": r["doi"], "datestamp": datestamp,
            "deleted": False, "source": source, "raw_xml": raw_xml}


def from_corpus_records(corpus):
    """fake_arxiv's records, with the raw author list where the source has one."""
    raw_authors = {}
    kaggle = sorted((corpus / "metadata").glob("kaggle*.jsonl")) + sorted((corpus / "kaggle").glob("*.jsonl"))
    for f in kaggle:
        for line in f.read_text(encoding="utf-8").splitlines():
            if line.strip():
                d = json.loads(line)
                raw_authors.setdefault(d["id"], re.sub(r"\s+", " ", d["authors"]).strip())
    out = []
    for r in fa.load_records(corpus):
        authors = raw_authors.get(r["id"]) if r["source"] == "kaggle" else None
        names = [re.sub(r"^and\s+", "", n) for n in r["authors"]]
        out.append(rec(r, authors or join_authors(names), r["versions"][-1][1].strftime("%Y-%m-%d"),
                       r["source"]))
    return out


def from_oai_arxiv_format(path):
    """Records of a real OAI response in the `arXiv` format (metadataPrefix=arXiv)."""
    out = []
    ns = {"o": OAI, "x": ARXIV_FMT}
    for record in ET.parse(path).getroot().iter(f"{{{OAI}}}record"):
        meta = record.find("o:metadata/x:arXiv", ns)
        if meta is None:
            continue
        rid = meta.findtext("x:id", "", ns).strip()
        if not fa.valid_id(rid):
            continue
        created = datetime.strptime(meta.findtext("x:created", "", ns).strip(), "%Y-%m-%d").replace(tzinfo=timezone.utc)
        versions = [(1, created)]
        if meta.findtext("x:updated", "", ns).strip():
            versions.append((2, datetime.strptime(meta.findtext("x:updated", "", ns).strip(), "%Y-%m-%d")
                             .replace(tzinfo=timezone.utc)))
        names = []
        for a in meta.findall("x:authors/x:author", ns):
            names.append(" ".join(x for x in (a.findtext("x:forenames", "", ns), a.findtext("x:keyname", "", ns),
                                              a.findtext("x:suffix", "", ns)) if x.strip()))
        r = fa.record(rid, meta.findtext("x:title", "", ns), meta.findtext("x:abstract", "", ns).strip("\n"), names,
                      meta.findtext("x:categories", "", ns).split(), versions,
                      meta.findtext("x:comments", "", ns), meta.findtext("x:journal-ref", "", ns),
                      meta.findtext("x:doi", "", ns), "oai")
        datestamp = record.findtext("o:header/o:datestamp", "", ns).strip() or versions[-1][1].strftime("%Y-%m-%d")
        out.append(rec(r, join_authors(names), max(datestamp, versions[-1][1].strftime("%Y-%m-%d")), "oai"))
    return out


def from_arxiv_raw_fixture(path):
    """Records of a committed arXivRaw fixture: served exactly as written."""
    out = []
    ns = {"o": OAI, "r": RAW}
    text = path.read_text(encoding="utf-8")
    for m in re.finditer(r"<record>.*?</record>", text, re.S):
        record = ET.fromstring(m.group(0).replace("<record>", f'<record xmlns="{OAI}">', 1))
        header = record.find("o:header", ns)
        rid = header.findtext("o:identifier", "", ns).strip().removeprefix("oai:arXiv.org:")
        raw = record.find("o:metadata/r:arXivRaw", ns)
        cats = raw.findtext("r:categories", "", ns).split() if raw is not None else []
        r = {"id": rid, "versions": [], "title": "", "abstract": "", "categories": cats,
             "comment": "", "journal_ref": "", "doi": ""}
        entry = rec(r, raw.findtext("r:authors", "", ns) if raw is not None else "",
                    header.findtext("o:datestamp", "", ns).strip(), "fixture", m.group(0))
        entry["deleted"] = header.get("status") == "deleted"
        if raw is not None:
            entry["title"] = raw.findtext("r:title", "", ns)
            entry["comment"] = raw.findtext("r:comments", "", ns) or ""
            entry["journal_ref"] = raw.findtext("r:journal-ref", "", ns) or ""
            entry["doi"] = raw.findtext("r:doi", "", ns) or ""
            from email.utils import parsedate_to_datetime
            entry["versions"] = sorted((int(v.get("version")[1:]), parsedate_to_datetime(v.findtext("r:date", "", ns)))
                                       for v in raw.findall("r:version", ns))
        out.append(entry)
    return out


def load_all(corpus, fixtures_only):
    records = {}
    for f in sorted(OAI_FIXTURES.glob("arxivraw_*.xml")):
        for r in from_arxiv_raw_fixture(f):
            records.setdefault(r["id"], r)
    sources = []
    if not fixtures_only:
        sources = from_corpus_records(corpus)
        if (corpus / "oai").is_dir():
            for f in sorted((corpus / "oai").glob("*.xml")):
                sources += from_oai_arxiv_format(f)
    for r in sources:
        records.setdefault(r["id"], r)
    return list(records.values())


def record_xml(r):
    if r["raw_xml"] and not r.get("changed"):
        return r["raw_xml"]
    sets = "".join(f"<setSpec>{escape(s)}</setSpec>" for s in sorted({set_of(c) for c in r["categories"]}))
    if r["deleted"]:
        return (f'<record><header status="deleted"><identifier>oai:arXiv.org:{r["id"]}</identifier>'
                f'<datestamp>{r["datestamp"]}</datestamp>{sets}</header></record>')
    x = [f'<record><header><identifier>oai:arXiv.org:{r["id"]}</identifier><datestamp>{r["datestamp"]}'
         f'</datestamp>{sets}</header><metadata>\n<arXivRaw xmlns="{RAW}" '
         'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
         'xsi:schemaLocation="http://arxiv.org/OAI/arXivRaw/ http://arxiv.org/OAI/arXivRaw.xsd">'
         f'<id>{r["id"]}</id><submitter>{escape(r["authors_raw"].split(",")[0].strip())}</submitter>']
    for v, dt in r["versions"]:
        x.append(f'<version version="v{v}"><date>{rfc2822(dt)}</date><size>{100 + v}kb</size>'
                 '<source_type>D</source_type></version>')
    x.append(f'<title>{escape(r["title"])}</title><authors>{escape(r["authors_raw"])}</authors>'
             f'<categories>{escape(" ".join(r["categories"]))}</categories>')
    if r["comment"]:
        x.append(f'<comments>{escape(r["comment"])}</comments>')
    if r["journal_ref"]:
        x.append(f'<journal-ref>{escape(r["journal_ref"])}</journal-ref>')
    if r["doi"]:
        x.append(f'<doi>{escape(r["doi"])}</doi>')
    x.append('<license>http://arxiv.org/licenses/nonexclusive-distrib/1.0/</license>'
             f'<abstract>{escape(r["abstract"])}\n</abstract></arXivRaw>\n</metadata></record>')
    return "".join(x)


# ---------------------------------------------------------------- the protocol

def envelope(request_attrs, base_url, inner):
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    attrs = "".join(f' {k}="{escape(v)}"' for k, v in request_attrs.items())
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<OAI-PMH xmlns="{OAI}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/ '
            'http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">\n'
            f'<responseDate>{now}</responseDate>\n<request{attrs}>{escape(base_url)}</request>\n'
            f'{inner}\n</OAI-PMH>\n')


def error_xml(code, message):
    return f'<error code="{code}">{escape(message)}</error>'


DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class FakeOai(fa.FakeArxiv):
    def __init__(self, records, faults, page_size):
        super().__init__([], [], None, [], faults)
        self.oai_records = {r["id"]: r for r in records}
        self.page_size = page_size
        self.generation = 1
        self.queries = {}
        self.endless = 0

    def listing(self, set_, from_, until):
        out = []
        for r in self.oai_records.values():
            if set_ and not any(s == set_ or s.startswith(set_ + ":") for s in {set_of(c) for c in r["categories"]}):
                continue
            if from_ and r["datestamp"] < from_:
                continue
            if until and r["datestamp"] > until:
                continue
            out.append(r)
        out.sort(key=lambda r: (r["datestamp"], r["id"]))
        return out

    def list_records(self, params, base_url, rule):
        """-> (status, body) of one ListRecords request."""
        kind = rule.get("kind") if rule else None
        p = {k: v[0] for k, v in params.items()}
        req = dict(p)
        if kind == "recorded":  # one of arXiv's real answers, verbatim (committed fixture)
            return 200, (fa.FIXTURES / rule["file"]).read_text(encoding="utf-8")
        if kind == "oai_error":
            return 200, envelope(req, base_url, error_xml(rule.get("code", "badArgument"),
                                                          rule.get("message", "injected error")))
        if kind == "endless":
            with self.lock:
                self.endless += 1
                token = f"endless.{self.endless}"
            return 200, envelope(req, base_url, f'<ListRecords><resumptionToken cursor="0">{token}'
                                                '</resumptionToken></ListRecords>')
        if "resumptionToken" in p:
            if set(p) - {"verb", "resumptionToken"}:
                return 200, envelope(req, base_url, error_xml("badArgument", "resumptionToken is exclusive"))
            token = p["resumptionToken"]
            try:
                gen, offset, qh = token.split(".")
                gen, offset = int(gen), int(offset)
                set_, from_, until = self.queries[qh]
            except (ValueError, KeyError):
                return 200, envelope(req, base_url, error_xml("badResumptionToken", f"unknown token {token}"))
            if gen != self.generation:
                return 200, envelope(req, base_url, error_xml("badResumptionToken", f"expired token {token}"))
        else:
            prefix = p.get("metadataPrefix")
            if not prefix:
                return 200, envelope(req, base_url, error_xml("badArgument", "metadataPrefix is required"))
            if prefix != "arXivRaw":
                return 200, envelope(req, base_url, error_xml("cannotDisseminateFormat", f"{prefix} not served here"))
            set_, from_, until = p.get("set", ""), p.get("from", ""), p.get("until", "")
            for d in (from_, until):
                if d and not DATE.match(d):
                    return 200, envelope(req, base_url, error_xml("badArgument", f"bad date {d}"))
            if from_ and until and from_ > until:
                return 200, envelope(req, base_url, error_xml("badArgument", "from is after until"))
            offset = 0
            qh = hashlib.sha1(f"{set_}|{from_}|{until}".encode()).hexdigest()[:10]
            with self.lock:
                self.queries[qh] = (set_, from_, until)
        with self.lock:
            rows = self.listing(set_, from_, until)
            if not rows and offset == 0:
                return 200, envelope(req, base_url, error_xml("noRecordsMatch", "no records match"))
            page = rows[offset:offset + self.page_size]
            body = "\n".join(record_xml(r) for r in page)
            nxt = offset + self.page_size
            if kind == "repeat_token":
                token = p.get("resumptionToken", "loop")
                tok = f'<resumptionToken cursor="{offset}" completeListSize="{len(rows)}">{token}</resumptionToken>'
            elif nxt < len(rows):
                tok = (f'<resumptionToken cursor="{offset}" completeListSize="{len(rows)}">'
                       f'{self.generation}.{nxt}.{qh}</resumptionToken>')
            elif offset > 0 or nxt < len(rows):
                tok = f'<resumptionToken cursor="{offset}" completeListSize="{len(rows)}"/>'
            else:
                tok = ""
        return 200, envelope(req, base_url, f"<ListRecords>\n{body}\n{tok}</ListRecords>")

    def update(self, change):
        with self.lock:
            r = self.oai_records[change["id"]]
            now = datetime.now(timezone.utc)
            r["changed"] = True
            if change.get("new_version"):
                r["versions"] = list(r["versions"]) + [(r["versions"][-1][0] + 1, now)]
            if "title" in change:
                r["title"] = change["title"]
            if "deleted" in change:
                r["deleted"] = bool(change["deleted"])
            r["datestamp"] = change.get("datestamp", now.strftime("%Y-%m-%d"))
            return {"id": r["id"], "datestamp": r["datestamp"]}


def summary(r):
    return {"id": r["id"], "version": r["versions"][-1][0] if r["versions"] else 0,
            "datestamp": r["datestamp"], "deleted": r["deleted"],
            "sets": sorted({set_of(c) for c in r["categories"]}), "categories": r["categories"],
            "title": r["title"], "published": fa.iso(r["versions"][0][1]) if r["versions"] else "",
            "updated": fa.iso(r["versions"][-1][1]) if r["versions"] else "", "comment": r["comment"],
            "journal_ref": r["journal_ref"], "doi": r["doi"], "authors_raw": r["authors_raw"],
            "source": r["source"]}


class Handler(fa.Handler):
    server_version = "fake-oai/1"

    def control(self, url):
        fake = self.fake
        if url.path == "/_control/records":
            with fake.lock:
                out = [summary(r) for r in fake.oai_records.values()]
            return self.send(200, json.dumps(out), "application/json")
        if url.path == "/_control/update":
            n = int(self.headers.get("Content-Length", "0"))
            return self.send(200, json.dumps(fake.update(json.loads(self.rfile.read(n)))), "application/json")
        if url.path == "/_control/expire_tokens":
            with fake.lock:
                fake.generation += 1
            return self.send(200, json.dumps({"generation": fake.generation}), "application/json")
        return super().control(url)

    def route(self, url, rule):
        kind = rule.get("kind") if rule else None
        fake = self.fake
        if url.path != "/oai":
            return self.send(404, "not found\n")
        params = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        base_url = f"http://{self.headers.get('Host', 'localhost')}/oai"
        ctype = "text/xml; charset=utf-8"
        if params.get("verb", [""])[0] != "ListRecords":
            return self.send(200, envelope({}, base_url, error_xml("badVerb", "only ListRecords here")), ctype)
        status, body = fake.list_records(params, base_url, rule)
        body = body.encode("utf-8")
        if kind == "malformed":
            return self.send(200, body[:len(body) * 2 // 3], ctype)
        if kind == "truncate":
            return self.send_truncated(200, body, ctype)
        return self.send(status, body, ctype)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=0, help="0 = pick a free port")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--corpus", type=Path, default=None,
                    help="corpus folder (default: $ASP_CORPUS_DIR, ../shared/corpus, else the fixtures)")
    ap.add_argument("--fixtures-only", action="store_true", help="serve tests/fixtures/arxiv only")
    ap.add_argument("--records-jsonl", type=Path, default=None,
                    help="serve these records instead (bench: one JSON object a line with id, "
                         "versions [[n, iso date]], title, abstract, authors_raw, categories, ...)")
    ap.add_argument("--page-size", type=int, default=1000)
    ap.add_argument("--fault", action="append", default=[], help="a fault rule (JSON), repeatable")
    ap.add_argument("--cross-list", default="cs.DC")
    ap.add_argument("--cross-list-fraction", type=float, default=0.55)
    ap.add_argument("--deleted-fraction", type=float, default=0.02)
    args = ap.parse_args(argv)

    corpus = fa.corpus_dir(args.corpus, args.fixtures_only)
    if args.records_jsonl:
        records = []
        with open(args.records_jsonl, encoding="utf-8") as f:
            for line in f:
                d = json.loads(line)
                d["versions"] = [(v, fa.parse_iso(t)) for v, t in d["versions"]]
                records.append(rec(fa.record(d["id"], d["title"], d["abstract"], [], d["categories"],
                                             d["versions"], d.get("comment", ""), d.get("journal_ref", ""),
                                             d.get("doi", ""), "jsonl"),
                                   d["authors_raw"], d.get("datestamp") or d["versions"][-1][1].strftime("%Y-%m-%d"), "jsonl"))
                records[-1]["versions"] = d["versions"]
                records[-1]["datestamp"] = d.get("datestamp") or d["versions"][-1][1].strftime("%Y-%m-%d")
    else:
        records = load_all(corpus, args.fixtures_only)
        for r in records:
            if r["source"] == "fixture":
                continue
            if args.cross_list and fa.h(r["id"], "xlist") % 1000 < args.cross_list_fraction * 1000:
                if args.cross_list not in r["categories"]:
                    r["categories"].append(args.cross_list)
            if fa.h(r["id"], "deleted") % 10000 < args.deleted_fraction * 10000:
                r["deleted"] = True
    fake = FakeOai(records, [json.loads(f) for f in args.fault], args.page_size)

    fa.serve(fake, Handler, args.host, args.port, f"fake_oai: {len(records)} records from {corpus}")


if __name__ == "__main__":
    main()
