#!/usr/bin/env python3
"""serve picks up what the pipeline publishes while it serves (new papers.db rows, a new
index/ generation from analyze, new thumbnails) with no restart and no failed request, and
SIGTERM lets a request in flight finish before it exits 0."""
import http.client
import os
import signal
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
import asp_testlib as t  # noqa: E402
import serve_testlib as s  # noqa: E402


def wait_for(what, fn, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout} s: {what}")


class Hammer(threading.Thread):
    """Keeps asking while the data changes; counts every answer that is not a 200."""

    def __init__(self, port, paths):
        super().__init__(daemon=True)
        self.port, self.paths = port, paths
        self.ok = self.failed = 0
        self.errors = []
        self.stop = False

    def run(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        i = 0
        while not self.stop:
            path = self.paths[i % len(self.paths)]
            i += 1
            try:
                conn.request("GET", path)
                r = conn.getresponse()
                r.read()
                if r.status == 200:
                    self.ok += 1
                else:
                    self.failed += 1
                    self.errors.append(f"{path}: {r.status}")
            except OSError as e:
                self.failed += 1
                self.errors.append(f"{path}: {e}")
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)


def main():
    with t.temp_dir() as root:
        papers = s.kaggle_papers(200)
        first, later = papers[:120], papers[120:]
        data = root / "data"
        s.write_papers(data, first)
        (data / "thumbs").mkdir()
        with s.serve(data, "--num-results", "20") as (port, proc):
            c = s.Client(port)
            t.check(c.json("GET", "/api/recent").json["total"] == 120, "120 papers at start")
            h = c.json("GET", "/healthz").json
            t.check(h["index"] is False, "no index yet")
            pid = first[0]["id"]
            t.check(c.json("GET", f"/api/similar/{pid}").json["papers"] == [], "no neighbours yet")
            hammer = Hammer(port, ["/", "/api/recent?limit=5", f"/api/similar/{pid}",
                                   "/api/search?q=quantum", "/healthz"])
            hammer.start()

            # New rows in papers.db.
            s.write_papers(data, later)
            wait_for("the new papers", lambda: c.json("GET", "/api/recent").json["total"] == 200)
            t.check(c.json("GET", f"/api/paper/{later[0]['id']}").status == 200, "a new paper answers")

            # A new index generation.
            t.run([t.tool("analyze"), "--data-dir", str(data), "-q"])
            wait_for("the index", lambda: c.json("GET", "/healthz").json["index"])
            sim = c.json("GET", f"/api/similar/{pid}").json
            t.check(len(sim["papers"]) > 0, "neighbours after analyze")
            gen1 = c.json("GET", "/healthz").json["generation"]

            # A new thumbnail.
            stem = f"{pid}v{first[0]['version']}"
            (data / "thumbs" / f"{stem}.jpg").write_bytes(b"\xff\xd8\xff\xe0 strip \xff\xd9")
            wait_for("the thumbnail", lambda: c.json("GET", f"/api/paper/{pid}").json["papers"][0]["thumb_url"])

            # A changed paper and a second analyze run: another swap.
            changed = dict(first[1], title="Retitled while serving", version=first[1]["version"] + 1,
                           updated="2026-11-27T12:00:00Z")
            s.write_papers(data, [changed])
            t.run([t.tool("analyze"), "--data-dir", str(data), "-q"])
            wait_for("the new title", lambda: c.json("GET", f"/api/paper/{changed['id']}").json["papers"][0]["title"]
                     == "Retitled while serving")
            wait_for("a newer generation", lambda: c.json("GET", "/healthz").json["generation"] > gen1)
            hits = c.json("GET", "/api/search?q=retitled").json
            wait_for("search sees the new title",
                     lambda: changed["id"] in [p["id"] for p in c.json("GET", "/api/search?q=retitled").json["papers"]])
            hammer.stop = True
            hammer.join()
            t.check(hammer.failed == 0, f"{hammer.failed} failed requests during reloads: {hammer.errors[:5]}")
            t.check(hammer.ok > 20, f"the hammer ran ({hammer.ok} requests)")
            del hits

            # SIGTERM while a request is in flight: it is answered, then serve exits 0.
            sock = socket.create_connection(("127.0.0.1", port))
            body = b'{"username": "x", "password": "yyyyyyyy"}'
            sock.sendall(b"POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body[:10])
            time.sleep(0.3)
            os.killpg(proc.pid, signal.SIGTERM)
            time.sleep(0.5)
            t.check(proc.poll() is None, "serve waits for the request in flight")
            sock.sendall(body[10:])
            answer = sock.recv(4096)
            t.check(answer.startswith(b"HTTP/1.1 403"), f"the request in flight is answered: {answer[:60]!r}")
            sock.close()
            rc = proc.wait(15)
            t.check(rc == 0, f"serve exits 0 on SIGTERM, not {rc}")
            log = (root / "serve.log").read_text()
            t.check("stopped" in log, "serve logs its stop")
    print("ok")


if __name__ == "__main__":
    main()
