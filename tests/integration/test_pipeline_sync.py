"""Makefile.pipeline with S3_URL set: a full run ends with `sync push` (the stage list), and
the sync stage pushes the data directory to S3 (a local s3rver), which a pull restores."""
import sqlite3

import asp_testlib as t
import s3_testlib as s3

SYNC = t.tool("sync")
MAKEFILE = t.SOURCE_DIR / "Makefile.pipeline"


def main():
    if not MAKEFILE.exists():
        t.missing("no Makefile.pipeline")
    url = "s3://bkt/pipeline"
    # The stage list of a full run names sync last when S3_URL is set, and not otherwise.
    probe = ["make", "-s", "-f", str(MAKEFILE), "--eval", "print-stages: ; @echo $(PIPELINE)", "print-stages"]
    with_s3 = t.run(probe + [f"S3_URL={url}"]).stdout.split()
    t.check(with_s3[-1] == "sync" and with_s3[0] == "fetch", f"stages with S3_URL: {with_s3}")
    t.check("sync" not in t.run(probe).stdout.split(), "sync should run only with S3_URL")

    with t.temp_dir("asp-pipe-sync-") as w, s3.s3rver(w) as endpoint:
        data = w / "data"
        (data / "txt").mkdir(parents=True)
        (data / "txt" / "2101.00001v1.txt").write_text("some text\n")
        con = sqlite3.connect(data / "papers.db")
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("CREATE TABLE papers (id TEXT PRIMARY KEY)")
        con.execute("INSERT INTO papers VALUES ('2101.00001')")
        con.commit()
        env = s3.sync_env(endpoint, w)
        r = t.run(["make", "-f", str(MAKEFILE), "sync", f"DATA_DIR={data}", f"BIN={t.BIN_DIR}",
                   f"S3_URL={url}"], env=env, check=False, timeout=120)
        t.check(r.returncode == 0, f"make sync exited {r.returncode}:\n{r.stdout}\n{r.stderr}")
        con.close()
        t.check((data / "logs").is_dir(), "the pipeline should have written its log")
        back = w / "back"
        t.run([SYNC, "--data-dir", str(back), "pull", url], env=env, timeout=120)
        t.check((back / "txt" / "2101.00001v1.txt").read_text() == "some text\n", "text file not restored")
        rows = sqlite3.connect(back / "papers.db").execute("SELECT id FROM papers").fetchall()
        t.check(rows == [("2101.00001",)], f"papers.db not restored: {rows}")
        t.check(not (back / "logs").exists(), "per-host logs must not be synced")
    print("ok")


if __name__ == "__main__":
    main()
