#!/usr/bin/env python3
"""fetch --source oai killed with kill -9 at random moments of a harvest (several times in a
row), then rerun, ends with exactly the papers of an uninterrupted harvest: each page is saved
in one transaction with the resumption token, and the rerun continues with that token.
The moments are chosen by polling the fake's request log (kill after the k-th request, plus a
random few milliseconds), not by fixed sleeps; ASP_TEST_SEED replays a run (the seed is printed)."""
import json
import os
import random
import signal
import sqlite3
import subprocess
import time

import asp_testlib as t
import arxiv_fake
import oai_fake

CONTENT = ("id, version, title, abstract, authors, categories, primary_category, published, "
           "updated, comment, journal_ref, doi, links")


def oai_requests(fake):
    return sum(1 for r in fake.requests() if r["path"] == "/oai")


def unfinished(data):
    """True when papers.db holds no finished harvest (no state yet, or a saved token)."""
    if not (data / "papers.db").exists():
        return True
    con = sqlite3.connect(data / "papers.db")
    try:
        row = con.execute("SELECT value FROM meta WHERE key LIKE 'oai.harvest:%'").fetchone()
    except sqlite3.OperationalError:  # killed before the schema was made
        return True
    finally:
        con.close()
    return row is None or json.loads(row[0])["token"] is not None


def main():
    fetch = t.tool("fetch")
    seed = int(os.environ.get("ASP_TEST_SEED", time.time_ns() % 1_000_000))
    print(f"seed {seed} (ASP_TEST_SEED={seed} replays it)")
    rng = random.Random(seed)
    with oai_fake.running("--page-size", "10") as fake, t.temp_dir() as d:
        base = [fetch, "--source", "oai", "--oai-url", fake.oai_url, "--categories", "cs.DC",
                "--retry-base-delay", "0.05"]
        t.run(base + ["--data-dir", str(d / "whole"), "--wait-time", "0"])
        whole = arxiv_fake.db_papers(d / "whole" / "papers.db", CONTENT)
        pages = oai_requests(fake)
        t.check(len(whole) > 100 and pages > 10, f"too small: {len(whole)} papers, {pages} pages")

        total_kills = 0
        for trial in range(4):
            data = d / f"killed{trial}"
            kills = 0
            done = 0  # requests the killed runs of this trial got through
            for _ in range(rng.randint(1, 3)):
                if pages - done < 3:
                    break
                fake.clear_requests()
                target = rng.randint(1, pages - done - 2)
                p = subprocess.Popen(base + ["--data-dir", str(data), "--wait-time", "0.03"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                deadline = time.monotonic() + 60
                while p.poll() is None and oai_requests(fake) < target and time.monotonic() < deadline:
                    time.sleep(0.005)
                time.sleep(rng.uniform(0, 0.03))  # anywhere in the request, the parse or the save
                if p.poll() is None:
                    os.kill(p.pid, signal.SIGKILL)
                    p.wait()
                    # a kill counts when it left the harvest unfinished
                    kills += 1 if unfinished(data) else 0
                    done += max(0, oai_requests(fake) - 1)
                p.wait()
            fake.clear_requests()
            r = t.run(base + ["--data-dir", str(data), "--wait-time", "0"])
            got = arxiv_fake.db_papers(data / "papers.db", CONTENT)
            t.check(got == whole, f"seed {seed} trial {trial} ({kills} kills): {len(got)} papers vs "
                    f"{len(whole)}; differing: {sorted(set(got) ^ set(whole))[:5]}")
            con = sqlite3.connect(data / "papers.db")
            t.check(con.execute("PRAGMA integrity_check").fetchone()[0] == "ok", "integrity")
            con.close()
            resumed = "continued an interrupted harvest" in r.stdout
            print(f"trial {trial}: {kills} kills, rerun made {oai_requests(fake)} requests"
                  f"{' (continued with the saved token)' if resumed else ''}; the same {len(got)} papers")
            total_kills += kills
        t.check(total_kills >= 4, f"only {total_kills} kills landed mid-harvest (seed {seed})")
    print("ok")


if __name__ == "__main__":
    main()
