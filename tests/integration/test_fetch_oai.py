#!/usr/bin/env python3
"""fetch --source oai against the fake OAI-PMH server (tests/fakes/fake_oai.py, serving the
committed fixtures, and the corpus records where ../shared/corpus exists): paging through resumption tokens, the same
paper fields as the records served, several versions, old-style ids, deleted records,
incremental reruns, flow control (503 + Retry-After), transport errors, badResumptionToken,
noRecordsMatch, arXiv's real records; and bad answers (malformed XML, an OAI error, arXiv's own
recorded error answers, a repeated token, an endless token chain) that end
with a clear error and nothing of the bad page saved."""
import json
import sqlite3
import time

import asp_testlib as t
import arxiv_fake
import oai_fake

CONTENT = ("id, version, title, abstract, authors, categories, primary_category, published, "
           "updated, comment, journal_ref, doi, links")


def harvest(fetch, fake, data, *extra, check=True):
    return t.run([fetch, "--source", "oai", "--oai-url", fake.oai_url, "--wait-time", "0",
                  "--retry-base-delay", "0.05", "--data-dir", str(data), *extra], check=check)


def rows(data):
    return arxiv_fake.db_papers(data / "papers.db", CONTENT)


def harvest_requests(fake):
    return [r for r in fake.requests() if r["path"] == "/oai"]


