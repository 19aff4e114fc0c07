"""A throw-away PostgreSQL for integration tests: initdb + pg_ctl as user postgres (initdb
refuses root) in a temporary folder, on a free loopback port; skips (exit 77) when not root or
when PostgreSQL 15 is not installed."""
import contextlib
import os
import shutil
import subprocess
from pathlib import Path

import asp_testlib as t

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _as_postgres(args, **kw):
    return subprocess.run(["runuser", "-u", "postgres", "--", *map(str, args)],
                          capture_output=True, text=True, timeout=120, **kw)


@contextlib.contextmanager
def postgres(workdir):
    """Yields the URL of database `asp` on a fresh server; stops it at the end."""
    if os.geteuid() != 0 or not (PG_BIN / "initdb").exists() or shutil.which("runuser") is None:
        t.skip("needs root and PostgreSQL 15 (/usr/lib/postgresql/15/bin)")
    d = Path(workdir) / "pg"
    d.mkdir()
    shutil.chown(d, "postgres")
    os.chmod(workdir, 0o755)
    r = _as_postgres([PG_BIN / "initdb", "-D", d / "data", "-A", "trust", "-U", "postgres"])
    t.check(r.returncode == 0, f"initdb failed: {r.stderr}")
    port = t.free_port()
    opts = f"-p {port} -k {d} -c listen_addresses=127.0.0.1"
    r = _as_postgres([PG_BIN / "pg_ctl", "-D", d / "data", "-o", opts, "-l", d / "log", "-w", "start"])
    t.check(r.returncode == 0, f"pg_ctl start failed: {r.stderr}")
    try:
        r = _as_postgres([PG_BIN / "psql", "-q", "-h", "127.0.0.1", "-p", port, "-U", "postgres",
                          "-c", "CREATE DATABASE asp"])
        t.check(r.returncode == 0, f"createdb failed: {r.stderr}")
        yield f"postgresql://postgres@127.0.0.1:{port}/asp"
    finally:
        _as_postgres([PG_BIN / "pg_ctl", "-D", d / "data", "-m", "immediate", "stop"])
