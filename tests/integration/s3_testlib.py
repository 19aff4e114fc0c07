"""Local S3 for the sync tests: s3rver (npm, tests/fakes/s3) behind a proxy of our own that
recomputes every request's SigV4 signature independently (hmac/hashlib, from the bytes on the
wire) and can inject faults (500, 503 SlowDown, dropped connections, slowness); and a fake EC2
instance metadata service (IMDSv2).

s3rver does not verify signatures, so the proxy is what proves that each real request sync
sends is signed right.
"""
import contextlib
import datetime
import hashlib
import hmac
import http.client
import http.server
import json
import os
import shutil
import subprocess
import threading
import time
import urllib.parse
from pathlib import Path

import asp_testlib as t

S3_DIR = t.FAKES / "s3"
SECRETS = {"S3RVER": "S3RVER"}


def ensure_s3rver():
    """Path of the s3rver script, installing it (npm ci, pinned by package-lock.json) on first use."""
    script = S3_DIR / "node_modules" / "s3rver" / "bin" / "s3rver.js"
    if script.exists():
        return script
    if not shutil.which("node") or not shutil.which("npm"):
        t.missing("node/npm are not installed (scripts/install-deps.sh --test)")
    r = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=S3_DIR,
                       capture_output=True, text=True, timeout=600)
    if r.returncode != 0 or not script.exists():
        t.missing(f"cannot install s3rver with npm: {r.stderr[-400:]}")
    return script


@contextlib.contextmanager
def s3rver(workdir, buckets=("bkt",)):
    """Runs s3rver on a free loopback port; yields its base URL."""
    script = ensure_s3rver()
    port = t.free_port()
    store = Path(workdir) / "s3rver-store"
    store.mkdir(parents=True, exist_ok=True)
    args = ["node", str(script), "-d", str(store), "-a", "127.0.0.1", "-p", str(port), "--silent"]
    for b in buckets:
        args += ["--configure-bucket", b]
    env = dict(os.environ, NODE_OPTIONS="--openssl-legacy-provider")
    with t.background(args, port=port, env=env, log_path=Path(workdir) / "s3rver.log", timeout=60):
        yield f"http://127.0.0.1:{port}"


# --- SigV4, recomputed from AWS's documentation, independently of the C++ code ------------

def _enc(s, keep_slash):
    safe = "-_.~" + ("/" if keep_slash else "")
    return urllib.parse.quote(s, safe=safe)


def _hm(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def verify_sigv4(method, raw_path, headers, body, secrets):
    """Returns None when the request's Authorization header is right, else why it is not."""
    auth = headers.get("authorization", "")
    if not auth.startswith("AWS4-HMAC-SHA256 "):
        return "no SigV4 Authorization header"
    fields = dict(p.strip().split("=", 1) for p in auth[len("AWS4-HMAC-SHA256 "):].split(","))
    akid, date, region, service, term = fields["Credential"].split("/")
    if term != "aws4_request" or service != "s3":
        return "bad credential scope"
    if akid not in secrets:
        return f"unknown access key {akid}"
    signed = fields["SignedHeaders"].split(";")
    for must in ("host", "x-amz-date", "x-amz-content-sha256"):
        if must not in signed:
            return f"{must} not signed"
    if "x-amz-security-token" in headers and "x-amz-security-token" not in signed:
        return "session token sent but not signed"
    payload = headers.get("x-amz-content-sha256", "")
    if payload != hashlib.sha256(body).hexdigest():
        return "x-amz-content-sha256 does not match the body"
    amz_date = headers["x-amz-date"]
    if not amz_date.startswith(date):
        return "x-amz-date outside the credential scope"
    skew = abs(datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(
        tzinfo=datetime.timezone.utc).timestamp() - time.time())
    if skew > 900:
        return "request time too skewed"
    path, _, query = raw_path.partition("?")
    canon_uri = _enc(urllib.parse.unquote(path), True)
    pairs = []
    for part in query.split("&") if query else []:
        k, _, v = part.partition("=")
        pairs.append((_enc(urllib.parse.unquote(k), False), _enc(urllib.parse.unquote(v), False)))
    canon_query = "&".join(f"{k}={v}" for k, v in sorted(pairs))
    canon_headers = "".join(f"{h}:{' '.join(headers.get(h, '').split())}\n" for h in signed)
    creq = "\n".join([method, canon_uri, canon_query, canon_headers, ";".join(signed), payload])
    scope = f"{date}/{region}/{service}/aws4_request"
    sts = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(creq.encode()).hexdigest()])
    key = _hm(_hm(_hm(_hm(("AWS4" + secrets[akid]).encode(), date), region), service), "aws4_request")
    expected = hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, fields["Signature"]):
        return "signature does not match"
    return None


class _LoopbackServer:
    """A threaded HTTP server on a free loopback port, running while the `with` block does."""

    def _listen(self, handler):
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


