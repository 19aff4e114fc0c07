#!/usr/bin/env python3
"""Instant recommendations (issue 11): serve trains a tag's SVM when the tag changed, measured
as a reader meets it, side by side with scikit-learn's LinearSVC(C=0.1, balanced) on the same
tf-idf matrix in the same run.

  bench_recommend.py --data DIR [--bin build/bin] [--sizes 5,50,500] [--changes 30]
                     [--writers 16] [--probe-seconds 20] [--sk-fits 3] [--no-doc]

DIR is a data directory with papers.db and analyze's index/ (e.g. one made by
bench/ml_fulltext.py + analyze for bench/bench_ml.sh: 50,000 full-text papers). The bench
works in its own directory (papers.db copied, index/ linked, a fresh users.db), starts serve
pinned to one core (taskset -c 0; the client runs on the other), and for each library size S:
  - a user tags S random papers with one tag, asks /api/recommend?tag=... once (the first
    model), then makes --changes changes (tag one more random paper, or untag one), each
    followed by one /api/recommend?tag=...: the latency of that request is the cost of a
    change (the model must be retrained: the answer says "computed": "now");
  - scikit-learn's LinearSVC fits the final tag on the same matrix (median of 3 fits, CPU);
    top-100 overlap of its ranking (saved papers left out) with serve's last answer.
Then concurrency: a probe client asks /, /api/search and /api/similar in a loop, alone (idle)
and while --writers users each change a 50-paper tag and ask for its recommendations in a loop;
the probe's p99 busy / idle is the starvation figure. serve's RSS (VmRSS, VmHWM) is read
after each phase. Writes the table into docs/benchmarks.md (section "Instant
recommendations") unless --no-doc.
"""
import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn import svm

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "integration"))
import ml_index  # noqa: E402

DOC = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- bench_recommend:begin -->", "<!-- bench_recommend:end -->"


def load_matrix(index_dir):
    g = ml_index.current_dir(index_dir)
    docs = ml_index.read_sections(g / "docs.bin", "DOCS")
    vocab = ml_index.read_sections(g / "vocab.bin", "VOCB")
    tfidf = ml_index.read_sections(g / "tfidf.bin", "TFID")
    ids = ml_index.strings(docs, "ids")
    n_terms = len(ml_index.arr(vocab, "idf", "d"))
    ptr = np.frombuffer(tfidf["row_ptr"], dtype="<u8").astype(np.int64)
    col = np.frombuffer(tfidf["col"], dtype="<u4").astype(np.int32)
    val = np.frombuffer(tfidf["val"], dtype="<f4").astype(np.float64)
    return ids, sp.csr_matrix((val, col, ptr), shape=(len(ids), n_terms))


def percentile(values, p):
    v = sorted(values)
    if not v:
        return float("nan")
    k = min(len(v) - 1, max(0, int(round(p / 100.0 * (len(v) - 1)))))
    return v[k]


def proc_status(pid):
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        k, _, v = line.partition(":")
        if k in ("VmRSS", "VmHWM"):
            out[k] = int(v.split()[0]) / 1024.0
    return out


def cpu_seconds(pid):
    f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


class Client:
    """One reader: cookies kept, CSRF token echoed; one kept-alive connection."""

    def __init__(self, port):
        self.port, self.cookies, self.conn = port, {}, None

    def call(self, method, path, body=None):
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            h = {}
            if self.cookies:
                h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            if method not in ("GET", "HEAD") and "csrf" in self.cookies:
                h["X-CSRF-Token"] = self.cookies["csrf"]
            data = None
            if body is not None:
                data = json.dumps(body)
                h["Content-Type"] = "application/json"
            try:
                self.conn.request(method, path, body=data, headers=h)
                r = self.conn.getresponse()
                raw = r.read()
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
                continue
            for k, v in r.getheaders():
                if k.lower() == "set-cookie":
                    name, _, rest = v.partition("=")
                    self.cookies[name] = rest.split(";")[0]
            if r.getheader("Connection", "").lower() == "close":
                self.conn.close()
                self.conn = None
            return r.status, raw

    def json(self, method, path, body=None, ok=(200,)):
        status, raw = self.call(method, path, body)
        if status not in ok:
            raise RuntimeError(f"{method} {path}: {status} {raw[:300]!r}")
        return json.loads(raw) if raw else None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sign_up(port, name):
    c = Client(port)
    c.call("GET", "/")
    c.json("POST", "/api/signup", {"username": name, "password": f"bench password {name}"})
    return c


def recommend(c, tag):
    t0 = time.perf_counter()
    r = c.json("GET", f"/api/recommend?tag={tag}&limit=100&time=all")
    return time.perf_counter() - t0, r


