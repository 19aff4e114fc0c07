#!/usr/bin/env python3
"""Hostile input against a running serve: paper text with markup shows as text; forged and
tampered cookies, missing or wrong CSRF tokens, SQL-ish and oversized parameters, `..` paths,
malformed HTTP on raw sockets and bodies over the limit all get a 4xx (never a 500), and serve
stays up."""
import os
import socket
import sys

sys.path.insert(0, os.path.dirname(__file__))
import asp_testlib as t  # noqa: E402
import serve_testlib as s  # noqa: E402
from serve_testlib import expect  # noqa: E402


def raw(port, data, read=True):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        try:
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        if not read:
            return b""
        out = b""
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                out += chunk
        except OSError:
            pass
        return out


def main():
    with t.temp_dir() as root:
        data, papers = s.make_data_dir(root, limit=30)
        (data / "secret-outside.jpg").write_bytes(b"not for you")
        with s.serve(data, "--login-burst", "1000", "--num-results", "20") as (port, proc):
            c = s.Client(port)
            # Markup in titles, abstracts and authors is text.
            # (The JSON API carries the text as data, typed application/json with nosniff.)
            r = expect(c.get("/api/recent"), 200, "api")
            t.check(r.getheader("Content-Type") == "application/json" and
                    r.getheader("X-Content-Type-Options") == "nosniff", "JSON is never sniffed as HTML")
            for path in ["/", "/?page=1", "/similar/2101.99992"]:
                r = expect(c.get(path), 200, path)
                for bad in ["<script>alert", "<img src=x", "<img onerror", "<b>Mallory</b>",
                            'href="javascript:']:
                    t.check(bad not in r.text, f"{path}: raw {bad!r} in the page")
            page = c.get("/").text
            t.check("&lt;script&gt;alert(&#39;t1&#39;)&lt;/script&gt;" in page, "title escaped")
            t.check("javascript:alert(1) &quot;&gt;&lt;img onerror=alert(2) src=y&gt;" in page, "escaped")

            # Sessions: forged, tampered, other secrets.
            expect(c.json("POST", "/api/signup", {"username": "ada", "password": "long enough"}), 200, "signup")
            good = c.cookies["session"]
            uid, rev, exp, mac = good.split(".")
            for forged in [f"{int(uid) + 1}.{rev}.{exp}.{mac}", f"{uid}.{rev}.{int(exp) + 9999}.{mac}",
                           f"{uid}.{rev}.{exp}.{'0' * 64}", "1.0.99999999999.x", "garbage", "", "." * 300,
                           good + "00", "%00%ff", "' OR 1=1 --"]:
                other = s.Client(port)
                other.cookies = {"session": forged}
                expect(other.json("GET", "/api/library"), 401, f"forged cookie {forged[:30]!r}")
            expect(c.json("GET", "/api/library"), 200, "the real cookie works")

            # CSRF: missing, wrong, from another session, in the wrong place.
            pid = papers[0]["id"]
            expect(c.json("PUT", f"/api/library/{pid}", csrf=False), 403, "no token")
            expect(c.json("PUT", f"/api/library/{pid}", headers={"X-CSRF-Token": "nope"}), 403, "wrong token")
            stranger = s.Client(port)
            stranger.get("/")
            expect(c.json("PUT", f"/api/library/{pid}", headers={"X-CSRF-Token": stranger.cookies["csrf"]}),
                   403, "another client's token")
            no_cookie = s.Client(port)
            no_cookie.cookies = {"session": good}
            expect(no_cookie.json("PUT", f"/api/library/{pid}", headers={"X-CSRF-Token": c.cookies["csrf"]}),
                   403, "token without its cookie")
            r = c.request("POST", "/logout", {"csrf": "forged"}, form=True, csrf=False)
            expect(r, 403, "form with a wrong token")
            expect(c.json("GET", "/api/library"), 200, "still logged in after the refused logout")
            expect(c.json("POST", "/api/login", {"username": "ada", "password": "long enough"}, csrf=False),
                   403, "login needs the token too")

            # SQL-ish, malformed and oversized parameters.
            for path in ["/api/recent?limit=1;DROP%20TABLE%20users", "/api/recent?offset=-5",
                         "/api/recent?limit=99999999999999999999", "/api/top?time=%27%20OR%201=1",
                         "/api/paper/1'%20OR%20'1'='1", "/api/similar/%00", "/api/paper/" + "9" * 5000,
                         "/?page=-1", "/?page=1e9", "/top?time=<script>", "/similar/<script>",
                         "/api/search?q=" + "x" * 1000, "/api/recommend?time=x"]:
                r = c.get(path)
                t.check(400 <= r.status < 500, f"{path[:60]}: {r.status}")
                if path.startswith("/api/"):
                    t.check('"error"' in r.text, f"{path[:60]}: JSON error")
            r = expect(c.json("GET", "/api/search?q=%27%3B%20DROP%20TABLE%20papers%3B--"), 200, "sql-ish query")
            expect(c.json("GET", "/api/recent"), 200, "papers still there")
            for body in ["{", "[]", '{"username": 1, "password": 2}', "\x00\xff", "a" * 5000]:
                r = c.request("POST", "/api/login", body=body, headers={"Content-Type": "application/json"})
                t.check(r.status == 400, f"bad login body {body[:10]!r}: {r.status}")

            # Paths: `..`, encoded, absolute, symlinks.
            os.symlink(data / "papers.db", data / "thumbs" / "link.jpg")
            for path in ["/thumbs/../papers.db", "/thumbs/..%2fpapers.db", "/thumbs/%2e%2e/papers.db",
                         "/thumbs/..%2f..%2fetc%2fpasswd", "/thumbs/.hidden.jpg", "/thumbs/link.jpg",
                         "/thumbs/x.png", "/thumbs//etc/passwd", "/static/../papers.db", "/../../etc/passwd",
                         "/thumbs/..%5csecret-outside.jpg"]:
                r = c.get(path)
                t.check(r.status == 404 or r.status == 400, f"{path}: {r.status}")
                t.check(b"SQLite" not in r.body and b"not for you" not in r.body, f"{path} leaked a file")

            # Bodies over the limit: 413 when announced; a streamed (chunked) body is refused at
            # its head (400: serve accepts Content-Length bodies only, test_serve_framing.py).
            big = b"x" * (200 * 1024)
            r = c.request("POST", "/api/login", body=big, headers={"Content-Type": "application/json"})
            expect(r, 413, "announced big body")
            out = raw(port, b"POST /api/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
                      b"".join(b"%x\r\n" % 8192 + b"y" * 8192 + b"\r\n" for _ in range(20)) + b"0\r\n\r\n")
            t.check(out.startswith(b"HTTP/1.1 400"), f"chunked big body: {out[:40]!r}")

            # Malformed HTTP on raw sockets.
            cases = [b"GARBAGE\r\n\r\n", b"GET\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n",
                     b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
                     b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
                     b"GET / HTTP/1.1\r\n" + b"X-Big: " + b"a" * 100000 + b"\r\n\r\n",
                     b"GET /" + b"a" * 100000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
                     b"GET / HTTP/1.1\r\nNo colon here\r\n\r\n",
                     b"\x00\x01\x02\x03\xff\xfe\r\n\r\n", b"GET / HTTP/1.1\r\nHost: x\r\n" * 500 + b"\r\n",
                     b"POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"]
            for data_bytes in cases:
                out = raw(port, data_bytes)
                status = int(out[9:12]) if out.startswith(b"HTTP/1.") and out[9:12].isdigit() else None
                t.check(status is None or 400 <= status < 500 or status == 505,
                        f"{data_bytes[:40]!r}: {out[:60]!r}")
                t.check(b" 500 " not in out[:20], f"{data_bytes[:40]!r}: 500")
            # Half a request, then gone.
            raw(port, b"POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"user", read=False)

            t.check(proc.poll() is None, "serve survived")
            expect(c.json("GET", "/healthz"), 200, "still healthy")
            log = (root / "serve.log").read_text()
            t.check("internal error" not in log and "[error]" not in log, "no internal errors logged")
    print("ok")


if __name__ == "__main__":
    main()
