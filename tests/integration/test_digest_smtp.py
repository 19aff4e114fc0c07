#!/usr/bin/env python3
"""E-mail end to end against a real SMTP server on 127.0.0.1 (aiosmtpd: STARTTLS with a test
certificate, AUTH required): the address and its verification through serve (signed, single
use, forged tokens refused), digest preferences, the `digest` tool's content against buildsvm's
lists, nothing sent twice, one-click unsubscribe (RFC 8058) without a session, 421/450/550
answers (retry / count / disable after 3), an unreachable server (exit 75, nothing recorded),
--dry-run, and bad input (malformed and injected addresses, 10 kB, bad frequency/tags, CSRF)
answered 4xx with nothing sent."""
import datetime
import email.policy
import re
import sys
import urllib.parse

sys.path.insert(0, __import__("os").path.dirname(__file__))
import asp_testlib as t  # noqa: E402
import mail_testlib as m  # noqa: E402
import serve_testlib as s  # noqa: E402
from serve_testlib import expect  # noqa: E402

FROM = "digest@papers.example.org"


def digest(data, mail, *extra, check=True):
    args = [t.tool("digest"), "--data-dir", str(data), "--from", FROM, "--base-url",
            "http://papers.example.org", "--max-per-minute", "0", *mail.digest_args(), *extra]
    return t.run(args, check=check)


def signup(port, name, papers):
    c = s.Client(port)
    c.get("/")
    expect(c.json("POST", "/api/signup", {"username": name, "password": "a-long-passphrase-" + name}),
           200, f"signup {name}")
    for pid in papers:
        expect(c.json("PUT", f"/api/library/{pid}"), 200, f"{name} saves {pid}")
    return c


def verify_link(mail, address):
    for rcpt, msg in reversed(mail.messages()):
        if rcpt == address:
            body = msg.get_body(preferencelist=("plain",)).get_content()
            found = re.search(r"(https?://\S+/account/verify\?token=\S+)", body)
            t.check(found is not None, f"no verification link in {body!r}")
            return found.group(1)
    raise AssertionError(f"no mail to {address}")


def local(url):
    u = urllib.parse.urlsplit(url)
    return u.path + ("?" + u.query if u.query else "")


