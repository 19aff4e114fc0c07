#!/usr/bin/env python3
"""serve --trusted-proxy: behind a load balancer the login rate limit (and the access log)
sees the client named in X-Forwarded-For, but only when the peer is a trusted proxy; a
spoofed X-Forwarded-For from any other peer is ignored. The test's own connections come from
127.0.0.1, which plays the load balancer when it is trusted."""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import asp_testlib as t  # noqa: E402
import serve_testlib as s  # noqa: E402
from serve_testlib import expect  # noqa: E402

CREDENTIALS = {"username": "nobody", "password": "wrong password"}


def login(port, forwarded_for):
    c = s.Client(port)
    expect(c.get("/healthz"), 200, "healthz")  # the csrf cookie
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for is not None else {}
    return c.json("POST", "/api/login", CREDENTIALS, headers=headers).status


def main():
    with t.temp_dir() as root:
        data = root / "data"
        (data / "thumbs").mkdir(parents=True)

        # Trusted: each forwarded client has its own budget of 2 attempts.
        with s.serve(data, "--login-burst", "2", "--prod", "--bind", "127.0.0.1",
                     "--trusted-proxy", "10.9.8.7", "--trusted-proxy", "127.0.0.0/8",
                     log_name="trusted.log") as (port, _):
            a, b = "203.0.113.5", "198.51.100.7"
            t.check([login(port, a) for _ in range(3)] == [401, 401, 429],
                    "client A is limited after its burst")
            t.check(login(port, b) == 401, "client B behind the same balancer is not limited by A")
            # The client cannot escape its limit by prepending addresses of its own: the
            # right-most entry the trusted balancer added is what counts.
            t.check(login(port, f"192.0.2.1, {a}") == 429, "a prepended address does not reset A")
            # A chain through another trusted proxy: the right-most untrusted entry is A.
            t.check(login(port, f"{a}, 10.9.8.7") == 429, "A behind two trusted proxies is still A")
            # Garbage where the client address belongs: the balancer's own address is used.
            t.check(login(port, "not-an-address") == 401, "a malformed entry falls back to the peer")
            t.check(login(port, "") == 401, "an empty header falls back to the peer")
        log = (root / "trusted.log").read_text()
        t.check(a in log and b in log, f"the access log names the forwarded clients:\n{log[-2000:]}")

        # Not trusted (no flag): X-Forwarded-For is ignored, every attempt is 127.0.0.1's.
        with s.serve(data, "--login-burst", "2", "--prod", "--bind", "127.0.0.1",
                     log_name="untrusted.log") as (port, _):
            statuses = [login(port, f"203.0.113.{i}") for i in range(1, 4)]
            t.check(statuses == [401, 401, 429], f"spoofed addresses share the peer's limit: {statuses}")
        log = (root / "untrusted.log").read_text()
        t.check("203.0.113.1" not in log, "the access log shows the peer, not the spoofed address")

        # A trusted network that does not hold the peer: ignored as well.
        with s.serve(data, "--login-burst", "2", "--trusted-proxy", "10.0.0.0/8",
                     log_name="other.log") as (port, _):
            statuses = [login(port, f"203.0.113.{i}") for i in range(1, 4)]
            t.check(statuses == [401, 401, 429], f"an untrusted peer's header is ignored: {statuses}")

        # A bad flag is a usage error.
        r = t.run([t.tool("serve"), "--data-dir", str(data), "--trusted-proxy", "10.0.0.0/40"],
                  check=False)
        t.check(r.returncode == 2, f"a bad --trusted-proxy exits 2, got {r.returncode}")
    print("test_serve_trusted_proxy: X-Forwarded-For believed from trusted proxies only")


if __name__ == "__main__":
    main()
