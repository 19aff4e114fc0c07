#!/usr/bin/env python3
"""`digest` killed with SIGKILL at random moments and run again, against a slow real SMTP
server: in the end every due user got their digest, none twice beyond the one message in
flight at a kill (so duplicates <= kills), and a final run sends nothing. Prints its seed
(ASP_TEST_SEED=... reruns the same schedule, as in every kill test; ASP_SEED is read too)."""
import os
import random
import secrets
import subprocess
import sys
import time

sys.path.insert(0, __import__("os").path.dirname(__file__))
import asp_testlib as t  # noqa: E402
import mail_testlib as m  # noqa: E402

USERS = 30
FROM = "digest@papers.example.org"


def main():
    seed = int(os.environ.get("ASP_TEST_SEED", os.environ.get("ASP_SEED", random.randrange(1 << 30))))
    print(f"test_digest_kill: seed {seed} (ASP_TEST_SEED={seed} replays it)", flush=True)
    rng = random.Random(seed)
    with t.temp_dir() as root:
        data, papers, new_ids = m.fixture_data_dir(root)
        old = [p["id"] for p in papers if p["id"] not in new_ids]
        t.run([t.tool("analyze"), "--data-dir", str(data), "-q"])
        # The users.db schema comes from the real store (digest opens and migrates it); the
        # accounts are written directly (the API flow is test_digest_smtp's).
        t.run([t.tool("digest"), "--data-dir", str(data), "--from", FROM, "--base-url",
               "http://papers.example.org", "--dry-run", "-q"])
        for i in range(USERS):
            name = f"user{i:02d}"
            m.mail_sql(data, "INSERT INTO users (username, password_hash, created_at) VALUES (?, 'x', "
                             "'2026-01-01T00:00:00Z')", (name,))
            uid = m.mail_sql(data, "SELECT id FROM users WHERE username = ?", (name,))[0][0]
            for pid in rng.sample(old, 3):
                m.mail_sql(data, "INSERT INTO library (user_id, paper_id, saved_at) VALUES (?, ?, "
                                 "'2026-01-01T00:00:00Z')", (uid, pid))
            m.mail_sql(data, "INSERT INTO mail_settings (user_id, email, verified, frequency, "
                             "unsubscribe_token) VALUES (?, ?, 1, 'daily', ?)",
                       (uid, f"{name}@example.org", secrets.token_hex(24)))
        t.run([t.tool("buildsvm"), "--data-dir", str(data), "-q"])

        with m.smtp(root, delay=0.12) as mail:
            args = [t.tool("digest"), "--data-dir", str(data), "--from", FROM, "--base-url",
                    "http://papers.example.org", "--max-per-minute", "0", *mail.digest_args()]
            kills = 0
            completed = False
            for attempt in range(40):
                before = len(mail.files())
                proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                # Kill once it has sent a few (or at a random moment early on).
                target = before + rng.randint(0, 4)
                deadline = time.monotonic() + rng.uniform(0.2, 3.0)
                while proc.poll() is None and time.monotonic() < deadline and len(mail.files()) < target:
                    time.sleep(0.01)
                if proc.poll() is None:
                    proc.kill()
                    kills += 1
                proc.wait()
                if proc.returncode == 0:
                    completed = True
                    break
            t.check(kills >= 3, f"only {kills} kills happened (seed {seed})")
            if not completed:  # a loaded machine: every attempt was killed; finish the job
                t.run(args)
            # The last run finished; one more sends nothing.
            final = len(mail.files())
            r = t.run(args)
            t.check(len(mail.files()) == final, f"a rerun after completion sent {len(mail.files()) - final}")

            per_user = {}
            for rcpt, _ in mail.messages():
                per_user[rcpt] = per_user.get(rcpt, 0) + 1
            missing = [f"user{i:02d}@example.org" for i in range(USERS)
                       if f"user{i:02d}@example.org" not in per_user]
            t.check(not missing, f"users skipped after kills (seed {seed}): {missing}")
            # A kill between the server's acceptance and the record resends that one message
            # in the next run; two such kills in a row can both hit the first user of the
            # run (seen: 3 copies for user00), so the bound is per kill, not per user.
            duplicates = sum(n - 1 for n in per_user.values())
            t.check(duplicates <= kills, f"{duplicates} duplicates > {kills} kills (seed {seed}): {per_user}")
            print(f"test_digest_kill: ok: {kills} kills, {USERS} users served, {duplicates} "
                  f"in-flight duplicates")


if __name__ == "__main__":
    main()
