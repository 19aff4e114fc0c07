#!/usr/bin/env python3
"""Makefile.pipeline with SMALL_DISK=1 (the 8 GB instance): one run ends with every paper's
text and thumbnail and no PDF left on disk (pdf2txt/thumb delete each PDF as soon as both
exist, not a day later), and a rerun downloads nothing again."""
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
    print("ok")


if __name__ == "__main__":
    main()
