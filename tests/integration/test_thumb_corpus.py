"""thumb over every PDF of ../shared/corpus/pdf (without the corpus: generated papers and broken
files, documents_testlib.test_pdfs): each paper gives a JPEG strip 156 px high
whose width is the sum of its first (up to 8) pages' widths scaled to that height (page sizes
from pdfinfo); every edge file ends as a strip or a recorded failure with a reason and a
placeholder image; exit code 0; a rerun skips everything fast.
"""
import re
import shutil
import subprocess
import atexit
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from asp_testlib import check, run, temp_dir, tool  # noqa: E402
import documents_testlib as docs  # noqa: E402

HEIGHT = 156


def expected_widths(pdf):
    """Per-page strip widths from pdfinfo (crop box size and rotation), first 8 pages."""
    r = subprocess.run(["pdfinfo", "-f", "1", "-l", "8", str(pdf)], capture_output=True, text=True)
    if r.returncode != 0:
        return None
    sizes = {int(m[0]): (float(m[1]), float(m[2]))
             for m in re.findall(r"Page\s+(\d+) size:\s+([\d.]+) x ([\d.]+)", r.stdout)}
    rots = {int(m[0]): int(m[1]) for m in re.findall(r"Page\s+(\d+) rot:\s+(\d+)", r.stdout)}
    out = []
    for page in sorted(sizes):
        w, h = sizes[page]
        if rots.get(page, 0) % 180 == 90:
            w, h = h, w
        out.append(round(HEIGHT * w / h))
    return out


def main():
    thumb = tool("thumb")
    have_pdfinfo = shutil.which("pdfinfo") is not None
    src_tmp = Path(tempfile.mkdtemp(prefix="asp-docs-"))
    atexit.register(shutil.rmtree, src_tmp, True)
    pdfs = docs.test_pdfs(src_tmp)
    with temp_dir() as d:
        mapping = docs.data_dir_with_pdfs(d, pdfs)
        run([thumb, "--data-dir", str(d), "--jobs", "2", "--timeout", "120"], timeout=900)
        records = docs.stage_records(d, "thumb")
        checked = 0
        for rid, src in mapping.items():
            jpg = d / "thumbs" / f"{docs.file_stem(rid, 1)}.jpg"
            rec = records.get(rid)
            check(rec is not None, f"{src.name}: no thumb record")
            check(jpg.is_file(), f"{src.name}: no image (neither strip nor placeholder)")
            w, h = docs.jpeg_size(jpg)
            check(h == HEIGHT, f"{src.name}: strip height {h}")
            if src.parent.name != "edge":
                check(rec["state"] == "done", f"{src.name}: paper failed: {rec['reason']}")
            if rec["state"] == "done":
                widths = expected_widths(src) if have_pdfinfo else None
                if widths:
                    check(abs(w - sum(widths)) <= len(widths),
                          f"{src.name}: width {w}, pages say {sum(widths)} ({widths})")
                    checked += 1
            else:
                check(rec["reason"].strip() != "", f"{src.name}: failure without a reason")
                check(w < 200, f"{src.name}: failed but the image is {w} px wide, not a placeholder")
        leftovers = [p.name for p in (d / "thumbs").iterdir() if p.name.startswith(".")]
        check(not leftovers, f"temporary files left: {leftovers}")
        failed = {mapping[k].name: v["reason"] for k, v in records.items() if v["state"] == "failed"}
        print(f"{len(records) - len(failed)} strips ({checked} widths checked against pdfinfo), "
              f"{len(failed)} placeholders:")
        for name, reason in sorted(failed.items()):
            print(f"  {name}: {reason}")

        docs.check_rerun_skips(thumb, d, "thumbs", len(mapping))


if __name__ == "__main__":
    main()
