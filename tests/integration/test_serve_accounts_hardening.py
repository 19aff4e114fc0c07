#!/usr/bin/env python3
"""serve's accounts and logs against an attacker, issue 15 points 5 and 6 (logging):
- log-in attempts at one account from many addresses: after 5, each waits longer (429), and
  an account that does not exist answers exactly the same way;
- sign-up and password change refuse whitespace-only passwords, NUL, and the most common
  passwords (zxcvbn-c's dictionaries);
- the CSRF token is bound to the session: a token from before log-in (e.g. planted by a
  sibling site) is refused after it, and the log-in response carries a new one;
- `next` with a TAB or a backslash (`/\\t/host`) never becomes an off-site redirect;
- a path with %0a and ESC cannot forge or colour an access-log line.
Addresses: serve trusts 127.0.0.1 as a proxy, so X-Forwarded-For plays the client address."""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import asp_testlib as t  # noqa: E402
import serve_testlib as s  # noqa: E402
from serve_testlib import expect  # noqa: E402

GOOD = "plum tree in the yard"


def attempt(port, username, password, address):
    c = s.Client(port)
    c.get("/healthz", headers={"X-Forwarded-For": address})
    r = c.json("POST", "/api/login", {"username": username, "password": password},
               headers={"X-Forwarded-For": address})
    return r.status, re.sub(r"\d+", "N", r.json.get("error", ""))


def main():
    with t.temp_dir() as root:
        data = root / "data"
        (data / "thumbs").mkdir(parents=True)
        with s.serve(data, "--prod", "--bind", "127.0.0.1", "--trusted-proxy", "127.0.0.1",
                     "--login-burst", "1000",
                     log_name="serve.log") as (port, _):
            # Passwords.
            c = s.Client(port)
            c.get("/")
            for bad in ["12345678", "password", "P@ssw0rd", "        ", "\t\t\t\t\t\t\t\t",
                        "long enough\u0000but NUL", "iloveyou", "qwertyuiop"]:
                r = c.json("POST", "/api/signup", {"username": "ada", "password": bad})
                t.check(r.status == 400, f"sign-up with {bad!r}: {r.status} {r.text[:100]}")
            expect(c.json("POST", "/api/signup", {"username": "ada", "password": GOOD}), 200, "sign-up")
            r = c.request("POST", "/account/password", {"current": GOOD, "new": "sunshine"}, form=True)
            t.check(r.status == 400 and "common" in r.text, f"password change to a common one: {r.status}")
            c.request("POST", "/api/logout")
            # bea: the account of the CSRF and `next` checks (ada is made to wait below).
            bea = s.Client(port)
            bea.get("/")
            expect(bea.json("POST", "/api/signup", {"username": "bea", "password": GOOD}), 200, "bea")

            # Per account, across addresses; an unknown account looks the same. After 5
            # attempts the next must wait 30 s (then 60, 120, ... up to 15 min).
            known = [attempt(port, "ada", f"guess {i}", f"198.51.100.{i}") for i in range(5)]
            # Even the right password waits (the answer must not tell a right guess).
            known.append(attempt(port, "ada", GOOD, "192.0.2.9"))
            known.append(attempt(port, "ada", "guess 7", "192.0.2.10"))
            unknown = [attempt(port, "nobody", f"guess {i}", f"203.0.113.{i}") for i in range(7)]
            t.check([st for st, _ in known] == [401] * 5 + [429, 429],
                    f"guesses at ada from 7 addresses: {known}")
            t.check(known == unknown, f"a known and an unknown account differ: {known} vs {unknown}")
            t.check("try again in N s" in known[5][1], f"the wait is told: {known[5]}")
            t.check(attempt(port, "grace", "guess", "198.51.100.1")[0] == 401,
                    "another account is not delayed")

            # CSRF bound to the session. The attacker's own valid (anonymous) token is planted
            # in the victim's browser before log-in.
            attacker = s.Client(port)
            attacker.get("/")
            planted = attacker.cookies["csrf"]
            victim = s.Client(port)
            victim.cookies["csrf"] = planted
            r = victim.json("POST", "/api/login", {"username": "bea", "password": GOOD})
            expect(r, 200, "log-in with a planted token")
            t.check(victim.cookies["csrf"] != planted, "the log-in response sets a new csrf token")
            session = victim.cookies["session"]
            forged = s.Client(port)
            forged.cookies = {"session": session, "csrf": planted}
            r = forged.json("POST", "/api/logout", headers={"X-CSRF-Token": planted})
            expect(r, 403, "a state change with the pre-log-in token")
            expect(victim.json("GET", "/api/library"), 200, "the victim is still logged in")
            r = victim.json("POST", "/api/logout")
            expect(r, 200, "the bound token works")

            # `next`: only plain local paths.
            for bad_next in ["/\t/evil.example/", "/\\evil.example/", "//evil.example/",
                             "/\n/evil.example", "/ /evil.example", "https://evil.example/",
                             "/\u00e9vil"]:
                u = s.Client(port)
                u.get("/login")
                r = u.request("POST", "/login", {"username": "bea", "password": GOOD, "next": bad_next},
                              form=True)
                t.check(r.status == 303 and r.getheader("Location") == "/",
                        f"next={bad_next!r}: {r.status} Location {r.getheader('Location')!r}")
            u = s.Client(port)
            u.get("/login")
            r = u.request("POST", "/login", {"username": "bea", "password": GOOD,
                                              "next": "/search?q=a%20b&page=2"}, form=True)
            t.check(r.getheader("Location") == "/search?q=a%20b&page=2", "a local next is kept")

            # The access log: a forged line and a terminal escape stay inside one line.
            forge = "/x%0a127.0.0.1%20GET%20/forged%20200%200%200.1ms%0d%1b[2J%c2%9b"
            s.Client(port).get(forge)
            s.Client(port).get("/healthz")
        log = (root / "serve.log").read_bytes()
        t.check(b"\x1b" not in log and b"\r" not in log and b"\xc2\x9b" not in log,
                "control characters reached the log")
        lines = log.decode("utf-8", "replace").splitlines()
        t.check(not any(line.startswith("127.0.0.1 GET /forged") for line in lines),
                "a request forged an access-log line")
        t.check(any("/x\\x0a127.0.0.1 GET /forged" in line for line in lines),
                f"the request is logged, escaped, on one line: {lines[-5:]}")
    print("ok")


if __name__ == "__main__":
    main()
