"""With S3_URL set, a pipeline run ends with `sync push` (after buildsvm), and a new data
directory restored with `sync pull` from there holds the same papers, texts, thumbnails and
index. Without S3_URL no sync runs. When the push fails (S3 unreachable), the run fails.
Local S3: s3rver (tests/integration/s3_testlib.py); skips when node/npm are missing.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import asp_testlib as t  # noqa: E402
import s3_testlib as s3  # noqa: E402
from pipeline_testlib import (STAGES, fake_arxiv, files, last_run, make,  # noqa: E402
                              pipeline_vars, require_tools, sql)

URL = "s3://bkt/pipeline"


def main():
    require_tools(*STAGES, "sync")
    with t.temp_dir() as root, fake_arxiv(root) as fake, s3.s3rver(root) as endpoint:
        env = s3.sync_env(endpoint, root)
        data = root / "data"
        r = make(pipeline_vars(fake, data), env=env)
        t.check("== sync" not in r.stdout, "sync ran without S3_URL")

        r = make(pipeline_vars(fake, data, S3_URL=URL), env=env)
        order = [line.split()[2] for line in r.stdout.splitlines()
                 if line.startswith("pipeline: == ") and " done in " in line]
        t.check(order == STAGES + ["sync"], f"stages in order, sync last: {order}")

        restored = root / "restored"
        t.run([t.tool("sync"), "--data-dir", str(restored), "pull", URL], env=env, timeout=120)
        q = "SELECT id, version FROM papers ORDER BY id"
        t.check(sql(restored / "papers.db", q) == sql(data / "papers.db", q), "papers.db restored")
        for folder, suffix in (("txt", ".txt"), ("thumbs", ".jpg")):
            t.check(files(restored / folder, suffix) == files(data / folder, suffix) != [],
                    f"{folder}/ restored")
        t.check((restored / "index").is_dir() and any((restored / "index").rglob("*")),
                "index/ restored")

        bad = dict(env, AWS_ENDPOINT_URL=f"http://127.0.0.1:{t.free_port()}", AWS_MAX_ATTEMPTS="1")
        r = make(pipeline_vars(fake, data, S3_URL=URL), "sync", env=bad, check=False, timeout=300)
        t.check(r.returncode != 0 and "stage sync FAILED" in r.stdout + r.stderr, f"{r.stdout}\n{r.stderr}")
        t.check(last_run(data)[1] == "FAILED", "last-run says FAILED")
    print("test_pipeline_s3: a run with S3_URL ends with a push that restores the data directory")


if __name__ == "__main__":
    main()
