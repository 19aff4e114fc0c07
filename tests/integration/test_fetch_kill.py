#!/usr/bin/env python3
"""A fetch killed with kill -9 at random moments (several times in a row), then rerun, ends
with the same papers.db content as an uninterrupted run: every page is saved in one
transaction as it arrives, and the next run resumes where the killed one stopped."""
import os
import random
import signal
import sqlite3
import subprocess
import time

import asp_testlib as t
import arxiv_fake

CONTENT = ("id, version, title, abstract, authors, categories, primary_category, published, "
           "updated, comment, journal_ref, doi, links")


def main():
    fetch = t.tool("fetch")
    rng = random.Random(int(os.environ.get("ASP_TEST_SEED", time.time())))
    with arxiv_fake.running() as fake, t.temp_dir() as d:
        # ~20 pages: of 20 papers with the corpus, of 2 with the small fixtures set
        per_page = 20 if len(arxiv_fake.served(fake, "cat:cs.DC", 400)) >= 200 else 2
        base = [fetch, "--api-url", fake.api_url, "--max-index", "400",
                "--results-per-iteration", str(per_page), "--retry-base-delay", "0.05"]
        t.run(base + ["--data-dir", str(d / "whole"), "--wait-time", "0"])
        whole = arxiv_fake.db_papers(d / "whole" / "papers.db", CONTENT)
        t.check(len(whole) > 0, "the uninterrupted run stored nothing")

        for trial in range(3):
            data = d / f"killed{trial}"
            kills = 0
            for _ in range(rng.randint(1, 3)):
                # --wait-time 0.1: 20 pages take ~2 s, so a random moment lands mid-run
                p = subprocess.Popen(base + ["--data-dir", str(data), "--wait-time", "0.1"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                time.sleep(rng.uniform(0.05, 1.5))
                if p.poll() is None:
                    os.kill(p.pid, signal.SIGKILL)
                    kills += 1
                p.wait()
            t.run(base + ["--data-dir", str(data), "--wait-time", "0"])
            got = arxiv_fake.db_papers(data / "papers.db", CONTENT)
            t.check(got == whole, f"trial {trial} ({kills} kills): {len(got)} papers vs "
                    f"{len(whole)}; differing: {sorted(set(got) ^ set(whole))[:5]}")
            con = sqlite3.connect(data / "papers.db")
            t.check(con.execute("PRAGMA integrity_check").fetchone()[0] == "ok", "integrity")
            con.close()
            print(f"trial {trial}: {kills} kills, then the same {len(got)} papers")
    print("ok")


if __name__ == "__main__":
    main()
