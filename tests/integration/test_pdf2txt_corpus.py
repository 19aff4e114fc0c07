"""pdf2txt over every PDF of ../shared/corpus/pdf (without the corpus: generated papers and broken
files, documents_testlib.test_pdfs): papers give text close to pdftotext's,
every edge file (encrypted, truncated, zero pages, bogus page count, books, not a PDF) ends as
text or a recorded failure with a reason, the tool exits 0, and a rerun skips everything fast.

Text similarity (the issue's quality bar): per paper, the multiset Jaccard index of the word
tokens (regex \\w+) of our text and of `pdftotext` (poppler-utils) output:
|A ∩ B| / |A ∪ B| with multiplicities. The median over the corpus papers must be >= 0.99.
"""
import statistics
import atexit
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from asp_testlib import check, run, temp_dir, tool  # noqa: E402
import documents_testlib as docs  # noqa: E402


def main():
    pdf2txt = tool("pdf2txt")
    src_tmp = Path(tempfile.mkdtemp(prefix="asp-docs-"))
    atexit.register(shutil.rmtree, src_tmp, True)
    pdfs = docs.test_pdfs(src_tmp)
    check(len(pdfs) > 10, f"too few PDFs: {len(pdfs)}")
    with temp_dir() as d:
        mapping = docs.data_dir_with_pdfs(d, pdfs)
        r = run([pdf2txt, "--data-dir", str(d), "--jobs", "2", "--timeout", "120"], timeout=900)
        check(r.returncode == 0, "pdf2txt failed")
        records = docs.stage_records(d, "pdf2txt")
        sims = {}
        for rid, src in mapping.items():
            txt = d / "txt" / f"{docs.file_stem(rid, 1)}.txt"
            rec = records.get(rid)
            check(rec is not None, f"{src.name}: no pdf2txt record")
            if src.parent.name != "edge":
                check(rec["state"] == "done", f"{src.name}: paper failed: {rec['reason']}")
            if rec["state"] == "done":
                check(txt.is_file() and txt.stat().st_size > 0, f"{src.name}: done but no text")
                ours = txt.read_text(encoding="utf-8")  # must be valid UTF-8
                check("\f" in ours, f"{src.name}: no page break")
                if src.parent.name != "edge":
                    ref = docs.pdftotext(src)
                    if ref is not None:
                        sims[src.name] = docs.multiset_jaccard(docs.tokens(ours), docs.tokens(ref))
            else:
                check(rec["reason"].strip() != "", f"{src.name}: failure without a reason")
                check(not txt.exists(), f"{src.name}: failed but a text file exists")
        leftovers = [p.name for p in (d / "txt").iterdir() if p.name.startswith(".")]
        check(not leftovers, f"temporary files left: {leftovers}")
        failed = {mapping[k].name: v["reason"] for k, v in records.items() if v["state"] == "failed"}
        print(f"{len(records) - len(failed)} done, {len(failed)} failed:")
        for name, reason in sorted(failed.items()):
            print(f"  {name}: {reason}")

        if sims:
            med = statistics.median(sims.values())
            worst = min(sims, key=sims.get)
            identical = sum(1 for v in sims.values() if v == 1.0)
            print(f"token similarity to pdftotext over {len(sims)} papers: median {med:.4f}, "
                  f"min {sims[worst]:.4f} ({worst}), {identical} identical")
            check(med >= 0.99, f"median token similarity {med:.4f} < 0.99")
        else:
            print("pdftotext is absent: similarity not measured")

        docs.check_rerun_skips(pdf2txt, d, "txt", len(mapping))


if __name__ == "__main__":
    main()
