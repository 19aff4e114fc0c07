#!/usr/bin/env python3
"""Makefile.pipeline with SMALL_DISK=1 (the 8 GB instance): one run ends with every paper's
text and thumbnail and no PDF left on disk (pdf2txt/thumb delete each PDF as soon as both
exist, not a day later), and a rerun downloads nothing again. With COMPRESS_TEXT=1 as well,
the texts are stored gzipped (the same text as a plain run's), a rerun redoes nothing, and
`status` projects the disk the category needs in that mode."""
import gzip
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import arxiv_fake  # noqa: E402
import asp_testlib as t  # noqa: E402
from pipeline_testlib import fake_arxiv, files, make, pipeline_vars, require_tools, sql  # noqa: E402


def main():
    require_tools()
    with t.temp_dir() as root, fake_arxiv(root) as fake:
        data = root / "data"
        v = pipeline_vars(fake, data, SMALL_DISK=1)
        expected = arxiv_fake.served(fake, "cat:cs.DC", 200)
        t.check(len(expected) >= 10, f"the fixtures give only {len(expected)} cs.DC papers")
        make(v)
        n = len(expected)
        t.check(len(files(data / "txt", ".txt")) == n, "a text per paper")
        t.check(len(files(data / "thumbs", ".jpg")) == n, "a thumbnail per paper")
        left = files(data / "pdf", ".pdf")
        t.check(left == [], f"small-disk run left {len(left)} PDFs: {left[:3]}")
        done = sql(data / "papers.db", "SELECT COUNT(*) FROM stage_status "
                   "WHERE stage = 'download' AND state = 'done'")
        t.check(int(done[0][0]) == n, f"download records: {done}")

        fake.clear_requests()
        make(v)
        again = [r["path"] for r in fake.requests() if r["path"].startswith("/pdf/")]
        t.check(again == [], f"the rerun downloaded PDFs again: {again[:3]}")
        t.check(files(data / "pdf", ".pdf") == [], "PDFs reappeared after the rerun")
        print("small disk: ok")

        # Texts gzipped too: the same texts, ~3x smaller, read by every stage after pdf2txt.
        data2 = root / "data2"
        v2 = pipeline_vars(fake, data2, SMALL_DISK=1, COMPRESS_TEXT=1)
        make(v2)
        gz = files(data2 / "txt", ".txt.gz")
        t.check(len(gz) == n and files(data2 / "txt", ".txt") == [], f"gzipped texts: {len(gz)} of {n}")
        for name in gz:
            plain = (data / "txt" / name[:-3]).read_bytes()
            t.check(gzip.decompress((data2 / "txt" / name).read_bytes()) == plain, f"{name}: text differs")
        t.check(files(data2 / "pdf", ".pdf") == [], "PDFs left with compressed texts")
        pdf2txt_done = sql(data2 / "papers.db", "SELECT COUNT(*) FROM stage_status "
                           "WHERE stage = 'pdf2txt' AND state = 'done'")
        t.check(int(pdf2txt_done[0][0]) == n, f"pdf2txt records: {pdf2txt_done}")
        fake.clear_requests()
        r = make(v2)
        t.check([x for x in fake.requests() if x["path"].startswith("/pdf/")] == [], "rerun downloaded")
        t.check("pdf2txt: 0 done" in r.stdout or "0 done" in r.stdout, r.stdout[-2000:])

        r = make(v2 + ["CATEGORY_PAPERS=150000"], "status")
        t.check("projection (small-disk, texts gzipped)" in r.stdout, r.stdout)
        t.check(f"0 plain + {n} gzipped texts" in r.stdout, r.stdout)
        t.check("150000 papers need" in r.stdout, r.stdout)
        t.check("PDF 0.0B (deleted after use)" in r.stdout or "PDF 0B (deleted after use)" in r.stdout, r.stdout)
        print("compressed texts and status projection: ok")
    print("ok")


if __name__ == "__main__":
    main()
