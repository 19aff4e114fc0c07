#!/usr/bin/env python3
"""fetch --max-index 400 against the fake arXiv stores exactly the papers served (newest
version of each), with the fields of the feed; a rerun adds nothing, makes one request and
finishes in seconds."""
import json
import time

import asp_testlib as t
import arxiv_fake

QUERY = "cat:cs.DC"
MAX_INDEX = 400


def main():
    fetch = t.tool("fetch")
    with arxiv_fake.running() as fake, t.temp_dir() as d:
        expected = arxiv_fake.served(fake, QUERY, MAX_INDEX)
        t.check(len(expected) >= (300 if t.corpus() else 20), f"only {len(expected)} papers served")
        args = [fetch, "--data-dir", str(d), "--api-url", fake.api_url, "--wait-time", "0",
                "--max-index", str(MAX_INDEX)]
        fake.clear_requests()
        r = t.run(args)
        t.check(r.stdout.count("\n") == 1 and r.stdout.startswith("fetch: "), f"summary: {r.stdout!r}")
        got = arxiv_fake.db_papers(d / "papers.db")
        t.check(set(got) == set(expected),
                f"stored {len(got)} papers, served {len(expected)}; "
                f"missing {sorted(set(expected) - set(got))[:5]}, extra {sorted(set(got) - set(expected))[:5]}")
        for rid, e in expected.items():
            row = got[rid]
            t.check(row[1] == e["version"], f"{rid}: stored v{row[1]}, newest served v{e['version']}")
            t.check(row[2] == e["title"], f"{rid}: title {row[2]!r} != {e['title']!r}")
            cats = json.loads(row[5])
            t.check(cats[0] == e["primary"] == row[6] and sorted(cats) == sorted(set(e["categories"])),
                    f"{rid}: categories {cats} vs {e['categories']} (primary {e['primary']})")
        old_versions = sum(1 for r in fake.records() if r["id"] in expected and len(r["versions"]) > 1)
        t.check(old_versions > 0, "the test must include papers with several versions")
        pages = [q for q in fake.requests() if q["path"] == "/api/query"]
        t.check(len(pages) == MAX_INDEX // 100 or len(expected) < MAX_INDEX,
                f"{len(pages)} requests for {MAX_INDEX} results")
        t.check(all("sortBy=lastUpdatedDate" in q["query"] and "sortOrder=descending" in q["query"]
                    for q in pages), "sorted by lastUpdatedDate, descending")

        before = arxiv_fake.db_papers(d / "papers.db", "*")
        fake.clear_requests()
        t0 = time.monotonic()
        r = t.run(args)
        took = time.monotonic() - t0
        t.check("0 added, 0 new versions, 0 updated" in r.stdout, f"rerun: {r.stdout}")
        t.check(took < 10, f"rerun took {took:.1f} s")
        t.check(len(fake.requests()) == 1, f"rerun made {len(fake.requests())} requests")
        t.check(arxiv_fake.db_papers(d / "papers.db", "*") == before, "rerun changed papers.db")
    print("ok")


if __name__ == "__main__":
    main()