def test_whole_harvest(fetch, d):
    with oai_fake.running("--page-size", "40") as fake:
        want = oai_fake.expected(fake, ["cs.DC"])
        t.check(len(want) > 100, f"the fake serves only {len(want)} cs.DC records")
        r = harvest(fetch, fake, d / "a", "--search-query", "cat:cs.DC")
        got = rows(d / "a")
        t.check(set(got) == set(want), f"ids differ: {sorted(set(got) ^ set(want))[:5]}")
        for rid, w in want.items():
            g = got[rid]
            t.check(g[1] == w["version"], f"{rid}: version {g[1]} != {w['version']}")
            t.check(g[2] == " ".join(w["title"].split()), f"{rid}: title {g[2]!r}")
            t.check(json.loads(g[5]) == w["categories"], f"{rid}: categories {g[5]}")
            t.check(g[6] == w["categories"][0], f"{rid}: primary {g[6]}")
            t.check((g[7], g[8]) == (w["published"], w["updated"]), f"{rid}: dates {g[7]} {g[8]}")
            t.check((g[9] or "") == " ".join(w["comment"].split()), f"{rid}: comment {g[9]!r}")
            t.check((g[10] or "") == " ".join(w["journal_ref"].split()), f"{rid}: journal ref")
            t.check((g[11] or "") == " ".join(w["doi"].split()), f"{rid}: doi")
            t.check(len(json.loads(g[4])) >= 1, f"{rid}: no authors")
        t.check(any("/" in rid for rid in got), "no old-style id harvested")
        t.check(any(v[1] >= 3 for v in got.values()), "no paper with 3+ versions")
        n_pages = -(-sum(1 for r_ in fake.records() if "cs" in r_["sets"]) // 40)
        reqs = harvest_requests(fake)
        t.check(len(reqs) == n_pages, f"{len(reqs)} requests for {n_pages} pages")
        t.check(all("resumptionToken=" in q["query"] for q in reqs[1:]), "pages 2.. not by token")
        t.check("harvest complete" in r.stdout, r.stdout)

        # Incremental: nothing changed -> one request, papers.db untouched.
        fake.clear_requests()
        before = (d / "a" / "papers.db").stat().st_mtime_ns
        r = harvest(fetch, fake, d / "a", "--search-query", "cat:cs.DC")
        reqs = harvest_requests(fake)
        t.check(1 <= len(reqs) <= 2, f"an incremental run with nothing new made {len(reqs)} requests")
        t.check("from=" in reqs[0]["query"], f"incremental run without from: {reqs[0]}")
        t.check(rows(d / "a") == got, "the incremental rerun changed papers")
        t.check((d / "a" / "papers.db").stat().st_mtime_ns == before, "papers.db rewritten")

        # A new version and a deletion on arXiv reach papers.db on the next run.
        ids = sorted(want)
        newer, gone = ids[0], ids[1]
        fake.update({"id": newer, "new_version": True})
        fake.update({"id": gone, "deleted": True})
        pdf = d / "a" / "pdf"
        pdf.mkdir(exist_ok=True)
        stem = gone.replace("/", "_")
        (pdf / f"{stem}v{want[gone]['version']}.pdf").write_bytes(b"%PDF-1.4\n")
        fake.clear_requests()
        r = harvest(fetch, fake, d / "a", "--search-query", "cat:cs.DC")
        after = rows(d / "a")
        t.check(after[newer][1] == want[newer]["version"] + 1, f"new version of {newer} not stored")
        t.check(gone not in after, f"deleted {gone} still in papers.db")
        t.check(not (pdf / f"{stem}v{want[gone]['version']}.pdf").exists(), "its PDF was kept")
        t.check("1 removed" in r.stdout, r.stdout)
        t.check(len(harvest_requests(fake)) <= 2, "incremental run made many requests")
    print("whole harvest, incremental rerun, new version, deletion: ok")


def test_fixture_fields(fetch, d):
    with oai_fake.running("--fixtures-only", "--page-size", "3", "--cross-list", "") as fake:
        harvest(fetch, fake, d / "fx", "--categories", "hep-ph,math.CO,cs,cond-mat,math.CA", "--oai-set", "all")
        got = rows(d / "fx")
        p = got["0704.0001"]
        t.check(p[1] == 2 and json.loads(p[4]) == ["C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C.-P. Yuan"],
                f"0704.0001: {p}")
        t.check((p[7], p[8]) == ("2007-04-02T19:18:42Z", "2007-07-24T20:10:27Z"), f"dates {p[7]} {p[8]}")
        t.check((p[10], p[11]) == ("Phys.Rev.D76:013009,2007", "10.1103/PhysRevD.76.013009"), "refs")
        t.check(json.loads(got["0704.0025"][4]) == ["A. S. Mishchenko", "N. Nagaosa"], got["0704.0025"][4])
        t.check(json.loads(got["0704.0002"][5]) == ["math.CO", "cs.CG"], got["0704.0002"][5])
        t.check("cs/0012007" in got, "old-style id missing")
        t.check("0704.0034" not in got, "a deleted record was stored")
    print("fixture records: fields as arXiv's metadata: ok")


def test_flow_control(fetch, d):
    with oai_fake.running("--page-size", "100") as fake:
        fake.add_faults([{"path": "/oai", "query": "resumptionToken", "kind": "status", "status": 503,
                          "retry_after": 1}])
        r = harvest(fetch, fake, d / "fc", "--categories", "cs.DC")
        reqs = harvest_requests(fake)
        t.check(reqs[1]["query"] == reqs[2]["query"], "the 503'd request was not repeated as it was")
        gap = reqs[2]["t"] - reqs[1]["t"]
        t.check(gap >= 0.95, f"Retry-After 1 s not honoured: retried after {gap:.2f} s")
        t.check("1 retries" in r.stdout, r.stdout)
        t.check(set(rows(d / "fc")) == set(oai_fake.expected(fake, ["cs.DC"])), "papers differ after 503")
    print("503 + Retry-After: ok")


def test_bad_token_restarts(fetch, d):
    with oai_fake.running("--page-size", "30") as fake:
        want = oai_fake.expected(fake, ["cs.DC"])
        # The harvest stops (an OAI error on page 4); meanwhile the tokens expire.
        fake.add_faults([{"path": "/oai", "query": "resumptionToken=1.90.", "kind": "oai_error",
                          "code": "badArgument", "message": "stop here"}])
        r = harvest(fetch, fake, d / "bt", "--categories", "cs.DC", check=False)
        t.check(r.returncode == 1 and "badArgument" in r.stderr, r.stderr)
        con = sqlite3.connect(d / "bt" / "papers.db")
        state = json.loads(con.execute("SELECT value FROM meta WHERE key LIKE 'oai.harvest:%'").fetchone()[0])
        con.close()
        t.check(state["token"] == "1.90." + state["token"].split(".")[2], f"state {state}")
        fake.expire_tokens()
        fake.clear_requests()
        r = harvest(fetch, fake, d / "bt", "--categories", "cs.DC")
        reqs = harvest_requests(fake)
        t.check("resumptionToken=1.90." in reqs[0]["query"], f"did not resume with the token: {reqs[0]}")
        t.check(f"from={state['last_datestamp']}" in reqs[1]["query"],
                f"restart not from the last saved datestamp {state['last_datestamp']}: {reqs[1]}")
        t.check("1 restarts" in r.stdout, r.stdout)
        t.check(set(rows(d / "bt")) == set(want), "papers differ after a restart")
    print("badResumptionToken: restart from the last saved datestamp: ok")


def test_transport_errors(fetch, d):
    with oai_fake.running("--page-size", "100") as fake:
        fake.add_faults([{"path": "/oai", "query": "resumptionToken", "kind": "status", "status": 502},
                         {"path": "/oai", "query": "resumptionToken", "kind": "html200"}])
        r = harvest(fetch, fake, d / "te", "--categories", "cs.DC")
        reqs = harvest_requests(fake)
        t.check(reqs[1]["query"] == reqs[2]["query"] == reqs[3]["query"],
                "the failed request was not retried as it was")
        t.check("2 retries" in r.stdout, r.stdout)
        t.check(set(rows(d / "te")) == set(oai_fake.expected(fake, ["cs.DC"])), "papers differ after retries")
    print("HTTP 502 and an HTML page instead of XML: retried with backoff: ok")


def test_real_records(fetch, d):
    """The committed copies of arXiv's real OAI answers (tests/fixtures/arxiv/oai/hepcrawl_*,
    inspirenext_*: real datestamps and sets) reach papers.db through a physics:hep-th harvest."""
    with oai_fake.running("--page-size", "2", "--cross-list", "", "--deleted-fraction", "0") as fake:
        want = {r["id"]: r for r in fake.records() if r["source"] == "oai" and "physics:hep-th" in r["sets"]
                and "hep-th" in r["categories"]}
        t.check({"1412.8323", "1507.07790", "1607.01710"} <= set(want), f"real records: {sorted(want)}")
        harvest(fetch, fake, d / "real", "--categories", "hep-th", "--oai-set", "physics:hep-th")
        got = rows(d / "real")
        for rid, w in want.items():
            t.check(rid in got, f"{rid} missing")
            t.check(got[rid][2] == " ".join(w["title"].split()), f"{rid}: title {got[rid][2]!r}")
            t.check(json.loads(got[rid][5]) == w["categories"], f"{rid}: categories {got[rid][5]}")
        p = got["1412.8323"]
        t.check(json.loads(p[4]) == ["Philipp A Hoehn"], f"authors {p[4]}")
        t.check(json.loads(p[5])[:3] == ["quant-ph", "gr-qc", "hep-th"] and p[6] == "quant-ph", f"categories {p[5]}")
        t.check(p[9].startswith("78 pages, many figures"), f"comment {p[9]!r}")
    print("arXiv's real OAI records: ok")


def test_no_records_match(fetch, d):
    with oai_fake.running() as fake:
        r = harvest(fetch, fake, d / "nr", "--categories", "cs.DC", "--from", "2099-01-01")
        t.check("no records match" in r.stdout, r.stdout)
        t.check(rows(d / "nr") == {}, "papers from an empty range")
    print("noRecordsMatch: ok")


def test_bad_answers(fetch, d):
    cases = [
        ("malformed", {"kind": "malformed", "times": -1}, "not well-formed XML"),
        ("error", {"kind": "oai_error", "code": "badArgument", "message": "Illegal set"}, "OAI-PMH error badArgument"),
        # arXiv's own error answers, verbatim (tests/fixtures/arxiv/oai-edge, see its README)
        ("real-error", {"kind": "recorded", "file": "oai-edge/inspirenext_GetRecord_is-malformed.xml"},
         "OAI-PMH error idDoesNotExist"),
        ("real-error-v", {"kind": "recorded",
                          "file": "oai-edge/inspirenext_GetRecord_1305.0014v1_idDoesNotExist_versioned.xml"},
         "OAI-PMH error idDoesNotExist"),
        ("repeat", {"kind": "repeat_token"}, "repeated the resumption token"),
        ("endless", {"kind": "endless", "times": -1}, "more than 5 pages"),
    ]
    for name, rule, message in cases:
        with oai_fake.running("--page-size", "50") as fake:
            # the first page is good; the bad answer comes after it
            rule = dict(rule, path="/oai", query="resumptionToken")
            fake.add_faults([rule])
            data = d / f"bad-{name}"
            r = harvest(fetch, fake, data, "--categories", "cs.DC", "--max-retries", "1",
                        "--oai-max-pages", "5", check=False)
            t.check(r.returncode == 1, f"{name}: exit {r.returncode}\n{r.stderr}")
            t.check(message in r.stderr, f"{name}: stderr {r.stderr!r}")
            lines = [ln for ln in r.stderr.splitlines() if "error:" in ln]
            t.check(len(lines) == 1, f"{name}: not one clear error line: {lines}")
            got = rows(data)
            first_page = [rr for rr in fake.records() if "cs" in rr["sets"]]
            first_page.sort(key=lambda x: (x["datestamp"], x["id"]))
            allowed = {x["id"] for x in first_page[:50]}
            t.check(set(got) <= allowed, f"{name}: papers beyond the first page saved")
            t.check(got, f"{name}: the good first page was not kept")
            con = sqlite3.connect(data / "papers.db")
            t.check(con.execute("PRAGMA integrity_check").fetchone()[0] == "ok", "integrity")
            con.close()
    print("bad answers: clear errors, nothing half-saved: ok")


def main():
    fetch = t.tool("fetch")
    with t.temp_dir() as d:
        r = t.run([fetch, "--source", "oai", "--search-query", "all:x", "--data-dir", str(d / "x")], check=False)
        t.check(r.returncode == 2 and "--categories" in r.stderr, f"no categories: {r.returncode} {r.stderr}")
        test_fixture_fields(fetch, d)
        test_whole_harvest(fetch, d)
        test_flow_control(fetch, d)
        test_transport_errors(fetch, d)
        test_real_records(fetch, d)
        test_bad_token_restarts(fetch, d)
        test_no_records_match(fetch, d)
        test_bad_answers(fetch, d)
    print("ok")


if __name__ == "__main__":
    main()
