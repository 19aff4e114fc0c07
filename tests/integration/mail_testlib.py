"""Helpers of the e-mail tests: a throw-away TLS certificate, a real SMTP server on 127.0.0.1
(tests/fakes/smtp_server.py over Debian's python3-aiosmtpd: STARTTLS + AUTH), the messages it
received, and a data directory of real arXiv records (committed fixture) with some papers made
"new" (published in the last hours) and users made through serve's API.

    with smtp(root) as mail:                 # mail.url, mail.ca, mail.user, mail.password_file
        mail.messages()                      # [(recipient, email.message.Message)], in order
        mail.set_rules({"bob@example.org": "550 5.1.1 no such user"})
"""
import contextlib
import datetime
import email
import email.policy
import json
import re
import sqlite3
import subprocess
from pathlib import Path

import asp_testlib as t
import serve_testlib as s

DEBIAN_PYTHON = "/usr/bin/python3"  # python3-aiosmtpd / python3-feedparser live there


def iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def make_cert(root):
    cert, key = root / "smtp-cert.pem", root / "smtp-key.pem"
    t.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
           "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
           "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"])
    return cert, key


class Smtp:
    def __init__(self, root, port, out, rules, cert):
        self.url = f"smtp://127.0.0.1:{port}"
        self.port = port
        self.out = out
        self.rules = rules
        self.ca = cert
        self.user = "mailer"
        self.password_file = root / "smtp-password"

    def set_rules(self, rules):
        tmp = self.rules.with_suffix(".tmp")
        tmp.write_text(json.dumps({k.lower(): v for k, v in rules.items()}))
        tmp.replace(self.rules)

    def files(self):
        return sorted(p for p in self.out.glob("*.eml"))

    def messages(self):
        out = []
        for p in self.files():
            rcpt = p.name.split("-", 1)[1][:-4]
            out.append((rcpt, email.message_from_bytes(p.read_bytes(), policy=email.policy.default)))
        return out

    def digest_args(self):
        return ["--smtp-url", self.url, "--smtp-user", self.user, "--smtp-password-file",
                str(self.password_file), "--smtp-ca-file", str(self.ca)]

    def serve_args(self):
        return self.digest_args()


@contextlib.contextmanager
def smtp(root, delay=0.0, name="smtp"):
    cert, key = make_cert(root)
    out = root / f"{name}-out"
    rules = root / f"{name}-rules.json"
    rules.write_text("{}")
    port = t.free_port()
    server = Smtp(root, port, out, rules, cert)
    server.password_file.write_text("s3cret-pass\n")
    args = [DEBIAN_PYTHON, str(t.FAKES / "smtp_server.py"), "--port", str(port), "--out", str(out),
            "--tls-cert", str(cert), "--tls-key", str(key), "--auth", "mailer:s3cret-pass",
            "--rules", str(rules), "--delay", str(delay)]
    with t.background(args, port=port, log_path=root / f"{name}.log"):
        yield server


def fixture_data_dir(root, new_count=8, hostile_new=True):
    """papers.db from the committed real records; the first `new_count` papers are re-dated to
    the last hours (what a day's fetch brings); returns (data_dir, papers, new_ids)."""
    data = root / "data"
    papers = s.kaggle_papers(20, path=s.KAGGLE_FIXTURE) + s.HOSTILE
    now = utcnow()
    new_ids = []
    for i, p in enumerate(papers[:new_count]):
        p["published"] = p["updated"] = iso(now - datetime.timedelta(hours=2 + i))
        new_ids.append(p["id"])
    if hostile_new:  # a hostile title among the new papers: the mail must show it as text
        h = papers[-1]
        h["published"] = h["updated"] = iso(now - datetime.timedelta(hours=1))
        new_ids.append(h["id"])
    s.write_papers(data, papers)
    (data / "thumbs").mkdir(exist_ok=True)
    return data, papers, new_ids


def add_new_papers(data, papers):
    """Adds papers (dicts) to an existing papers.db through the helper (a later day's fetch)."""
    s.write_papers(data, papers)


def recs(data, username):
    r = t.run([t.tool("buildsvm"), "--data-dir", str(data), "--recs", username, "--top", "100000"])
    return [json.loads(line) for line in r.stdout.splitlines() if line.strip()]


def expected_digest(data, username, candidates, per_tag=10):
    """What the digest must hold: the candidates in buildsvm's order, top per_tag."""
    ranked = [x["id"] for x in recs(data, username) if x["id"] in candidates]
    return ranked[:per_tag]


def paper_ids_in(message):
    """The arXiv ids a digest lists (from its text part's arXiv links), in order."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    return re.findall(r"arXiv: https://arxiv\.org/abs/(\S+?)v\d+", text)


def mail_sql(data, query, args=()):
    db = sqlite3.connect(Path(data) / "users.db")
    try:
        rows = db.execute(query, args).fetchall()
        db.commit()
        return rows
    finally:
        db.close()


def feedparse(url_or_text):
    """feedparser (Debian's) on a feed text; returns its JSON-able summary."""
    code = r"""
import json, sys, feedparser
f = feedparser.parse(sys.stdin.read())
print(json.dumps({"bozo": int(f.bozo), "bozo_exception": str(f.get("bozo_exception", "")),
  "version": f.version, "title": f.feed.get("title"), "link": f.feed.get("link"),
  "entries": [{"title": e.get("title"), "link": e.get("link"), "id": e.get("id"),
               "author": e.get("author"), "summary": e.get("summary"),
               "tags": [x["term"] for x in e.get("tags", [])], "published": e.get("published"),
               "comments": e.get("comments")} for e in f.entries]}))
"""
    r = subprocess.run([DEBIAN_PYTHON, "-c", code], input=url_or_text, capture_output=True,
                       text=True, timeout=60)
    t.check(r.returncode == 0, f"feedparser failed: {r.stderr[-500:]}")
    return json.loads(r.stdout)
