#!/usr/bin/python3
"""A real SMTP server for the tests (Debian's python3-aiosmtpd), on 127.0.0.1.

    smtp_server.py --port P --out DIR [--tls-cert C --tls-key K] [--auth USER:PASS]
                   [--rules FILE] [--delay SECONDS] [--smtps]

Every accepted message is written to DIR/<n>-<recipient>.eml (n counts up from 1) before the
250 answer goes out. With --tls-cert, STARTTLS is offered and required (or, with --smtps, TLS
from the first byte); with --auth, AUTH PLAIN/LOGIN is required. --rules names a JSON file
re-read for every recipient: {"address": "550 5.1.1 no such user", ...} answers RCPT TO with
that reply instead of 250 (421/450/550...). --delay sleeps before answering DATA (a slow
server, so a test can kill its client mid-send).
"""
import argparse
import asyncio
import json
import os
import ssl
import sys
import time
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Handler:
    def __init__(self, out, rules, delay):
        self.out = Path(out)
        self.rules = Path(rules) if rules else None
        self.delay = delay
        self.count = 0

    def rule(self, address):
        if not self.rules or not self.rules.exists():
            return None
        try:
            return json.loads(self.rules.read_text()).get(address.lower())
        except ValueError:
            return None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.rule(address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        self.count += 1
        for rcpt in envelope.rcpt_tos:
            name = f"{self.count:05d}-{rcpt.replace('/', '_')}.eml"
            tmp = self.out / (name + ".tmp")
            tmp.write_bytes(envelope.original_content or envelope.content)
            os.replace(tmp, self.out / name)
        return "250 Message accepted for delivery"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--smtps", action="store_true")
    ap.add_argument("--auth")
    ap.add_argument("--rules")
    ap.add_argument("--delay", type=float, default=0.0)
    a = ap.parse_args()
    Path(a.out).mkdir(parents=True, exist_ok=True)

    context = None
    if a.tls_cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(a.tls_cert, a.tls_key)

    kwargs = {}
    if a.auth:
        user, _, password = a.auth.partition(":")

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user
                  and auth_data.password.decode() == password)
            return AuthResult(success=ok)
        kwargs.update(authenticator=authenticator, auth_required=True,
                      auth_require_tls=bool(context))
    handler = Handler(a.out, a.rules, a.delay)
    if context and a.smtps:
        controller = Controller(handler, hostname="127.0.0.1", port=a.port,
                                ssl_context=context, **kwargs)
    elif context:
        controller = Controller(handler, hostname="127.0.0.1", port=a.port,
                                tls_context=context, require_starttls=True, **kwargs)
    else:
        controller = Controller(handler, hostname="127.0.0.1", port=a.port, **kwargs)
    controller.start()
    print(f"smtp_server: listening on 127.0.0.1:{a.port}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    sys.exit(main())
