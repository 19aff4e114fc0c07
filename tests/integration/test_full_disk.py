"""pdf2txt and thumb on a really full disk (issue 15, point 3): a small tmpfs holds the data
directory; it is filled up to a few KiB, then:
- pdf2txt stops with exit 74 and one clear error, records no paper as failed, and every text
  file it did publish is complete; after space is freed a plain rerun finishes the job with
  the same texts as a run on a roomy disk;
- thumb --force over good strips on the full disk exits 74 and leaves every strip byte for
  byte as it was (no placeholder over a good strip) and no failed record; a plain rerun after
  freeing space exits 0.
Needs root (mount -t tmpfs); PDFs are generated (tests/fakes/make_pdfs.py), no corpus needed.
"""
import errno
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
import asp_testlib as t  # noqa: E402
import documents_testlib as docs  # noqa: E402

PAPERS = 12


def fill(mnt, slack_kib):
    """Fills the filesystem, then frees `slack_kib` KiB. Returns the filler's path."""
    big = mnt / "filler"
    with open(big, "wb") as f:
        chunk = b"\0" * 65536
        try:
            while True:
                f.write(chunk)
                f.flush()
        except OSError as e:
            t.check(e.errno == errno.ENOSPC, f"filling failed with {e}")
    # Give back a little: enough for SQLite to open, not for the stage's outputs.
    size = big.stat().st_size
    os.truncate(big, max(0, size - slack_kib * 1024))
    return big


def failed_records(data, stage):
    return {k: v for k, v in docs.stage_records(data, stage).items() if v["state"] != "done"}


def outputs(folder, ext):
    return {p.name: p.read_bytes() for p in folder.glob(f"*{ext}")} if folder.exists() else {}


def main():
    if os.geteuid() != 0:
        t.skip("needs root to mount a tmpfs")
    with t.temp_dir() as tmp:
        pdfs = docs.generated_pdfs(tmp / "src", PAPERS, pages=8)
        # Reference outputs on a roomy disk.
        ref = tmp / "ref"
        docs.data_dir_with_pdfs(ref, pdfs)
        t.run([t.tool("pdf2txt"), "--data-dir", str(ref), "-j", "2", "-q"])
        ref_txt = outputs(ref / "txt", ".txt")
        t.check(len(ref_txt) == PAPERS, f"reference run: {len(ref_txt)} texts")

        mnt = tmp / "mnt"
        mnt.mkdir()
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mnt)],
                           capture_output=True, text=True)
        if r.returncode != 0:
            t.skip(f"cannot mount a tmpfs here: {r.stderr.strip()}")
        try:
            data = mnt / "data"
            docs.data_dir_with_pdfs(data, pdfs)

            # --- pdf2txt on a full disk
            filler = fill(mnt, slack_kib=40)
            r = t.run([t.tool("pdf2txt"), "--data-dir", str(data), "-j", "2"], check=False)
            print(f"pdf2txt on the full disk: exit {r.returncode}\n{r.stderr[-600:]}")
            t.check(r.returncode == 74, f"pdf2txt exit {r.returncode}, not 74:\n{r.stderr}")
            t.check("No space left on device" in r.stderr or "disk is full" in r.stderr, r.stderr)
            got = outputs(data / "txt", ".txt")
            t.check(len(got) < PAPERS, "the disk was not full enough to test anything")
            for name, body in got.items():
                t.check(body == ref_txt[name], f"{name}: a partial text was published")
            filler.unlink()  # (reading papers.db needs space for its WAL index too)
            t.check(not failed_records(data, "pdf2txt"),
                    f"papers recorded failed for a full disk: {failed_records(data, 'pdf2txt')}")
            r = t.run([t.tool("pdf2txt"), "--data-dir", str(data), "-j", "2"], check=False)
            t.check(r.returncode == 0, f"rerun after freeing space: exit {r.returncode}\n{r.stderr}")
            t.check(outputs(data / "txt", ".txt") == ref_txt, "the rerun did not finish the job")
            recs = docs.stage_records(data, "pdf2txt")
            t.check(len(recs) == PAPERS and not failed_records(data, "pdf2txt"), f"records: {recs}")
            print(f"pdf2txt: {len(got)} of {PAPERS} published before the disk filled; rerun finished")

            # --- thumb: good strips, then --force on a full disk
            t.run([t.tool("thumb"), "--data-dir", str(data), "-j", "2", "-q"])
            strips = outputs(data / "thumbs", ".jpg")
            t.check(len(strips) == PAPERS, f"{len(strips)} strips")
            filler = fill(mnt, slack_kib=16)
            r = t.run([t.tool("thumb"), "--data-dir", str(data), "-j", "2", "--force"], check=False)
            print(f"thumb --force on the full disk: exit {r.returncode}\n{r.stderr[-600:]}")
            t.check(r.returncode == 74, f"thumb exit {r.returncode}, not 74:\n{r.stderr}")
            t.check(outputs(data / "thumbs", ".jpg") == strips, "a good strip was replaced")
            filler.unlink()  # (reading papers.db needs space for its WAL index too)
            t.check(not failed_records(data, "thumb"), f"failed records: {failed_records(data, 'thumb')}")
            r = t.run([t.tool("thumb"), "--data-dir", str(data), "-j", "2"], check=False)
            t.check(r.returncode == 0, f"thumb rerun: exit {r.returncode}\n{r.stderr}")
            t.check(len(docs.stage_records(data, "thumb")) == PAPERS, "thumb records")
        finally:
            subprocess.run(["umount", "-l", str(mnt)], check=False)
    print("OK")


if __name__ == "__main__":
    main()
