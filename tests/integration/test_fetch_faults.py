#!/usr/bin/env python3
"""fetch against a fake arXiv that misbehaves: 429 with Retry-After, 503, a hanging server
(timeout), a connection reset, a truncated body, an HTML page with status 200, short and
empty pages. The run still completes with every served paper, and each backoff is in the
log. An Error entry, and a failure that outlasts the retries, end the run with a clear
error and a non-zero exit code, the pages before it saved."""
import time

import asp_testlib as t
import arxiv_fake

QUERY = "cat:cs.DC"


def fetch_args(fetch, fake, data, per_page):
    return [fetch, "--data-dir", str(data), "--api-url", fake.api_url, "--wait-time", "0",
            "--max-index", str(3 * per_page), "--results-per-iteration", str(per_page),
            "--retry-base-delay", "0.05", "--timeout", "1.5", "--max-retries", "4"]


def main():
    fetch = t.tool("fetch")
    with arxiv_fake.running() as fake, t.temp_dir() as d:
        # three pages of 100 (of fewer with the small fixtures set, without a corpus)
        total = len(arxiv_fake.served(fake, QUERY, 10000))
        n = 100 if total > 300 else total // 3
        expected = arxiv_fake.served(fake, QUERY, 3 * n, n)
        q = "/api/query"
        # spread over the pages (the query filter picks the page); each rule hits once
        fake.add_faults([
            {"path": q, "query": "start=0&", "kind": "status", "status": 429, "retry_after": 1},
            {"path": q, "query": "start=0&", "kind": "status", "status": 503},
            {"path": q, "query": f"start={n}&", "kind": "hang", "seconds": 4},
            {"path": q, "query": f"start={n}&", "kind": "reset"},
            {"path": q, "query": f"start={n}&", "kind": "truncate"},
            {"path": q, "query": f"start={2 * n}&", "kind": "html200"},
            {"path": q, "query": f"start={2 * n}&", "kind": "short_page"},
            {"path": q, "query": f"start={2 * n}&", "kind": "empty_page"},
        ])
        t0 = time.monotonic()
        r = t.run(fetch_args(fetch, fake, d / "a", n))
        took = time.monotonic() - t0
        log = r.stderr
        t.check(fake.pending_faults() == [], f"faults not all used: {fake.pending_faults()}")
        for needle in ("HTTP 429", "Retry-After 1 s", "HTTP 503", "network error",
                       "unusable response", "short page", "retry 3/4"):
            t.check(needle in log, f"the log does not show {needle!r}:\n{log}")
        t.check(log.count("retry ") == 8, f"8 retries expected in the log:\n{log}")
        t.check("8 retries" in r.stdout, r.stdout)
        t.check(took >= 1.0, f"Retry-After 1 s not honoured ({took:.2f} s)")
        got = arxiv_fake.db_papers(d / "a" / "papers.db")
        t.check(set(got) == set(expected) and
                all(got[i][1] == e["version"] for i, e in expected.items()),
                f"lost papers: {len(got)} stored, {len(expected)} served")

        # arXiv's Error entry: a clear error at once, exit code 1
        fake.add_faults([{"path": q, "kind": "error_entry", "message": "search_query is malformed"}])
        r = t.run(fetch_args(fetch, fake, d / "b", n), check=False)
        t.check(r.returncode == 1, f"exit {r.returncode}")
        err = [l for l in r.stderr.splitlines() if "error:" in l]
        t.check(len(err) == 1 and "arXiv API error: search_query is malformed" in err[0], r.stderr)
        t.check("retry" not in r.stderr, "an Error entry must not be retried")

        # a page that keeps failing: give up after --max-retries, earlier pages kept
        fake.add_faults([{"path": q, "query": f"start={n}&", "kind": "status", "status": 503, "times": -1}])
        r = t.run(fetch_args(fetch, fake, d / "c", n), check=False)
        fake.clear_faults()
        t.check(r.returncode == 1, f"exit {r.returncode}")
        t.check("after 4 retries: HTTP 503" in r.stderr and r.stderr.count("retry ") == 4, r.stderr)
        t.check(len(arxiv_fake.db_papers(d / "c" / "papers.db")) > 0, "the first page was not saved")
        # ... and the next run completes the job
        r = t.run(fetch_args(fetch, fake, d / "c", n))
        got = arxiv_fake.db_papers(d / "c" / "papers.db")
        t.check(set(got) == set(expected), f"after the rerun: {len(got)} of {len(expected)}")
    print("ok")


if __name__ == "__main__":
    main()
