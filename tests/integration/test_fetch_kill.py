#!/usr/bin/env python3
"""A fetch killed with kill -9 at random moments (several times in a row), then rerun, ends
with the same papers.db content as an uninterrupted run: every page is saved in one
transaction as it arrives, and the next run resumes where the killed one stopped.
The moments are chosen by polling the fake arXiv's request log (kill after the k-th API
request, plus a random few milliseconds), not by fixed sleeps; only kills that left the
fetch unfinished are counted, and enough of them must happen. The seed is printed;
ASP_TEST_SEED=N replays a run."""
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


def api_requests(fake):
    return sum(1 for r in fake.requests() if r["path"] == "/api/query")


def stored(data):
    """How many papers papers.db holds (0 when the kill came before its schema)."""
    if not (data / "papers.db").exists():
        return 0
    con = sqlite3.connect(data / "papers.db")
    try:
        return con.execute("SELECT COUNT(*) FROM papers").fetchone()[0]
    except sqlite3.OperationalError:
        return 0
    finally:
        con.close()


def main():
    fetch = t.tool("fetch")
    seed = int(os.environ.get("ASP_TEST_SEED", time.time_ns() % 1_000_000))
    print(f"seed {seed} (ASP_TEST_SEED={seed} replays it)", flush=True)
    rng = random.Random(seed)
    with arxiv_fake.running() as fake, t.temp_dir() as d:
        # ~20 pages: of 20 papers with the corpus, of 2 with the small fixtures set
        per_page = 20 if len(arxiv_fake.served(fake, "cat:cs.DC", 400)) >= 200 else 2
        base = [fetch, "--api-url", fake.api_url, "--max-index", "400",
                "--results-per-iteration", str(per_page), "--retry-base-delay", "0.05"]
        fake.clear_requests()
        t.run(base + ["--data-dir", str(d / "whole"), "--wait-time", "0"])
        pages = api_requests(fake)
        whole = arxiv_fake.db_papers(d / "whole" / "papers.db", CONTENT)
        t.check(len(whole) > 0 and pages >= 5, f"too small: {len(whole)} papers, {pages} pages")

        total_kills = 0
        for trial in range(3):
            data = d / f"killed{trial}"
            kills = 0
            for _ in range(rng.randint(2, 3)):
                if stored(data) >= len(whole):
                    break
                fake.clear_requests()
                # A rerun first asks for pages it already has (they add nothing new): aim
                # anywhere in what is left, counting those.
                # The last two pages are left alone so that the kill lands before the end.
                left = pages - pages * stored(data) // len(whole)
                target = rng.randint(1, max(1, left - 2))
                # --wait-time 0.1 between pages: a kill lands between two pages or in one
                p = subprocess.Popen(base + ["--data-dir", str(data), "--wait-time", "0.1"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                deadline = time.monotonic() + 60
                while p.poll() is None and api_requests(fake) < target and time.monotonic() < deadline:
                    time.sleep(0.005)
                time.sleep(rng.uniform(0, 0.12))  # in the request, the parse, the save or the wait
                if p.poll() is None:
                    os.kill(p.pid, signal.SIGKILL)
                    p.wait()
                    t.check(p.returncode == -signal.SIGKILL, f"fetch ended {p.returncode}, not by the kill")
                    kills += 1 if stored(data) < len(whole) else 0
                p.wait()
            t.run(base + ["--data-dir", str(data), "--wait-time", "0"])
            got = arxiv_fake.db_papers(data / "papers.db", CONTENT)
            t.check(got == whole, f"seed {seed} trial {trial} ({kills} kills): {len(got)} papers vs "
                    f"{len(whole)}; differing: {sorted(set(got) ^ set(whole))[:5]}")
            con = sqlite3.connect(data / "papers.db")
            t.check(con.execute("PRAGMA integrity_check").fetchone()[0] == "ok", "integrity")
            con.close()
            print(f"trial {trial}: {kills} kills mid-fetch, then the same {len(got)} papers")
            total_kills += kills
        t.check(total_kills >= 3, f"only {total_kills} kills landed mid-fetch (seed {seed})")
    print(f"ok: {total_kills} kills (seed {seed})")


if __name__ == "__main__":
    main()