def library_phase(port, pid, ids, x, size, changes, rng, sk_fits):
    c = sign_up(port, f"lib{size}")
    tagged = rng.sample(range(len(ids)), size)
    for i in tagged:
        c.json("PUT", f"/api/tags/t/{ids[i]}")
    first, _ = recommend(c, "t")
    lat, computed = [], set()
    cpu0 = cpu_seconds(pid)
    current = set(tagged)
    for k in range(changes):
        if k % 3 == 2 and len(current) > 1:  # every third change takes a paper out of the tag
            i = rng.choice(sorted(current))
            c.json("DELETE", f"/api/tags/t/{ids[i]}")
            current.discard(i)
        else:
            i = rng.randrange(len(ids))
            while i in current:
                i = rng.randrange(len(ids))
            c.json("PUT", f"/api/tags/t/{ids[i]}")
            current.add(i)
        dt, r = recommend(c, "t")
        lat.append(dt)
        computed.add(r.get("computed"))
    serve_cpu = (cpu_seconds(pid) - cpu0) / changes
    ours = [p["id"] for p in r["papers"]]
    y = np.zeros(len(ids))
    y[sorted(current)] = 1
    fits = []
    for _ in range(sk_fits):
        clf = svm.LinearSVC(C=0.1, class_weight="balanced")
        t0 = time.process_time()
        clf.fit(x, y)
        fits.append(time.process_time() - t0)
    s = clf.decision_function(x)
    # Untagging keeps a paper in the library: leave every saved paper out of the reference.
    library, offset = set(), 0
    while True:
        page = c.json("GET", f"/api/library?limit=200&offset={offset}")["papers"]
        library |= {p["id"] for p in page}
        offset += len(page)
        if not page:
            break
    ref = [ids[j] for j in np.argsort(-s, kind="stable") if ids[j] not in library][:100]
    overlap = len(set(ref) & set(ours[:100])) / max(1, len(ref))
    return {"size": size, "first_s": first, "p50": percentile(lat, 50), "p99": percentile(lat, 99),
            "max": max(lat), "serve_cpu": serve_cpu, "sk_cpu": statistics.median(fits),
            "overlap": overlap, "computed": sorted(x_ for x_ in computed if x_)}


def probe_loop(port, ids, stop, out):
    c = Client(port)
    rng = random.Random(7)
    words = ["distributed", "consensus", "graph", "learning", "gpu", "scheduling", "cache"]
    k = 0
    while not stop.is_set():
        kind = k % 3
        if kind == 0:
            path = "/"
        elif kind == 1:
            path = f"/api/search?q={rng.choice(words)}+{rng.choice(words)}"
        else:
            path = f"/api/similar/{rng.choice(ids)}"
        t0 = time.perf_counter()
        status, _ = c.call("GET", path)
        out.append((time.perf_counter() - t0, status))
        k += 1


def writer_loop(port, name, ids, stop, out, seed):
    rng = random.Random(seed)
    c = sign_up(port, name)
    current = set(rng.sample(range(len(ids)), 50))
    for i in current:
        c.json("PUT", f"/api/tags/w/{ids[i]}")
    while not stop.is_set():
        i = rng.randrange(len(ids))
        if i in current:
            continue
        c.json("PUT", f"/api/tags/w/{ids[i]}")
        current.add(i)
        dt, _ = recommend(c, "w")
        out.append(dt)


def probe(port, ids, seconds, writers):
    stop = threading.Event()
    lat, wlat = [], []
    threads = [threading.Thread(target=writer_loop, args=(port, f"writer{k}", ids, stop, wlat, k))
               for k in range(writers)]
    for th in threads:
        th.start()
    if writers:
        time.sleep(2)  # the writers have signed up and tagged
    p = threading.Thread(target=probe_loop, args=(port, ids, stop, lat))
    p.start()
    time.sleep(seconds)
    stop.set()
    p.join()
    for th in threads:
        th.join()
    bad = sum(1 for _, st in lat if st != 200)
    return {"n": len(lat), "p50": percentile([d for d, _ in lat], 50),
            "p99": percentile([d for d, _ in lat], 99), "errors": bad,
            "writer_n": len(wlat), "writer_p50": percentile(wlat, 50), "writer_p99": percentile(wlat, 99)}


