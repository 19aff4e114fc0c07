"""A stage that fails stops the run: make exits non-zero, no later stage starts, the run's log
and logs/last-run say FAILED and name the stage. Two real failures, no stub tools:
- fetch against an API that is not there (a closed port): the very first stage fails, so
  nothing is downloaded;
- a data directory whose index/ is a plain file, after fetch, download, pdf2txt and thumb
  have done their work: the stage that must write index/ fails, and buildsvm never starts.
Then, with index/ a folder again, the same command completes and exits 0.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))
import asp_testlib as t  # noqa: E402
from pipeline_testlib import (STAGES, fake_arxiv, files, last_run, logs, make,  # noqa: E402
                              pipeline_vars, require_tools)


def stages_seen(output):
    started = re.findall(r"^pipeline: == (\w+) \(", output, re.M)
    done = re.findall(r"^pipeline: == (\w+) done in", output, re.M)
    failed = re.findall(r"^pipeline: stage (\w+) FAILED", output, re.M)
    return started, done, failed


def check_stopped_at(r, data, stage):
    out = r.stdout + r.stderr
    started, done, failed = stages_seen(out)
    t.check(r.returncode != 0, f"make exited 0 although {stage} failed:\n{out}")
    t.check(failed == [stage], f"expected {stage} to fail, saw {failed}:\n{out}")
    upto = STAGES[:STAGES.index(stage) + 1]
    t.check(started == upto, f"stages started {started}, expected exactly {upto}:\n{out}")
    t.check(done == upto[:-1], f"stages done {done}, expected {upto[:-1]}")
    t.check(last_run(data)[1] == "FAILED", "logs/last-run must say FAILED")
    log = logs(data)[-1].read_text()
    t.check(f"stage {stage} FAILED" in log and "FAILED" in log.splitlines()[-1],
            f"the run's log must end saying it failed:\n{log}")


def main():
    require_tools()
    with t.temp_dir() as root, fake_arxiv(root) as fake:
        # 1. fetch fails: nothing listens where API_URL points.
        data = root / "data-no-api"
        closed = f"http://127.0.0.1:{t.free_port()}/api/query"
        v = pipeline_vars(fake, data, API_URL=closed, FETCH_FLAGS="--max-retries 0 --timeout 5")
        r = make(v, check=False, timeout=300)
        check_stopped_at(r, data, "fetch")
        t.check(files(data / "pdf", ".pdf") == [], "download ran after fetch failed")

        # 2. A stage after the document stages fails: index/ is a file, not a folder.
        data = root / "data"
        v = pipeline_vars(fake, data)
        make(v, "fetch")
        (data / "index").rmdir() if (data / "index").is_dir() else None
        (data / "index").write_text("not a folder\n")
        r = make(v, check=False, timeout=600)
        check_stopped_at(r, data, "analyze")
        t.check(files(data / "thumbs", ".jpg") != [], "the stages before analyze did their work")
        t.check(files(data / "recs", "") == [], "buildsvm wrote recommendations after analyze failed")

        # 3. Repaired, the same command completes.
        (data / "index").unlink()
        r = make(v, check=False, timeout=600)
        t.check(r.returncode == 0, f"the repaired run failed:\n{r.stdout}\n{r.stderr}")
        t.check(stages_seen(r.stdout)[1] == STAGES, "every stage done after the repair")
        t.check(last_run(data)[1] == "OK", "logs/last-run says OK again")
    print("test_pipeline_failure: a failed stage stops the run with a non-zero exit")


if __name__ == "__main__":
    main()
