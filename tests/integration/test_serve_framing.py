#!/usr/bin/env python3
"""serve's HTTP framing (RFC 9112 section 6), issue 15 point 2, on raw sockets:
- Content-Length together with Transfer-Encoding: 400, connection closed, and what follows
  on the connection (a smuggled second request) is never answered;
- two different Content-Length headers, or a list of different values: 400 and closed;
- Transfer-Encoding: chunked, identity (chunked not final): 400 and closed (was: no answer);
- a chunked body with a 100 kB chunk extension: 400 at its head, closed (was: libmicrohttpd's
  bare 500); so is a well-formed chunked body (serve reads Content-Length bodies only; was 411);
- every one of these answers, the 413, the ordinary 4xx and the pages libmicrohttpd makes
  itself (505, 431, 414, a bad Content-Length) carry the security headers.
The same requests are sent through what docs/deploy.md deploys (serve itself on the port)."""
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import asp_testlib as t  # noqa: E402
import serve_testlib as s  # noqa: E402

SECURITY_HEADERS = ["content-security-policy", "x-content-type-options", "x-frame-options",
                    "referrer-policy", "cache-control"]


def exchange(port, raw, wait=5.0):
    """Sends raw bytes; returns (every byte received until the server closed, closed?)."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.settimeout(wait)
    try:
        sock.sendall(raw)
    except OSError:
        pass  # the server may close before reading all of a long request
    data, closed = b"", False
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            break
        except OSError:
            closed = True
            break
        if not chunk:
            closed = True
            break
        data += chunk
    sock.close()
    return data, closed


def responses(data):
    """The status lines and header maps of the responses in `data`."""
    out = []
    while data.startswith(b"HTTP/"):
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        length = int(headers.get("content-length", "0"))
        out.append((int(lines[0].split()[1]), headers))
        data = rest[length:]
    return out


def expect_refused(port, name, raw, status):
    data, closed = exchange(port, raw)
    got = responses(data)
    t.check(len(got) == 1, f"{name}: expected one response, got {len(got)}: {data[:300]!r}")
    code, headers = got[0]
    t.check(code == status, f"{name}: expected {status}, got {code}: {data[:300]!r}")
    missing = [h for h in SECURITY_HEADERS if h not in headers]
    t.check(not missing, f"{name}: the {code} page lacks {missing}: {data[:400]!r}")
    t.check(closed, f"{name}: the connection stays open after the {code}")


def main():
    with t.temp_dir() as root:
        data = root / "data"
        (data / "thumbs").mkdir(parents=True)
        with s.serve(data) as (port, _):
            smuggled = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
            expect_refused(port, "Content-Length with Transfer-Encoding",
                           b"POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                           b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled, 400)
            expect_refused(port, "Transfer-Encoding before Content-Length",
                           b"POST /api/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                           b"Content-Length: 40\r\n\r\n0\r\n\r\n" + smuggled, 400)
            expect_refused(port, "two Content-Length values",
                           b"POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
                           b"Content-Length: 38\r\n\r\n{}" + smuggled, 400)
            expect_refused(port, "a Content-Length list",
                           b"POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Length: 2, 38\r\n\r\n{}"
                           + smuggled, 400)
            expect_refused(port, "a malformed Content-Length",
                           b"POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Length: +2\r\n\r\n{}", 400)
            expect_refused(port, "Transfer-Encoding: chunked, identity",
                           b"POST /api/login HTTP/1.1\r\nHost: x\r\n"
                           b"Transfer-Encoding: chunked, identity\r\n\r\n2\r\n{}\r\n0\r\n\r\n", 400)
            expect_refused(port, "Transfer-Encoding: gzip",
                           b"POST /api/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 400)
            expect_refused(port, "a 100 kB chunk extension",
                           b"POST /api/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                           b"1;" + b"e" * 100000 + b"\r\nx\r\n0\r\n\r\n" + smuggled, 400)
            expect_refused(port, "a well-formed chunked body",
                           b"POST /api/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                           b"2\r\n{}\r\n0\r\n\r\n" + smuggled, 400)
            expect_refused(port, "a body over 64 KiB",
                           b"POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Length: 70000\r\n\r\n", 413)

            # Pages libmicrohttpd makes itself, before serve sees the request, carry the
            # security headers too.
            own = [(b"GET / HTTP/9.9\r\nHost: x\r\n\r\n", 505),
                   (b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400),
                   (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100000 + b"\r\n\r\n", 431),
                   (b"GET /" + b"a" * 100000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414)]
            for raw, code in own:
                data_, closed = exchange(port, raw)
                got = responses(data_)
                t.check(got and got[0][0] == code, f"{raw[:30]!r}: expected {code}: {data_[:200]!r}")
                missing = [h for h in SECURITY_HEADERS if h not in got[0][1]]
                t.check(not missing, f"libmicrohttpd's {code} page lacks {missing}: {data_[:300]!r}")
                t.check(closed, f"{raw[:30]!r}: the connection stays open after the {code}")

            # The same connection still serves well-framed requests one after another.
            data_, _ = exchange(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" * 2 +
                                b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            got = responses(data_)
            t.check([c for c, _ in got] == [200, 200, 200], f"keep-alive requests: {got}")
            # Duplicate equal Content-Length values frame one body (RFC 9110 8.6 allows it).
            data_, _ = exchange(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
                                b"Content-Length: 0\r\nConnection: close\r\n\r\n")
            t.check([c for c, _ in responses(data_)] == [200], f"equal lengths: {data_[:200]!r}")
            # An ordinary 404 and 405 carry the headers too.
            for raw, code in ((b"GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 404),
                              (b"DELETE /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 405)):
                got = responses(exchange(port, raw)[0])
                t.check(got and got[0][0] == code, f"{raw[:20]!r}: {got}")
                t.check(all(h in got[0][1] for h in SECURITY_HEADERS), f"{code} without headers")
    print("ok")


if __name__ == "__main__":
    main()
