"""sync against a local S3 (s3rver) behind a SigV4-verifying, fault-injecting proxy:
push, wipe, pull -> byte-identical (SQLite databases too); kill mid-push and mid-pull -> consistent snapshots and no
partial files; 500/503/dropped connections -> retries, then a clear error with nothing
corrupted locally; every request's signature recomputed independently; credentials from a
fake IMDSv2 (refreshed before they expire)."""
import os
import shutil
import signal
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import asp_testlib as t
import s3_testlib as s3

SYNC = t.tool("sync")
PREFIX = "runs/a b+ü"  # keys that need RFC 3986 encoding
URL = "s3://bkt/" + PREFIX


def make_data(root, version):
    root = Path(root)
    for sub in ("txt", "thumbs", "index"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for i in range(24):
        changed = version > 1 and i < 16
        (root / "txt" / f"2101.{i:05d}v1.txt").write_text(f"paper {i} text, version {version if changed else 1}\n" * 50)
    (root / "thumbs" / "placeholder-a.jpg").write_bytes(b"\xff\xd8same bytes\xff\xd9")
    (root / "thumbs" / "placeholder-b.jpg").write_bytes(b"\xff\xd8same bytes\xff\xd9")
    (root / "index" / "meta.json").write_text(f'{{"version": {version}}}\n')
    (root / ".papers.db.tmp-asp-leftover").write_text("a stage's temporary file: never synced")
    if version == 1:
        (root / "big.bin").write_bytes(os.urandom(20 << 20))  # > 16 MiB: multipart upload
    else:
        (root / "txt" / "2201.00001v2.txt").write_text("new in version 2\n")


def db_dump(path):
    con = sqlite3.connect(path)
    try:
        return list(con.iterdump())
    finally:
        con.close()


def state(root):
    """Every synced file's sha256, SQLite databases included: push copies a database's own
    bytes (its WAL folded in first), so a pull gives the very same file."""
    return s3.tree_digest(root)


def same_tree(a, b, message):
    diff = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
    t.check(not diff, f"{message}: {diff[:5]}")


def run_sync(env, *args, check=True):
    return t.run([SYNC, *args], env=env, check=check, timeout=120)


def wait_for(cond, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.02)
    raise AssertionError("condition not reached in time")


def kill_midway(env, proxy, args, method, needle, after):
    """Runs sync, SIGKILLs it once the proxy saw `after` matching requests."""
    before = proxy.count(method, needle)
    proc = subprocess.Popen([SYNC, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: proxy.count(method, needle) >= before + after or proc.poll() is not None)
        t.check(proc.poll() is None, "sync finished before it could be killed: make the proxy slower")
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait()


def main():
    with t.temp_dir("asp-sync-") as w, s3.s3rver(w) as upstream, s3.S3Proxy(upstream) as proxy:
        env = s3.sync_env(proxy.url, w, ASP_S3_LIST_PAGE_SIZE=4)
        src, dst = w / "src", w / "dst"
        make_data(src, 1)
        # papers.db in WAL mode, its newest rows still in the -wal file of an open connection.
        con = sqlite3.connect(src / "papers.db")
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA wal_autocheckpoint=0")
        con.execute("CREATE TABLE papers (id TEXT PRIMARY KEY, title TEXT)")
        con.executemany("INSERT INTO papers VALUES (?, ?)", [(f"2101.{i:05d}", f"t{i}") for i in range(300)])
        con.commit()
        t.check((src / "papers.db-wal").stat().st_size > 0, "rows should sit in the WAL")

        # 1. push, then push again: nothing to upload, no new manifest (listing pages followed).
        run_sync(env, "--data-dir", str(src), "push", URL)
        t.check(proxy.count("POST", "uploads") == 1, "the 20 MiB file should go up in parts")
        puts_before = proxy.count("PUT")
        r = run_sync(env, "--data-dir", str(src), "push", URL)
        t.check(proxy.count("PUT") == puts_before, "a second push must upload nothing")
        t.check("unchanged" in r.stderr, r.stderr)
        t.check(proxy.count("GET", "continuation-token") > 0, "listing should span several pages")

        # 2. pull into a fresh directory: identical; the database holds every row from the WAL.
        run_sync(env, "--data-dir", str(dst), "pull", URL)
        v1 = s3.tree_digest(src, skip_sqlite=True)
        t.check(s3.tree_digest(dst, skip_sqlite=True) == v1, "pulled files differ")
        t.check(db_dump(dst / "papers.db") == db_dump(src / "papers.db"), "pulled papers.db differs")
        t.check(len(db_dump(dst / "papers.db")) > 300, "the rows of the WAL are missing")
        t.check((dst / "papers.db").read_bytes() == (src / "papers.db").read_bytes(),
                "pulled papers.db is not byte-identical")
        t.check(not any(p.name.startswith(".papers.db.tmp") for p in dst.iterdir()), "temp file synced")
        con.close()

        # 3. wipe the source and pull it back: byte-identical to the other pull (database too).
        shutil.rmtree(src)
        run_sync(env, "--data-dir", str(src), "pull", URL)
        same_tree(s3.tree_digest(src), s3.tree_digest(dst), "restored directory differs")
        v1_full = state(dst)

        # 4. kill a push of version 2 midway: a pull still gets version 1, whole.
        make_data(src, 2)
        v2_full = state(src)
        proxy.delay = 0.15
        kill_midway(env, proxy, ["--data-dir", str(src), "push", URL], "PUT", "/objects/", 3)
        proxy.delay = 0
        fresh = w / "fresh"
        run_sync(env, "--data-dir", str(fresh), "pull", URL)
        same_tree(state(fresh), v1_full, "a killed push must leave the old snapshot whole")
        run_sync(env, "--data-dir", str(src), "push", URL)
        run_sync(env, "--data-dir", str(fresh), "pull", URL)
        same_tree(state(fresh), v2_full, "rerun push + pull should give version 2")

        # 5. kill a pull midway: every file is wholly old or wholly new; a rerun completes it.
        proxy.delay = 0.15
        kill_midway(env, proxy, ["--data-dir", str(dst), "pull", URL], "GET", "/objects/", 3)
        proxy.delay = 0
        now = state(dst)
        for path, digest in now.items():
            t.check(digest in (v1_full.get(path), v2_full.get(path)), f"{path} is neither old nor new")
        run_sync(env, "--data-dir", str(dst), "pull", URL)
        same_tree(state(dst), v2_full, "rerun pull should complete version 2")
        leftovers = [p for p in dst.rglob("*") if ".tmp-asp-" in p.name]
        t.check(not leftovers, f"temporary files left: {leftovers}")

        # 6. transient faults are retried: two 500s, then a 1 s outage of dropped connections.
        (src / "txt" / "2101.00000v1.txt").write_text("changed again\n")
        proxy.fail_mode, proxy.fail_next = "500", 2
        run_sync(env, "--data-dir", str(src), "push", URL)
        t.check(proxy.fail_next == 0, "the injected 500s should have been consumed")
        proxy.mode = "drop"
        threading.Timer(1.0, lambda: setattr(proxy, "mode", "pass")).start()
        run_sync(env, "--data-dir", str(dst), "pull", URL)
        same_tree(state(dst), state(src), "pull through an outage differs")

        # 7. S3 down for good: a clear error after the retries, local files untouched.
        before = s3.tree_digest(dst)  # bytes: a failed pull must not touch the database either
        (src / "txt" / "2101.00001v1.txt").write_text("changed while S3 is down\n")
        run_sync(env, "--data-dir", str(src), "push", URL)
        for mode, expect in (("503", "503 SlowDown"), ("drop", "gave up after 3 attempts")):
            proxy.mode = mode
            env3 = dict(env, AWS_MAX_ATTEMPTS="3")
            r = run_sync(env3, "--data-dir", str(dst), "pull", URL, check=False)
            t.check(r.returncode == 1, f"pull against a dead S3 exited {r.returncode}")
            lines = r.stderr.strip().splitlines()
            t.check(len(lines) == 1 and lines[0].startswith("sync: error: pull s3://bkt/"), r.stderr)
            t.check(expect in r.stderr and "gave up after 3 attempts" in r.stderr, r.stderr)
            t.check(s3.tree_digest(dst) == before, "a failed pull changed local files")
            r = run_sync(env3, "--data-dir", str(src), "push", URL, check=False)
            t.check(r.returncode == 1 and "gave up" in r.stderr, r.stderr)
        proxy.mode = "pass"

        # 8. The verifier is real: a wrong secret is refused (403, not retried).
        t.check(not proxy.bad_signatures, f"bad signatures: {proxy.bad_signatures[:3]}")
        t.check(proxy.verified > 50, "too few verified requests")
        bad = dict(env, AWS_SECRET_ACCESS_KEY="not-the-secret")
        r = run_sync(bad, "--data-dir", str(w / "nope"), "pull", URL, check=False)
        t.check(r.returncode == 1 and "SignatureDoesNotMatch" in r.stderr, r.stderr)
        t.check(len(proxy.bad_signatures) == 1, "a refused request must not be retried")
        proxy.bad_signatures.clear()

        # 9. Instance-role credentials from a fake IMDSv2; they expire within the 5-minute
        # margin, so sync must fetch them again rather than sign with keys about to expire.
        # (s3rver knows only the key id S3RVER, so the role hands out that id; the session
        # tokens seen signed by the verifier show which credentials were used.)
        with s3.FakeImds(akid="S3RVER", secret="S3RVER", lifetime=120) as imds:
            role_env = {k: v for k, v in env.items()
                        if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_EC2_METADATA_DISABLED")}
            role_env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.url
            role_dir = w / "role"
            run_sync(role_env, "--data-dir", str(role_dir), "pull", URL)
            same_tree(state(role_dir), state(src), "pull with role credentials differs")
            t.check(imds.calls[0] == ("PUT", "/latest/api/token"), f"IMDSv2 token first: {imds.calls[:2]}")
            t.check(imds.credential_fetches > 1, "credentials near expiry should be refreshed")
            t.check("session-token-1" in proxy.tokens, "the role's session token should be signed")
            t.check(not proxy.bad_signatures, f"bad signatures: {proxy.bad_signatures[:3]}")
    print("ok")


if __name__ == "__main__":
    main()
