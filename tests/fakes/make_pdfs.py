#!/usr/bin/env python3
"""Writes a small PDF for every paper a (fake) arXiv API lists, holding that paper's real title,
authors and abstract, into a folder that `fake_arxiv.py --pdf-dir` serves from.

Why: without ../shared/corpus the fake serves one-line PDFs holding only the id, so the text
stage gets no words and analyze / buildsvm have nothing to tell papers apart by. With these,
the offline demo and the pipeline tests run every stage on real (CC0) arXiv text, and the
thumbnails show a typeset-looking page. Python 3 standard library only.

    python3 tests/fakes/make_pdfs.py --api-url http://127.0.0.1:PORT/api/query --out DIR
        [--search-query 'all:'] [--pages 2]

File names follow fake_arxiv.py's lookup: <id with / -> _>v<N>.pdf, one per listed version.
A file that already exists is left alone (reruns change nothing).
"""
import argparse
import os
import sys
import textwrap
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

from fake_arxiv import pdf_from_objects  # same folder: one PDF writer for both fakes

ATOM = "{http://www.w3.org/2005/Atom}"


def entries(api_url, query, page=200):
    start = 0
    while True:
        url = api_url + "?" + urllib.parse.urlencode(
            {"search_query": query, "start": start, "max_results": page})
        with urllib.request.urlopen(url, timeout=30) as r:
            root = ET.fromstring(r.read())
        batch = root.findall(ATOM + "entry")
        for e in batch:
            yield {
                "vid": e.findtext(ATOM + "id").rsplit("/abs/", 1)[-1],
                "title": " ".join(e.findtext(ATOM + "title", "").split()),
                "authors": [a.findtext(ATOM + "name", "") for a in e.findall(ATOM + "author")],
                "abstract": " ".join(e.findtext(ATOM + "summary", "").split()),
            }
        if len(batch) < page:
            return
        start += page


def pdf_text(s):
    """A PDF string literal body: Latin-1 only (Helvetica's encoding), specials escaped."""
    s = s.encode("latin-1", "replace").decode("latin-1")
    return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def page_stream(lines):
    """lines: (font size, text) from the top of a Letter page."""
    out, y = [], 730
    for size, text in lines:
        out.append(f"BT /F1 {size} Tf 72 {y} Td ({pdf_text(text)}) Tj ET")
        y -= size + 5
    return "\n".join(out).encode("latin-1")


def make_pdf(paper, pages):
    body = textwrap.wrap(paper["abstract"], 90) or ["(no abstract)"]
    first = ([(16, t) for t in textwrap.wrap(paper["title"], 60)] + [(10, "")] +
             [(11, t) for t in textwrap.wrap(", ".join(paper["authors"]), 80)] +
             [(10, ""), (12, "Abstract")] + [(10, t) for t in body])
    streams = [page_stream(first)]
    for n in range(2, pages + 1):
        streams.append(page_stream([(12, f"{n - 1}. Discussion")] + [(10, t) for t in body]))
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", None,
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"]
    kids = []
    for s in streams:
        objs.append(b"<< /Length %d >>\nstream\n" % len(s) + s + b"\nendstream")
        content = len(objs)
        objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
                    b"/Resources << /Font << /F1 3 0 R >> >> >>" % content)
        kids.append(b"%d 0 R" % len(objs))
    objs[1] = b"<< /Type /Pages /Kids [" + b" ".join(kids) + b"] /Count %d >>" % len(kids)
    return pdf_from_objects(objs)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--api-url", required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--search-query", default="all:")
    ap.add_argument("--pages", type=int, default=2)
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    written = 0
    for paper in entries(args.api_url, args.search_query):
        path = args.out / (paper["vid"].replace("/", "_") + ".pdf")
        if path.exists():
            continue
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(make_pdf(paper, args.pages))
        os.replace(tmp, path)
        written += 1
    print(f"make_pdfs: {written} PDFs written to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
