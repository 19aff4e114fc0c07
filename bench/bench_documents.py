#!/usr/bin/env python3
"""Benchmark of the document stages against their baselines, on the same files in one run:

  pdf2txt  vs  a `pdftotext` loop (poppler-utils), one process per file
  thumb    vs  the original arxiv-sanity recipe per file (ImageMagick 6 + ghostscript):
               convert 'f.pdf[0-7]' -thumbnail x156 tmp/%d.png
               montage -mode concatenate -quality 80 -tile x1 tmp/*.png f.jpg

at --jobs 1 and --jobs 2 (the baselines run as many files at once through `xargs -P`), plus
the peak RSS of `pdf2txt --jobs 1` and `thumb --jobs 1` over every corpus PDF (edge files
included), workers included (/usr/bin/time -v reports the largest of the process and its
waited-for children).

Usage (as root: the baseline needs Debian's ImageMagick policy to allow PDF, done for the
baseline processes only in a private mount namespace, `unshare -m` + a bind mount of a
policy.xml without the PDF ban; the system file is not changed):
    bench/bench_documents.py [--bin build/bin] [--corpus ../shared/corpus] [--reps 3]
Needs: poppler-utils, imagemagick, ghostscript, time (scripts/install-deps.sh --test).
Prints a Markdown section for docs/benchmarks.md.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
POLICY = Path("/etc/ImageMagick-6/policy.xml")


def timed(cmd, **kw):
    """(wall seconds, cpu seconds of the children) of one command."""
    before = os.times()
    t0 = time.monotonic()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)
    wall = time.monotonic() - t0
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return wall, cpu


def xargs(jobs, script, files):
    """Runs `sh -c script _ FILE` for each file, `jobs` at a time."""
    return ["sh", "-c", f'printf "%s\\0" "$@" | xargs -0 -n1 -P{jobs} sh -c {sh_quote(script)} _', "_",
            *map(str, files)]


def sh_quote(s):
    return "'" + s.replace("'", "'\\''") + "'"


def open_policy(tmp):
    """A copy of the system ImageMagick policy without its PDF/PS bans."""
    text = POLICY.read_text() if POLICY.exists() else "<policymap/>"
    lines = [l for l in text.splitlines() if not ('rights="none"' in l and ("PDF" in l or "PS" in l))]
    p = tmp / "policy-open.xml"
    p.write_text("\n".join(lines) + "\n")
    return p


def im_recipe(out_dir, policy):
    """The original's thumbnail recipe for one file ($1), in a private mount namespace that
    shows ImageMagick a policy allowing PDF."""
    inner = (f'mount --bind {policy} {POLICY} 2>/dev/null; '
             f'f="$1"; b=$(basename "$f" .pdf); t=$(mktemp -d); '
             f'convert "$f[0-7]" -thumbnail x156 "$t/%d.png" && '
             f'montage -mode concatenate -quality 80 -tile x1 "$t"/*.png "{out_dir}/$b.jpg"; rm -rf "$t"')
    return f'unshare -m sh -c {sh_quote(inner)} _ "$1"'


def median_run(cmd, reps, clean=None):
    walls, cpus = [], []
    for _ in range(reps):
        if clean:
            clean()
        w, c = timed(cmd)
        walls.append(w)
        cpus.append(c)
    return statistics.median(walls), statistics.median(cpus)


def peak_rss_mib(cmd):
    r = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True)
    for line in r.stderr.splitlines():
        if "Maximum resident set size" in line:
            return int(line.split(":")[1]) / 1024
    raise RuntimeError(f"no RSS from /usr/bin/time: {r.stderr[-500:]}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", type=Path, default=ROOT / "build" / "bin")
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--limit", type=int, default=0, help="only the first N papers (0: all)")
    ap.add_argument("--baseline-reps", type=int, default=1, help="reps of the (slow) ImageMagick recipe")
    ap.add_argument("--only", choices=("pdf2txt", "thumb"), help="benchmark one stage only")
    args = ap.parse_args()
    for exe in ("pdftotext", "convert", "montage", "gs", "unshare"):
        if shutil.which(exe) is None:
            sys.exit(f"bench_documents: {exe} is missing (scripts/install-deps.sh --test)")
    papers = sorted((args.corpus / "pdf" / "papers").glob("*.pdf")) + \
        sorted((args.corpus / "pdf" / "publisher-samples").glob("*.pdf"))
    if args.limit:
        papers = papers[:args.limit]
    everything = sorted((args.corpus / "pdf" / "papers").glob("*.pdf")) + \
        sorted((args.corpus / "pdf" / "publisher-samples").glob("*.pdf")) + sorted((args.corpus / "pdf" / "edge").glob("*.pdf"))
    pdf2txt, thumb = str(args.bin / "pdf2txt"), str(args.bin / "thumb")
    pages = sum(int(l.split()[-1]) for f in papers for l in subprocess.run(
        ["pdfinfo", str(f)], capture_output=True, text=True).stdout.splitlines() if l.startswith("Pages:"))
    tmp = Path(tempfile.mkdtemp(prefix="bench-docs-"))
    try:
        out = tmp / "out"
        policy = open_policy(tmp)

        def clean():
            shutil.rmtree(out, ignore_errors=True)
            out.mkdir()

        text_on, thumb_on = args.only != "thumb", args.only != "pdf2txt"
        skipped = (0.0, 0.0)
        rows = []
        for jobs in (1, 2):
            ours_t = median_run([pdf2txt, "-q", "--force", "-j", str(jobs), "-o", str(out), *map(str, papers)],
                                args.reps, clean) if text_on else skipped
            base_t = median_run(xargs(jobs, f'pdftotext -q "$1" {out}/$(basename "$1" .pdf).txt', papers),
                                args.reps, clean) if text_on else skipped
            ours_i = median_run([thumb, "-q", "--force", "-j", str(jobs), "-o", str(out), *map(str, papers)],
                                args.reps, clean) if thumb_on else skipped
            base_i = median_run(xargs(jobs, im_recipe(out, policy), papers), args.baseline_reps,
                                clean) if thumb_on else skipped
            rows.append((jobs, ours_t, base_t, ours_i, base_i))
            print(f"jobs {jobs}: pdf2txt {ours_t}, pdftotext {base_t}, thumb {ours_i}, ImageMagick {base_i}",
                  file=sys.stderr)

        rss_text = rss_thumb = rss_pdftotext = 0.0
        if text_on:
            clean()
            rss_text = peak_rss_mib([pdf2txt, "-q", "--force", "-j", "1", "-o", str(out), *map(str, everything)])
            clean()
            rss_pdftotext = max(peak_rss_mib(["pdftotext", "-q", str(f), str(out / "x.txt")]) for f in everything)
        if thumb_on:
            clean()
            rss_thumb = peak_rss_mib([thumb, "-q", "--force", "-j", "1", "-o", str(out), *map(str, everything)])

        print(f"Files: the {len(papers)} PDFs of `../shared/corpus/pdf/papers` and `publisher-samples` "
              f"({pages} pages); wall-clock medians of {args.reps} runs (ImageMagick: {args.baseline_reps}), "
              f"CPU = user + system of all processes.\n")
        print("| stage | jobs | ours wall | baseline wall | wall ratio | ours CPU | baseline CPU | CPU ratio (per core) |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- |")
        for jobs, ot, bt, oi, bi in rows:
            if text_on:
                print(f"| pdf2txt vs pdftotext loop | {jobs} | {ot[0]:.2f} s | {bt[0]:.2f} s | {bt[0] / ot[0]:.2f}x "
                      f"| {ot[1]:.2f} s | {bt[1]:.2f} s | {bt[1] / ot[1]:.2f}x |")
            if thumb_on:
                print(f"| thumb vs convert+montage | {jobs} | {oi[0]:.2f} s | {bi[0]:.2f} s | {bi[0] / oi[0]:.2f}x "
                      f"| {oi[1]:.2f} s | {bi[1]:.2f} s | {bi[1] / oi[1]:.2f}x |")
        peaks = ([f"pdf2txt {rss_text:.0f} MiB"] if text_on else []) + \
            ([f"thumb {rss_thumb:.0f} MiB"] if thumb_on else [])
        print(f"\nPeak RSS over all {len(everything)} corpus PDFs (edge files included), `--jobs 1`, "
              f"workers included: {', '.join(peaks)}"
              + (f" (pdftotext, largest single file: {rss_pdftotext:.0f} MiB)" if text_on else "")
              + ". Limit: 300 MB.")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
