"""Scale-out end to end: the data directory goes to S3 (s3rver) and two serve instances start
from `sync pull`; they share one PostgreSQL user store (started here with initdb/pg_ctl) and
one session secret, behind HAProxy running deploy/lb/haproxy.cfg. Sign up through one
instance, log in and save through the other, each sees the other's sessions and saves. Under
a wrk load one instance is killed (SIGKILL) and restarted: zero failed client requests. Then
new papers pushed to S3 reach both instances by `sync pull` without a restart."""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time

import asp_testlib as t
import pg_testlib as pg
import s3_testlib as s3

try:
    import serve_testlib as s
except ImportError:
    t.missing("serve is not built yet (no serve_testlib)")

URL = "s3://bkt/site"
PULL_FLAGS = ["--exclude", "pdf", "--exclude", "txt", "--exclude", "users.db"]


def need(program):
    if shutil.which(program) is None:
        t.missing(f"{program} is not installed (scripts/install-deps.sh --test)")


class Instance:
    """One serve instance that the test can kill and start again on the same port."""

    def __init__(self, name, data, users_db, secret, root):
        self.name, self.data, self.port = name, data, t.free_port()
        self.args = [t.tool("serve"), "--data-dir", str(data), "--port", str(self.port),
                     "--users-db", users_db, "--secret-file", str(secret), "--num-results", "20",
                     "--login-burst", "100000", "--threads", "4"]
        self.log = open(root / f"serve-{name}.log", "ab")
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(self.args, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        t.wait_for_port(self.port, 30, self.proc)

    def kill(self):
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


def haproxy_config(root, lb_port, instances):
    """deploy/lb/haproxy.cfg with its listen address and servers replaced by this test's."""
    text = (t.SOURCE_DIR / "deploy" / "lb" / "haproxy.cfg").read_text()
    text = re.sub(r"(?m)^\s*bind :80\s*$", f"    bind 127.0.0.1:{lb_port}", text)
    text = re.sub(r"(?m)^\s*server .*\n", "", text)
    servers = "".join(f"    server {i.name} 127.0.0.1:{i.port} check\n" for i in instances)
    text = text.rstrip("\n") + "\n" + servers
    text = text.replace("    log stdout format raw local0 info\n",
                        f"    stats socket {root}/haproxy.sock mode 600 level admin\n")
    t.check(len(re.findall(r"(?m)^\s*server ", text)) == len(instances) and f"bind 127.0.0.1:{lb_port}" in text,
            "could not adapt deploy/lb/haproxy.cfg")
    path = root / "haproxy.cfg"
    path.write_text(text)
    return path


def haproxy_stat(root):
    """{server name: (status, total sessions)} from HAProxy's stats socket."""
    with socket.socket(socket.AF_UNIX) as sock:
        sock.connect(str(root / "haproxy.sock"))
        sock.sendall(b"show stat\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    lines = data.decode().splitlines()
    head = lines[0].lstrip("# ").split(",")
    out = {}
    for line in lines[1:]:
        row = dict(zip(head, line.split(",")))
        if row.get("pxname") == "serve" and row.get("svname") not in ("FRONTEND", "BACKEND"):
            out[row["svname"]] = (row["status"], int(row["stot"] or 0))
    return out


def servers_up(root):
    """Whether HAProxy reports every server UP; False until its stats socket is there (HAProxy
    may take the frontend port before it creates the socket)."""
    try:
        stat = haproxy_stat(root)
    except (FileNotFoundError, ConnectionRefusedError):
        return False
    return bool(stat) and all(st == "UP" for st, _ in stat.values())


def wait_for(what, cond, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def main():
    for program in ("haproxy", "wrk"):
        need(program)
    t.tool("serve")
    t.tool("make_papers_db")
    with t.temp_dir("asp-scale-") as root, s3.s3rver(root) as endpoint, pg.postgres(root) as users_db:
        env = s3.sync_env(endpoint, root)
        sync = t.tool("sync")
        data, papers = s.make_data_dir(root, limit=120, hostile=False)
        t.run([sync, "--data-dir", str(data), "push", URL], env=env)
        secret = root / "secret"
        secret.write_text("x" * 64)
        instances = []
        for name in ("s1", "s2"):
            d = root / f"instance-{name}"
            t.run([sync, "--data-dir", str(d), "pull", URL, *PULL_FLAGS], env=env)
            instances.append(Instance(name, d, users_db, secret, root))
        a, b = instances
        try:
            for i in instances:
                i.start()

            # Accounts across instances: sign up on one, log in and save on the other.
            ca = s.Client(a.port)
            s.expect(ca.get("/"), 200, "recent page on s1")
            s.expect(ca.json("POST", "/api/signup", {"username": "ada", "password": "correct horse"}), 200,
                     "signup on s1")
            cb = s.Client(b.port)
            s.expect(cb.get("/"), 200, "recent page on s2")
            s.expect(cb.json("POST", "/api/login", {"username": "ada", "password": "correct horse"}), 200,
                     "login on s2 with the account made on s1")
            pid = papers[0]["id"]
            r = cb.json("PUT", f"/api/library/{pid}")
            t.check(r.status in (200, 201), f"save on s2: {r.status} {r.text[:200]}")
            cross = s.Client(a.port)
            cross.cookies = dict(cb.cookies)  # the session made by s2, presented to s1
            lib = s.expect(cross.json("GET", "/api/library"), 200, "library on s1").json
            t.check([p["id"] for p in lib["papers"]] == [pid], f"s1 should see the save made on s2: {lib}")
            s.expect(cb.json("POST", "/api/signup", {"username": "ada", "password": "other password"}), 409,
                     "the name taken on s1 is taken on s2")

            # HAProxy with the committed configuration; one instance dies under load.
            lb_port = t.free_port()
            cfg = haproxy_config(root, lb_port, instances)
            with t.background(["haproxy", "-db", "-f", str(cfg)], port=lb_port,
                              log_path=root / "haproxy.log"):
                wait_for("both instances up in HAProxy", lambda: servers_up(root))
                wrk = subprocess.Popen(["wrk", "-t2", "-c16", "-d12s",
                                        f"http://127.0.0.1:{lb_port}/api/recent?limit=5"],
                                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                time.sleep(3)
                a.kill()
                wait_for("HAProxy to mark s1 down", lambda: haproxy_stat(root)["s1"][0].startswith("DOWN"))
                time.sleep(1)
                a.start()
                wait_for("s1 back up", lambda: haproxy_stat(root)["s1"][0] == "UP")
                sessions_back = haproxy_stat(root)["s1"][1]
                out, _ = wrk.communicate(timeout=60)
                print(out)
                done = re.search(r"(\d+) requests in", out)
                t.check(done and int(done.group(1)) > 500, f"too few requests under load:\n{out}")
                t.check("Non-2xx" not in out and "Socket errors" not in out,
                        f"clients saw failures while an instance was killed and restarted:\n{out}")
                t.check(haproxy_stat(root)["s1"][1] > sessions_back, "the restarted instance gets requests again")

                # Through the load balancer, the session works whichever instance answers.
                lb = s.Client(lb_port)
                lb.cookies = dict(cb.cookies)
                for _ in range(4):
                    lib = s.expect(lb.json("GET", "/api/library"), 200, "library through HAProxy").json
                    t.check([p["id"] for p in lib["papers"]] == [pid], "library through HAProxy")

            # New papers reach the instances through S3 and serve's reload, no restart.
            pids = [i.proc.pid for i in instances]
            more = papers + [dict(papers[0], id=f"2999.{n:05d}", title=f"New paper {n}",
                                  updated="2030-01-01T00:00:00Z") for n in range(3)]
            s.write_papers(data, more)
            t.run([sync, "--data-dir", str(data), "push", URL], env=env)
            for i in instances:
                t.run([sync, "--data-dir", str(i.data), "pull", URL, *PULL_FLAGS], env=env)
            for i in instances:
                c = s.Client(i.port)
                wait_for(f"{i.name} to show the new papers",
                         lambda c=c: json.loads(c.get("/api/recent?limit=1").text)["total"] == len(more))
            t.check([i.proc.pid for i in instances] == pids, "no instance was restarted")
        finally:
            for i in instances:
                i.stop()
    print("ok")


if __name__ == "__main__":
    main()
