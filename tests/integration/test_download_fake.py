"""download against the local fake arXiv (tests/fakes/fake_arxiv.py) serving corpus PDFs:
every PDF arrives byte for byte; injected faults (404, 503 with Retry-After, a body cut
mid-transfer, a reset connection, a hung server, an HTML error page served as 200) never leave
a file under a final name and are retried or recorded with a reason; a rerun asks for
nothing; --retry-failed retries; --wait-time spaces the requests; small-disk mode deletes
processed PDFs and never downloads them again.
"""
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import arxiv_fake  # noqa: E402
from asp_testlib import check, corpus, run, temp_dir, tool  # noqa: E402
import documents_testlib as docs  # noqa: E402


def pdf_requests(fake):
    return [r for r in fake.requests() if r["path"].startswith("/pdf/")]


def main():
    download = tool("download")
    with temp_dir() as tmp, arxiv_fake.running("--pdf-dir", str(tmp / "served")) as fake:
        # Real corpus PDFs when ../shared/corpus is there (breadth), generated ones otherwise.
        c = corpus()
        sources = (docs.corpus_pdfs(c, ("papers",))[:9] if c else
                   docs.generated_pdfs(tmp / "generated", 9, pages=2))
        check(len(sources) == 9, f"{len(sources)} source PDFs")
        # The fake serves PDFs for the papers it knows: take some of its records (old- and
        # new-style ids, their newest version) and give each a corpus PDF in --pdf-dir.
        records = fake.records()
        old = [r for r in records if "/" in r["id"]][:4]
        new = [r for r in records if "/" not in r["id"]][:len(sources) - 4]
        papers = [(r["id"], max(r["versions"])) for r in old + new]
        served = tmp / "served"
        served.mkdir()
        for (rid, ver), src in zip(papers, sources):
            shutil.copyfile(src, served / f"{docs.file_stem(rid, ver)}.pdf")
        # Bytes after %%EOF (common in real files: Poppler opens them) must not make a PDF
        # "incomplete" (issue 15, point 4).
        last = served / f"{docs.file_stem(*papers[-1])}.pdf"
        last.write_bytes(last.read_bytes() + b"\0" * 1500 + b"<html>trailing junk</html>\n")
        version = dict(papers)
        ids = [rid for rid, _ in papers]
        d = tmp / "data"
        db = docs.create_papers_db(d)
        docs.add_papers(db, [(rid, ver, f"paper {rid}") for rid, ver in papers])
        (p404, p503, pcut, phtml, preset, phang, pcut_always, pok1, pok2) = ids

        def stem(rid):
            return docs.file_stem(rid, version[rid])

        def url_path(rid):
            return f"/pdf/{rid}v{version[rid]}"

        fake.add_faults([
            {"path": url_path(p404), "kind": "status", "status": 404, "times": -1},
            {"path": url_path(p503), "kind": "status", "status": 503, "retry_after": 1, "times": 1},
            {"path": url_path(pcut), "kind": "truncate", "times": 1},
            {"path": url_path(phtml), "kind": "html200", "times": -1},
            {"path": url_path(preset), "kind": "reset", "times": 1},
            {"path": url_path(phang), "kind": "hang", "seconds": 20, "times": 1},
            {"path": url_path(pcut_always), "kind": "truncate", "times": -1},
        ])
        base = [download, "--data-dir", str(d), "--pdf-url", fake.pdf_url]
        r = run(base + ["--wait-time", "0", "--timeout", "2", "--max-attempts", "2"], timeout=300)
        print(r.stderr.strip().splitlines()[-1])
        pdf_dir = d / "pdf"
        names = sorted(p.name for p in pdf_dir.iterdir())
        want = sorted(f"{stem(i)}.pdf" for i in (p503, pcut, preset, phang, pok1, pok2))
        check(names == want, f"files in pdf/: {names}, want {want}")
        for rid in (p503, pcut, preset, phang, pok1, pok2):
            got = (pdf_dir / f"{stem(rid)}.pdf").read_bytes()
            check(got == (served / f"{stem(rid)}.pdf").read_bytes(), f"{rid}: bytes differ")
        rec = docs.stage_records(d, "download")
        check(rec[p404]["state"] == "failed" and "404" in rec[p404]["reason"], f"404: {rec.get(p404)}")
        check(rec[phtml]["state"] == "failed" and "not a PDF" in rec[phtml]["reason"],
              f"html200: {rec.get(phtml)}")
        check(rec[pcut_always]["state"] == "failed" and rec[pcut_always]["reason"].startswith("temporary: "),
              f"a transient failure is recorded as temporary: {rec.get(pcut_always)}")
        for rid in (p503, pcut, preset, phang, pok1, pok2):
            check(rec[rid]["state"] == "done", f"{rid}: {rec.get(rid)}")
        seen = [q["path"] for q in pdf_requests(fake)]
        check(seen.count(url_path(p503)) == 2, f"503 then retried: {seen}")
        check(seen.count(url_path(p404)) == 1, f"404 is not retried: {seen}")
        check(seen.count(url_path(pcut_always)) == 2, f"cut: retried up to --max-attempts: {seen}")
        print("faults: ok")

        # A rerun asks only for what is missing and not recorded as (permanently) failed.
        fake.clear_requests()
        run(base + ["--wait-time", "0", "--timeout", "2", "--max-attempts", "1"])
        seen = [q["path"] for q in pdf_requests(fake)]
        check(seen == [url_path(pcut_always)], f"rerun asked for {seen}")
        print("rerun: ok")

        # --retry-failed once the server is well again.
        fake.clear_faults()
        fake.clear_requests()
        run(base + ["--wait-time", "0", "--retry-failed"])
        for rid in (p404, phtml, pcut_always):
            check((pdf_dir / f"{stem(rid)}.pdf").is_file(), f"{rid}: not retried")
        check(len(pdf_requests(fake)) == 3, f"retry asked for {pdf_requests(fake)}")
        print("retry-failed: ok")

        # --wait-time spaces the requests out.
        fake.clear_requests()
        run(base + ["--wait-time", "0.4", "--force"], timeout=120)
        times = [q["t"] for q in pdf_requests(fake)]
        check(len(times) == len(ids), f"--force fetched {len(times)}")
        gaps = [b - a for a, b in zip(times, times[1:])]
        check(min(gaps) >= 0.35, f"requests closer than --wait-time: {gaps}")
        print(f"wait-time: smallest gap {min(gaps):.2f} s")

        # Small-disk mode: PDFs go once text and thumbnail exist, and are not fetched again.
        pdf2txt, thumb = tool("pdf2txt"), tool("thumb")
        run([pdf2txt, "--data-dir", str(d), "--jobs", "2"])
        run([thumb, "--data-dir", str(d), "--jobs", "2"])
        fake.clear_requests()
        run(base + ["--wait-time", "0", "--small-disk"])
        left = sorted(p.name for p in pdf_dir.iterdir())
        check(left == [], f"small disk kept {left}")
        check(pdf_requests(fake) == [], f"small disk fetched again: {pdf_requests(fake)}")
        run(base + ["--wait-time", "0"])
        check(pdf_requests(fake) == [], f"a later run fetched again: {pdf_requests(fake)}")
        print("small disk: ok")


if __name__ == "__main__":
    main()
