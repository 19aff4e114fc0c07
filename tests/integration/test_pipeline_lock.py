"""Two pipeline runs on one data directory never overlap (Makefile.pipeline's flock):
- started together: one runs; the other exits 0 at once saying another run holds the lock,
  having run no stage and written no log;
- with LOCK_WAIT: the second waits for the first to end, then runs (after it, not during it);
- with a LOCK_WAIT shorter than the first run: it gives up after LOCK_WAIT, exit 0.
The fake arXiv answers slowly (a "slow" fault) so that a run holds the lock for seconds.
"""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import asp_testlib as t  # noqa: E402
from pipeline_testlib import (fake_arxiv, last_run, logs, make, make_async,  # noqa: E402
                              pipeline_vars, require_tools)

BUSY = "another run holds the lock"
SLOW = {"path": "/api/query", "kind": "slow", "seconds": 2, "times": -1}


def lock_held(data):
    """Whether a process holds the run lock, read from /proc/locks: trying the lock instead
    would, for a moment, hold it and turn away the very run being waited for."""
    try:
        inode = (data / ".pipeline.lock").stat().st_ino
    except FileNotFoundError:
        return False
    with open("/proc/locks") as f:
        return any(f":{inode} " in line and "FLOCK" in line for line in f)


def wait_for_lock(data, proc, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if lock_held(data):
            return
        if proc.poll() is not None:
            raise AssertionError(f"the first run ended before it was seen holding the lock:\n{proc.communicate()}")
        time.sleep(0.02)
    raise AssertionError("the first run never took the lock")


def finish(proc, timeout=300):
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def main():
    require_tools()
    with t.temp_dir() as root, fake_arxiv(root) as fake:
        data = root / "data"
        v = pipeline_vars(fake, data)
        make(v)  # the first, full run: later runs are quick reruns
        fake.add_faults([SLOW])

        # Started together: exactly one runs.
        before = len(logs(data))
        a, b = make_async(v), make_async(v)
        (rc_a, out_a, err_a), (rc_b, out_b, err_b) = finish(a), finish(b)
        t.check(rc_a == 0 and rc_b == 0, f"exit codes {rc_a}, {rc_b}:\n{err_a}\n{err_b}")
        busy = [BUSY in err_a, BUSY in err_b]
        t.check(busy.count(True) == 1, f"exactly one run must find the lock busy:\n{err_a}\n{err_b}")
        ran_out = out_b if busy[0] else out_a
        idle_out = out_a if busy[0] else out_b
        t.check("== buildsvm done" in ran_out, f"the run holding the lock ran every stage:\n{ran_out}")
        t.check("== " not in idle_out, f"the other run ran a stage:\n{idle_out}")
        t.check(len(logs(data)) == before + 1, "one run, one log")
        t.check(last_run(data)[1] == "OK", "last-run says OK")

        # LOCK_WAIT: the second waits, then runs after the first.
        first = make_async(v)
        wait_for_lock(data, first)
        second = make_async(v + ["LOCK_WAIT=120"])
        rc1, out1, err1 = finish(first)
        t1_end = time.monotonic()
        rc2, out2, err2 = finish(second)
        t.check(rc1 == 0 and rc2 == 0, f"exit codes {rc1}, {rc2}:\n{err1}\n{err2}")
        t.check(BUSY not in err2 and "== buildsvm done" in out2,
                f"the waiting run did not run after the first:\n{out2}\n{err2}")
        # Its fetch (a slow API request of 2 s) came after the first run ended: no overlap.
        t.check(time.monotonic() - t1_end >= 1.5,
                "the waiting run finished too soon after the first to have run fetch after it")

        # A LOCK_WAIT shorter than the run in progress: gives up, exit 0, after about LOCK_WAIT.
        first = make_async(v)
        wait_for_lock(data, first)
        start = time.monotonic()
        r = make(v + ["LOCK_WAIT=1"], "thumb")
        waited = time.monotonic() - start
        t.check(r.returncode == 0 and BUSY in r.stderr, f"LOCK_WAIT=1 run:\n{r.stdout}\n{r.stderr}")
        t.check(0.8 <= waited < 10, f"LOCK_WAIT=1 waited {waited:.1f} s")
        t.check(finish(first)[0] == 0, "the first run failed")
    print("test_pipeline_lock: runs never overlap; the second exits cleanly or waits")


if __name__ == "__main__":
    main()