def main():
    with t.temp_dir() as root:
        data, papers, new_ids = m.fixture_data_dir(root)
        old = [p["id"] for p in papers if p["id"] not in new_ids]
        t.run([t.tool("analyze"), "--data-dir", str(data), "-q"])

        # Without mail settings the controls say so, and nothing can be stored.
        with s.serve(data) as (port, _):
            c = signup(port, "nomail", [])
            r = expect(c.json("PUT", "/api/account/email", {"email": "x@example.org"}), 409, "no mail")
            t.check("not configured" in r.json["error"], r.text)
            t.check(c.json("GET", "/api/account").json["mail_configured"] is False, "mail_configured")
            t.check("Mail is not configured" in c.get("/account").text, "account page says so")

        with m.smtp(root) as mail, s.serve(data, *mail.serve_args(), "--mail-from", FROM,
                                           "--base-url", "http://papers.example.org",
                                           "--login-burst", "1000") as (port, _):
            alice = signup(port, "alice", old[:3])
            bob = signup(port, "bob", old[3:6])
            carol = signup(port, "carol", old[6:8])

            # Bad input: 4xx, nothing mailed.
            for bad in ["a@b", "x@example.org\r\nBcc: evil@example.org", "x" * 10000 + "@example.org",
                        "<x@example.org>", "x@exa mple.org", "", "x\u0000@example.org"]:
                expect(alice.json("PUT", "/api/account/email", {"email": bad}), 400, f"bad address {bad[:30]!r}")
            expect(alice.json("PUT", "/api/account/email", {"mail": "x"}), 400, "wrong field")
            expect(alice.json("PUT", "/api/account/email", {"email": "a@example.org"}, csrf=False), 403, "no CSRF")
            anon = s.Client(port)
            anon.get("/")
            expect(anon.json("PUT", "/api/account/email", {"email": "a@example.org"}), 401, "anonymous")
            t.check(mail.messages() == [], "nothing mailed for bad input")

            # Verification: the link arrives over STARTTLS + AUTH, works once, forgeries fail.
            for client, addr in [(alice, "alice@example.org"), (bob, "bob@example.org"),
                                 (carol, "carol@example.org")]:
                r = expect(client.json("PUT", "/api/account/email", {"email": addr}), 200, f"email {addr}")
                t.check(r.json["email"] == addr and r.json["verified"] is False, r.text)
            t.check(len(mail.messages()) == 3, f"3 verification mails, got {len(mail.messages())}")
            link = verify_link(mail, "alice@example.org")
            t.check(link.startswith("http://papers.example.org/account/verify?token="), link)
            token = urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)["token"][0]
            forged = token[:-1] + ("0" if token[-1] != "0" else "1")
            expect(anon.get("/account/verify?token=" + urllib.parse.quote(forged)), 400, "forged token")
            bob_token = urllib.parse.parse_qs(urllib.parse.urlsplit(verify_link(mail, "bob@example.org")).query)["token"][0]
            swapped = token.split(".")[0] + "." + ".".join(bob_token.split(".")[1:])
            expect(anon.get("/account/verify?token=" + urllib.parse.quote(swapped)), 400, "token of another user")
            expect(anon.get("/account/verify?token=garbage"), 400, "garbage token")
            expect(anon.get(local(link)), 200, "verify alice (no session needed)")
            expect(anon.get(local(link)), 400, "a used link fails")
            t.check(alice.json("GET", "/api/account").json["verified"] is True, "alice verified")
            expect(anon.get(local(verify_link(mail, "bob@example.org"))), 200, "verify bob")
            expect(anon.get(local(verify_link(mail, "carol@example.org"))), 200, "verify carol")

            # Preferences.
            for bad in [{"frequency": "hourly"}, {"frequency": "daily", "tags": "x"},
                        {"frequency": "daily", "tags": ["<bad>"]}, {"frequency": "daily", "tags": ["x" * 41]},
                        {"frequency": "daily", "tags": [str(i) for i in range(201)]}, {"tags": []}]:
                expect(alice.json("PUT", "/api/account/digest", bad), 400, f"bad digest {str(bad)[:40]}")
            for client in (alice, bob, carol):
                r = expect(client.json("PUT", "/api/account/digest", {"frequency": "daily", "tags": []}),
                           200, "digest daily")
                t.check(r.json["digest"] == {"frequency": "daily", "tags": []}, r.text)
            # Bob: one new paper "not interested" (never mailed); carol: a tag of her own.
            expect(bob.json("PUT", f"/api/feedback/{new_ids[0]}", {"value": -1}), 200, "not interested")
            expect(carol.json("PUT", f"/api/tags/systems/{old[6]}"), 200, "carol tags a paper")
            expect(carol.json("PUT", "/api/account/digest", {"frequency": "daily", "tags": ["systems"]}),
                   200, "carol's digest: one tag")
            page = alice.get("/account").text
            t.check("alice@example.org" in page and "(verified)" in page, "account page shows the address")
            unverified = signup(port, "dave", old[:2])
            expect(unverified.json("PUT", "/api/account/email", {"email": "dave@example.org"}), 200, "dave")
            expect(unverified.json("PUT", "/api/account/digest", {"frequency": "daily"}), 200, "dave daily")
            verification_mails = len(mail.messages())

        t.run([t.tool("buildsvm"), "--data-dir", str(data), "-q"])
        candidates = set(new_ids)

        # The digest: one message per verified user, buildsvm's order, saved papers left out.
        with m.smtp(root, name="smtp2") as mail:
            r = digest(data, mail)
            got = mail.messages()
            t.check(sorted(rcpt for rcpt, _ in got) ==
                    ["alice@example.org", "bob@example.org", "carol@example.org"],
                    f"one digest per verified user (not dave): {[x for x, _ in got]}\n{r.stderr}")
            for rcpt, msg in got:
                user = rcpt.split("@")[0]
                listed = m.paper_ids_in(msg)
                if user == "carol":  # ranked by her tag's own list (buildsvm's per-tag file)
                    text = msg.get_body(preferencelist=("plain",)).get_content()
                    t.check("== Tag: systems ==" in text, f"carol's section is her tag: {text[:300]}")
                    t.check(listed and set(listed) <= candidates - {old[6], old[7]},
                            f"carol: new, unsaved papers only: {listed}")
                else:
                    mine = candidates - ({new_ids[0]} if user == "bob" else set())
                    want = m.expected_digest(data, user, mine)
                    t.check(want, f"{user}: buildsvm ranks some new paper")
                    t.check(listed == want, f"{user}: {listed} != {want}")
                t.check(not (user == "bob" and new_ids[0] in listed), "not interested: never mailed")
                t.check(msg.get_content_type() == "multipart/alternative", msg.get_content_type())
                html = msg.get_body(preferencelist=("html",)).get_content()
                t.check("<script>" not in html and "&lt;script&gt;" in html, "HTML escaped")
                unsub = msg["List-Unsubscribe"]
                t.check(unsub.startswith("<http://papers.example.org/unsubscribe?token="), unsub)
                t.check(msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click", "RFC 8058")
                t.check(msg["From"].addresses[0].addr_spec == FROM, msg["From"])
                t.check("http://papers.example.org/account" in html, "preferences link")

            # Nothing new: a rerun sends nothing.
            digest(data, mail)
            t.check(len(mail.messages()) == 3, "a rerun with nothing new sends nothing")

            # One-click unsubscribe from a mail client: no cookie, no CSRF token.
            bob_msg = [msg for rcpt, msg in got if rcpt == "bob@example.org"][0]
            unsub_url = bob_msg["List-Unsubscribe"].strip("<>")
            with s.serve(data, "--login-burst", "1000") as (port, _):
                raw = s.Client(port)
                expect(raw.get(local(unsub_url)), 200, "unsubscribe page (GET changes nothing)")
                t.check(m.mail_sql(data, "SELECT frequency FROM mail_settings m JOIN users u ON u.id = m.user_id "
                                         "WHERE u.username = 'bob'")[0][0] == "daily", "GET changed nothing")
                r = raw.request("POST", local(unsub_url), body="List-Unsubscribe=One-Click",
                                headers={"Content-Type": "application/x-www-form-urlencoded"}, csrf=False)
                expect(r, 200, "one-click unsubscribe")
                expect(raw.request("POST", "/unsubscribe?token=" + "0" * 48, body="List-Unsubscribe=One-Click",
                                   csrf=False), 400, "unknown token")

            # A day later, new papers: only those, never a repeat; bob unsubscribed.
            later = m.utcnow() + datetime.timedelta(days=1)
            fresh = []
            for i, p in enumerate(papers[10:14]):
                q = dict(p)
                q["id"] = f"2612.{90001 + i}"
                q["published"] = q["updated"] = m.iso(later - datetime.timedelta(hours=3 + i))
                fresh.append(q)
            m.add_new_papers(data, fresh)
            t.run([t.tool("analyze"), "--data-dir", str(data), "-q"])
            t.run([t.tool("buildsvm"), "--data-dir", str(data), "-q"])
            digest(data, mail, "--now", m.iso(later))
            second = mail.messages()[3:]
            t.check(sorted(r for r, _ in second) == ["alice@example.org", "carol@example.org"],
                    f"day 2 goes to alice and carol: {[r for r, _ in second]}")
            fresh_ids = {p["id"] for p in fresh}
            for rcpt, msg in second:
                ids = m.paper_ids_in(msg)
                t.check(ids and set(ids) <= fresh_ids, f"{rcpt}: day 2 holds only new papers: {ids}")

            # 450 (retry next run), 550 (counted; disabled at 3).
            mail.set_rules({"alice@example.org": "450 4.2.1 mailbox busy, try later",
                            "carol@example.org": "550 5.1.1 no such user"})
            day3 = later + datetime.timedelta(days=1)
            extra = dict(papers[15])
            extra["id"] = "2612.90009"
            extra["published"] = extra["updated"] = m.iso(day3 - datetime.timedelta(hours=2))
            m.add_new_papers(data, [extra])
            t.run([t.tool("analyze"), "--data-dir", str(data), "-q"])
            t.run([t.tool("buildsvm"), "--data-dir", str(data), "-q"])
            before = len(mail.messages())
            for run in range(3):
                r = digest(data, mail, "--now", m.iso(day3 + datetime.timedelta(minutes=run)))
                t.check(r.returncode == 0, f"4xx/5xx answers are not a stage failure: {r.stderr}")
            t.check(len(mail.messages()) == before, "nothing accepted while refused")
            rows = dict(m.mail_sql(data, "SELECT u.username, m.disabled FROM mail_settings m JOIN users u "
                                         "ON u.id = m.user_id"))
            t.check(rows["carol"] == 1, "carol disabled after three 550s")
            t.check(rows["alice"] == 0, "alice (450) not disabled")
            mail.set_rules({"alice@example.org": "421 4.3.2 service shutting down"})
            digest(data, mail, "--now", m.iso(day3 + datetime.timedelta(minutes=5)))
            t.check(len(mail.messages()) == before, "421: retried later")
            mail.set_rules({})
            digest(data, mail, "--now", m.iso(day3 + datetime.timedelta(minutes=10)))
            t.check([r for r, _ in mail.messages()[before:]] == ["alice@example.org"],
                    "alice's digest goes out once the server accepts; carol stays disabled")

            # Alice's digest memory forgotten, so she has something to send again.
            m.mail_sql(data, "UPDATE mail_settings SET last_digest_at = ''")
            m.mail_sql(data, "DELETE FROM digest_seen")
            when = m.iso(day3 + datetime.timedelta(hours=1))

            # A mail server that cannot be reached: exit 75, nothing recorded.
            before = m.mail_sql(data, "SELECT user_id, last_digest_at, failures FROM mail_settings ORDER BY 1")
            dead = m.Smtp(root, t.free_port(), root / "none", root / "none.json", mail.ca)
            r = digest(data, dead, "--now", when, check=False)
            t.check(r.returncode == 75, f"unreachable server: exit 75, got {r.returncode}: {r.stderr}")
            t.check("unavailable" in r.stderr, r.stderr)
            t.check(m.mail_sql(data, "SELECT user_id, last_digest_at, failures FROM mail_settings ORDER BY 1")
                    == before, "nothing recorded when the server is unavailable")

            # Dry run: .eml files, nothing sent, nothing recorded.
            n = len(mail.messages())
            digest(data, mail, "--dry-run", "--now", when)
            t.check(len(mail.messages()) == n, "dry run sends nothing")
            eml = sorted((data / "digest-dry-run").glob("*.eml"))
            t.check([p.stem for p in eml] == ["alice"], f"dry run writes alice.eml: {eml}")
            msg = email.message_from_bytes(eml[0].read_bytes(), policy=email.policy.default)
            t.check(msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click", "dry-run message complete")
            t.check(m.mail_sql(data, "SELECT COUNT(*) FROM digest_seen")[0][0] == 0, "dry run records nothing")

            # The pipeline's digest stage (SMTP_URL set) runs the tool under the run's lock.
            n = len(mail.messages())
            flags = " ".join(["--smtp-user", mail.user, "--smtp-password-file", str(mail.password_file),
                              "--smtp-ca-file", str(mail.ca), "--max-per-minute", "0", "--now", when])
            r = t.run(["make", "-f", str(t.SOURCE_DIR / "Makefile.pipeline"), "digest", f"DATA_DIR={data}",
                       f"BIN={t.BIN_DIR}", f"SMTP_URL={mail.url}", f"MAIL_FROM={FROM}",
                       "BASE_URL=http://papers.example.org", f"DIGEST_FLAGS={flags}"], check=False)
            t.check(r.returncode == 0, f"make digest: {r.stdout}\n{r.stderr}")
            t.check([x for x, _ in mail.messages()[n:]] == ["alice@example.org"], "make digest sent alice's")

        r = t.run([t.tool("digest"), "--data-dir", str(data), "--from", "not-an-address",
                   "--base-url", "http://x.org", "--smtp-url", "smtp://127.0.0.1:1"], check=False)
        t.check(r.returncode == 2 and "--from" in r.stderr, f"bad --from: {r.returncode} {r.stderr}")
        print(f"test_digest_smtp: ok ({verification_mails} verification mails)")


if __name__ == "__main__":
    main()
