"""Every stage takes the data directory's stage lock itself (issue 15, point 7): while another
process holds DATA_DIR/.stage.lock, each of fetch, download, pdf2txt, thumb, analyze, buildsvm
and sync exits at once with code 75 (EX_TEMPFAIL) and one line naming the holder, having
written nothing. Then two real copies of one tool: the second exits 75 while the first works;
once the first is killed (asserted), the lock is free again. Read-only modes take no lock.
"""
import fcntl
import os
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import asp_testlib as t  # noqa: E402
import documents_testlib as docs  # noqa: E402

STAGES = {
    "fetch": ["--api-url", "http://127.0.0.1:9/api/query", "--max-retries", "0"],
    "download": ["--pdf-url", "http://127.0.0.1:9/pdf", "--wait-time", "0"],
    "pdf2txt": [],
    "thumb": [],
    "analyze": [],
    "buildsvm": [],
    "sync": ["push", "s3://bucket/prefix"],
}


def tree(d):
    return sorted(str(p.relative_to(d)) for p in d.rglob("*") if p.name != ".stage.lock")


def main():
    with t.temp_dir() as tmp:
        data = tmp / "data"
        pdfs = docs.generated_pdfs(tmp / "src", 2, pages=1)
        docs.data_dir_with_pdfs(data, pdfs)
        before = tree(data)
        lock_path = data / ".stage.lock"
        with open(lock_path, "a+") as held:
            fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
            held.truncate(0)
            held.write("99999 holder-test\n")
            held.flush()
            for stage, args in STAGES.items():
                t0 = time.monotonic()
                r = t.run([t.tool(stage), "--data-dir", str(data)] + args, check=False, timeout=60)
                took = time.monotonic() - t0
                t.check(r.returncode == 75, f"{stage}: exit {r.returncode}, not 75\n{r.stderr}")
                t.check("holder-test (pid 99999)" in r.stderr and "stage lock" in r.stderr,
                        f"{stage}: the message does not name the holder: {r.stderr}")
                t.check(len(r.stderr.strip().splitlines()) == 1, f"{stage}: not one line: {r.stderr}")
                t.check(took < 20, f"{stage} waited {took:.1f} s instead of exiting at once")
                print(f"{stage}: exit 75 in {took:.2f} s: {r.stderr.strip()}")
            t.check(tree(data) == before, "a refused stage wrote into the data directory")
            # Read-only / file modes take no lock.
            out = tmp / "files-out"
            r = t.run([t.tool("pdf2txt"), str(pdfs[0]), "-o", str(out), "-q"], check=False)
            t.check(r.returncode == 0, f"pdf2txt FILES -o is read-only for DATA_DIR: {r.stderr}")

        # Two real copies of fetch: the first hangs on a server that never answers.
        with socket.socket() as silent:
            silent.bind(("127.0.0.1", 0))
            silent.listen(8)
            port = silent.getsockname()[1]
            cmd = [t.tool("fetch"), "--data-dir", str(data), "--api-url",
                   f"http://127.0.0.1:{port}/api/query", "--max-retries", "0", "--timeout", "120"]
            first = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            try:
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline:
                    if lock_path.read_text().startswith(f"{first.pid} "):
                        break
                    if first.poll() is not None:
                        raise AssertionError(f"the first fetch ended: {first.communicate()}")
                    time.sleep(0.02)
                t.check(lock_path.read_text().startswith(f"{first.pid} fetch"),
                        f"the first fetch never took the lock: {lock_path.read_text()!r}")
                if first.poll() is not None:
                    raise AssertionError(f"the first fetch ended: {first.communicate()}")
                r = t.run(cmd, check=False, timeout=60)
                t.check(r.returncode == 75, f"second fetch: exit {r.returncode}\n{r.stderr}")
                t.check(f"fetch (pid {first.pid})" in r.stderr, r.stderr)
                print(f"second copy: exit 75: {r.stderr.strip()}")
            finally:
                first.kill()
                first.communicate()
            t.check(first.returncode == -9, f"the first fetch was not killed: {first.returncode}")
        # The kernel dropped the killed holder's lock.
        r = t.run([t.tool("buildsvm"), "--data-dir", str(data)], check=False, timeout=120)
        t.check(r.returncode != 75, f"the lock outlived its killed holder: {r.stderr}")
    print("OK")


if __name__ == "__main__":
    main()
