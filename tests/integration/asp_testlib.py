"""Shared helpers of the integration tests (tests/integration/test_*.py).

Every test gets its environment from CTest: ASP_BIN_DIR (the built tools), ASP_SOURCE_DIR,
ASP_BUILD_DIR and ASP_CORPUS_DIR (../shared/corpus; may be absent: tests that need it call
require_corpus(), which exits 77, CTest's "skipped").
"""
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SKIP = 77

SOURCE_DIR = Path(os.environ.get("ASP_SOURCE_DIR", Path(__file__).resolve().parents[2]))
BIN_DIR = Path(os.environ.get("ASP_BIN_DIR", SOURCE_DIR / "build" / "bin"))
BUILD_DIR = Path(os.environ.get("ASP_BUILD_DIR", SOURCE_DIR / "build"))
FIXTURES = SOURCE_DIR / "tests" / "fixtures"
FAKES = SOURCE_DIR / "tests" / "fakes"


def corpus():
    """The shared corpus folder, or None when it is absent."""
    p = Path(os.environ.get("ASP_CORPUS_DIR", SOURCE_DIR.parent / "shared" / "corpus"))
    return p if p.is_dir() else None


def skip(reason):
    """Ends the test as skipped (exit 77). Only for what no install can give (e.g. not root);
    scripts/test.sh with CI=true fails unless tests/skip-allowlist.txt lists the test."""
    print(f"SKIP: {reason}")
    sys.exit(SKIP)


def missing(reason):
    """A tool, helper or package the test needs is missing: a failure, never a skip."""
    print(f"FAIL: {reason} (missing; scripts/install-deps.sh --test and a full build provide it)")
    sys.exit(1)


def require_corpus():
    c = corpus()
    if c is None:
        skip("../shared/corpus is absent")
    return c


def tool(name):
    """Path of a built tool; skips when it is not built (yet)."""
    p = BIN_DIR / name
    if not p.exists():
        missing(f"{p} is not built")
    return str(p)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, timeout=20.0, proc=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before listening on {port}")
        with contextlib.suppress(OSError):
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


@contextlib.contextmanager
def temp_dir(prefix="asp-it-"):
    d = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


@contextlib.contextmanager
def background(args, port=None, env=None, log_path=None, timeout=20.0):
    """Runs a server in the background; waits for its port; stops it (SIGTERM, then KILL)."""
    out = open(log_path, "wb") if log_path else subprocess.DEVNULL
    proc = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        if port is not None:
            wait_for_port(port, timeout, proc)
        yield proc
    finally:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        if log_path:
            out.close()


def run(args, check=True, timeout=600, **kw):
    """Runs a command, capturing output as text; raises with its output when check fails."""
    r = subprocess.run(args, capture_output=True, text=True, timeout=timeout, **kw)
    if check and r.returncode != 0:
        raise AssertionError(f"{args} exited {r.returncode}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}")
    return r


def check(cond, message):
    if not cond:
        raise AssertionError(message)