def write_doc(text):
    doc = DOC.read_text()
    if BEGIN in doc and END in doc:
        head, rest = doc.split(BEGIN, 1)
        doc = head + BEGIN + "\n" + text + END + rest.split(END, 1)[1]
    else:
        doc = doc.rstrip("\n") + "\n\n" + BEGIN + "\n" + text + END + "\n"
    DOC.write_text(doc)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True, type=Path)
    ap.add_argument("--bin", type=Path, default=ROOT / "build" / "bin")
    ap.add_argument("--sizes", default="5,50,500")
    ap.add_argument("--changes", type=int, default=30)
    ap.add_argument("--writers", type=int, default=16)
    ap.add_argument("--probe-seconds", type=float, default=20)
    ap.add_argument("--sk-fits", type=int, default=3, help="scikit-learn fits per library (median)")
    ap.add_argument("--no-doc", action="store_true")
    args = ap.parse_args()

    ids, x = load_matrix(args.data / "index")
    work = Path(tempfile.mkdtemp(prefix="asp-bench-rec-"))
    serve = None
    try:
        data = work / "data"
        data.mkdir()
        shutil.copy(args.data / "papers.db", data / "papers.db")
        (data / "index").symlink_to((args.data / "index").resolve())
        (data / "thumbs").mkdir()
        (work / "secret").write_text("b" * 48)
        port = free_port()
        log = open(work / "serve.log", "wb")
        serve = subprocess.Popen(
            ["taskset", "-c", "0", str(args.bin / "serve"), "--data-dir", str(data), "--port", str(port),
             "--secret-file", str(work / "secret"), "--login-burst", "1000"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.time() + 120
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if serve.poll() is not None or time.time() > deadline:
                    raise SystemExit(f"serve did not start: {(work / 'serve.log').read_text()[-2000:]}")
                time.sleep(0.2)
        os.sched_setaffinity(0, {1})
        Client(port).call("GET", "/")
        rss = {"start": proc_status(serve.pid)}
        rng = random.Random(1337)
        rows = []
        for size in [int(s) for s in args.sizes.split(",")]:
            rows.append(library_phase(port, serve.pid, ids, x, size, args.changes, rng, args.sk_fits))
            print(json.dumps(rows[-1]), flush=True)
        rss["libraries"] = proc_status(serve.pid)
        idle = probe(port, ids, args.probe_seconds, 0)
        print("idle", json.dumps(idle), flush=True)
        busy = probe(port, ids, args.probe_seconds, args.writers)
        print("busy", json.dumps(busy), flush=True)
        rss["end"] = proc_status(serve.pid)
        print("rss", json.dumps(rss), flush=True)
    finally:
        if serve and serve.poll() is None:
            os.killpg(serve.pid, signal.SIGTERM)
            serve.wait(20)
        shutil.rmtree(work, ignore_errors=True)

    nnz = x.nnz
    lines = [
        "## Instant recommendations (bench/bench_recommend.py)",
        "",
        f"`sudo /usr/bin/python3 bench/bench_recommend.py --data DIR` on {len(ids):,} papers "
        f"({x.shape[1]:,} terms, {nnz / len(ids):.0f} non-zeros per paper) from analyze's index; "
        f"serve pinned to one core, {args.changes} changes per library (tag one more paper, every "
        "third change untags one), each followed by `/api/recommend?tag=...` (a retrained model: "
        "`\"computed\": \"now\"`). scikit-learn: `LinearSVC(C=0.1, class_weight=\"balanced\")` on the "
        f"same matrix, CPU of one fit (median of {args.sk_fits}). Overlap: top 100 of both, saved papers left out. "
        f"Run on {time.strftime('%Y-%m-%d')}, on a shared 2-core machine (wall latencies are noisy; "
        "serve CPU per change is serve's own user+sys).",
        "",
        "| library | first model | change p50 | change p99 | serve CPU per change | scikit-learn fit CPU | CPU ratio | top-100 overlap |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        ratio = r["sk_cpu"] / r["serve_cpu"] if r["serve_cpu"] > 0 else float("nan")
        lines.append(f"| {r['size']} papers | {r['first_s'] * 1000:.0f} ms | {r['p50'] * 1000:.0f} ms | "
                     f"{r['p99'] * 1000:.0f} ms | {r['serve_cpu'] * 1000:.0f} ms | {r['sk_cpu'] * 1000:.0f} ms | "
                     f"{ratio:.1f}x | {r['overlap']:.2f} |")
    lines += [
        "",
        f"Other pages (`/`, `/api/search`, `/api/similar` in a loop, {args.probe_seconds:.0f} s) alone and "
        f"while {args.writers} users change a 50-paper tag and ask for its recommendations in a loop:",
        "",
        "| run | probe requests | probe p50 | probe p99 | errors | writers' recommend p50 / p99 |",
        "| --- | --- | --- | --- | --- | --- |",
        f"| idle | {idle['n']} | {idle['p50'] * 1000:.1f} ms | {idle['p99'] * 1000:.1f} ms | {idle['errors']} | |",
        f"| {args.writers} writers | {busy['n']} | {busy['p50'] * 1000:.1f} ms | {busy['p99'] * 1000:.1f} ms | "
        f"{busy['errors']} | {busy['writer_p50'] * 1000:.0f} / {busy['writer_p99'] * 1000:.0f} ms ({busy['writer_n']} answers) |",
        "",
        f"Probe p99 busy / idle: {busy['p99'] / idle['p99']:.2f}x. serve's RSS after start "
        f"{rss['start']['VmRSS']:.0f} MB, after the libraries {rss['libraries']['VmRSS']:.0f} MB, at the end "
        f"{rss['end']['VmRSS']:.0f} MB (peak {rss['end']['VmHWM']:.0f} MB; the index is memory-mapped, so "
        "its pages that serve touched count in RSS).",
        "",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_doc:
        write_doc(text)


if __name__ == "__main__":
    main()