class S3Proxy(_LoopbackServer):
    """An HTTP proxy in front of s3rver that verifies SigV4 and injects faults.

    mode: "pass"; "500"/"503" (S3 error replies); "drop" (close the connection unanswered);
    fail_next: how many requests get `fail_mode` before passing again; delay: seconds added to
    each request (a slow S3, so a test can kill sync mid-transfer).
    """

    def __init__(self, upstream, secrets=None):
        self.upstream = urllib.parse.urlparse(upstream)
        self.secrets = dict(SECRETS, **(secrets or {}))
        self.mode = "pass"
        self.fail_next = 0
        self.fail_mode = "503"
        self.delay = 0.0
        self.verified = 0
        self.bad_signatures = []
        self.requests = []  # (method, path)
        self.tokens = set()  # session tokens seen (signed)
        self.lock = threading.Lock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _handle(self):
                n = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(n) if n else b""
                with proxy.lock:
                    mode = proxy.mode
                    if proxy.fail_next > 0:
                        proxy.fail_next -= 1
                        mode = proxy.fail_mode
                    proxy.requests.append((self.command, self.path))
                if proxy.delay:
                    time.sleep(proxy.delay)
                if mode == "drop":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if mode in ("500", "503"):
                    code = "InternalError" if mode == "500" else "SlowDown"
                    self._reply(int(mode), {"Content-Type": "application/xml"},
                                f"<Error><Code>{code}</Code><Message>injected</Message></Error>".encode())
                    return
                hdrs = {k.lower(): v for k, v in self.headers.items()}
                why = verify_sigv4(self.command, self.path, hdrs, body, proxy.secrets)
                if why:
                    with proxy.lock:
                        proxy.bad_signatures.append((self.command, self.path, why))
                    self._reply(403, {"Content-Type": "application/xml"},
                                f"<Error><Code>SignatureDoesNotMatch</Code><Message>{why}</Message></Error>".encode())
                    return
                with proxy.lock:
                    proxy.verified += 1
                    if "x-amz-security-token" in hdrs:
                        proxy.tokens.add(hdrs["x-amz-security-token"])
                conn = http.client.HTTPConnection(proxy.upstream.hostname, proxy.upstream.port, timeout=60)
                fwd = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "expect")}
                conn.request(self.command, self.path, body=body, headers=fwd)
                resp = conn.getresponse()
                data = resp.read()
                hdr = {k: v for k, v in resp.getheaders()
                       if k.lower() not in ("transfer-encoding", "connection", "content-length")}
                conn.close()
                self._reply(resp.status, hdr, data, head=self.command == "HEAD",
                            length=resp.getheader("content-length"))

            def _reply(self, status, headers, data, head=False, length=None):
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", length if head and length else str(len(data)))
                self.end_headers()
                if not head:
                    self.wfile.write(data)

            def _guarded(self):
                try:
                    self._handle()
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the client went away (a test killed it)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _guarded

        self._listen(Handler)

    def count(self, method, needle=""):
        with self.lock:
            return sum(1 for m, p in self.requests if m == method and needle in p)


class FakeImds(_LoopbackServer):
    """IMDSv2 on loopback: PUT /latest/api/token, then the role name, then its credentials
    (only with the token); credentials expire `lifetime` seconds from each fetch."""

    def __init__(self, role="asp-sync-role", akid="ASIAFAKEROLE", secret="role-secret",
                 lifetime=3600):
        self.role, self.akid, self.secret, self.lifetime = role, akid, secret, lifetime
        self.token = "imds-token-" + os.urandom(6).hex()
        self.calls = []
        self.credential_fetches = 0
        imds = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _send(self, code, text):
                data = text.encode()
                self.send_response(code)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_PUT(self):
                imds.calls.append(("PUT", self.path))
                if self.path != "/latest/api/token" or not self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
                    return self._send(400, "bad token request")
                self._send(200, imds.token)

            def do_GET(self):
                imds.calls.append(("GET", self.path))
                if self.headers.get("X-aws-ec2-metadata-token") != imds.token:
                    return self._send(401, "")
                base = "/latest/meta-data/iam/security-credentials/"
                if self.path == base:
                    return self._send(200, imds.role)
                if self.path == base + imds.role:
                    imds.credential_fetches += 1
                    exp = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=imds.lifetime)
                    return self._send(200, json.dumps({
                        "Code": "Success", "Type": "AWS-HMAC", "AccessKeyId": imds.akid,
                        "SecretAccessKey": imds.secret,
                        "Token": f"session-token-{imds.credential_fetches}",
                        "Expiration": exp.strftime("%Y-%m-%dT%H:%M:%SZ")}))
                self._send(404, "")

        self._listen(Handler)


def sync_env(endpoint, home, **extra):
    """The environment for `sync` against a local S3: static S3RVER keys, no other AWS config."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID="S3RVER", AWS_SECRET_ACCESS_KEY="S3RVER", AWS_ENDPOINT_URL=endpoint,
               AWS_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true", HOME=str(home))
    env.update({k: str(v) for k, v in extra.items()})
    return env


def tree_digest(root, skip_sqlite=False):
    """{relative path: sha256} of every synced file (names starting with '.' left out)."""
    out = {}
    root = Path(root)
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root)
        if any(part.startswith(".") for part in rel.parts) or not p.is_file():
            continue
        if p.name.endswith(("-wal", "-shm", "-journal")):
            continue
        if skip_sqlite and p.read_bytes()[:16] == b"SQLite format 3\x00":
            continue
        out[str(rel)] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out
