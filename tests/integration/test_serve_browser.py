#!/usr/bin/env python3
"""Headless Chromium (Debian's chromium) through the site: sign up, search, save a paper, open
its similar papers and the library; KaTeX typesetting, thumbnail strips that fit the card at
1200 px and on a phone, chips linking to field searches, a long author list's expander, top,
inspect, the stats chart (also phone-sized), about, a discussion with hostile comments (nothing
of them becomes an element or a handler in the DOM; links are rel="nofollow ugc noopener"), a
comment tag by a click, following a public library and /friends, the HTML 404; no console errors (the CSP
would report inline script or style, or a blocked KaTeX font). Screenshots go to docs/screenshots/ when ASP_SCREENSHOTS=1 (how the
committed ones were made), else to a temporary folder."""
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import asp_testlib as t  # noqa: E402
import serve_testlib as s  # noqa: E402


def main():
    chromium = shutil.which("chromium")
    node = shutil.which("node")
    if not chromium or not node:
        t.missing("chromium or node is not installed")
    with t.temp_dir() as root:
        # Real records; sixty of them dated into the last 90 days, so the stats chart has bars.
        data = root / "data"
        papers = s.kaggle_papers(200)
        now = time.time()
        for i, p in enumerate(papers[100:160]):
            p["published"] = p["updated"] = time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                          time.gmtime(now - (i * 37 % 89) * 86400 - 3600))
        s.write_papers(data, papers)
        (data / "thumbs").mkdir(exist_ok=True)
        for p in papers[:40] + papers[100:160]:  # a thumbnail strip for some papers (any JPEG will do)
            src = t.FIXTURES / "serve" / "sample-thumb.jpg"
            if src.exists():
                shutil.copy(src, data / "thumbs" / f"{p['id'].replace('/', '_')}v{p['version']}.jpg")
        t.run([t.tool("analyze"), "--data-dir", str(data), "-q"])
        shots = t.SOURCE_DIR / "docs" / "screenshots" if os.environ.get("ASP_SCREENSHOTS") else root / "shots"
        shots.mkdir(parents=True, exist_ok=True)
        with s.serve(data, "--num-results", "20") as (port, proc):
            # "alice": a public library of three papers and a hostile comment on one of them.
            alice = s.Client(port)
            alice.get("/")
            s.expect(alice.json("POST", "/api/signup", {"username": "alice", "password": "a good password"}), 200, "alice")
            for p in papers[3:6]:  # not the diphoton paper (papers[0]) the flow saves
                s.expect(alice.json("PUT", f"/api/library/{p['id']}"), 200, "alice saves")
            s.expect(alice.json("PUT", "/api/account/public", {"public": True}), 200, "alice goes public")
            s.expect(alice.json("POST", f"/api/comments/{papers[3]['id']}",
                                {"text": '<script>alert("alice")</script> "><img src=x onerror="window.__xss=1">'}),
                     201, "alice comments")
            devtools = t.free_port()
            profile = root / "profile"
            browser = subprocess.Popen(
                [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", f"--user-data-dir={profile}", f"--remote-debugging-port={devtools}",
                 "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
            try:
                t.wait_for_port(devtools, 30, browser)
                r = t.run([node, "--experimental-websocket", str(t.SOURCE_DIR / "tests" / "integration" / "browser_flow.mjs"),
                           str(devtools), f"http://127.0.0.1:{port}", str(shots)], check=False, timeout=180)
                print(r.stdout, r.stderr)
                t.check(r.returncode == 0 and "ok" in r.stdout, "the browser flow failed")
            finally:
                browser.terminate()
                try:
                    browser.wait(10)
                except subprocess.TimeoutExpired:
                    browser.kill()
            for name in ["signup", "recent", "search", "saved", "similar", "library", "recent-phone",
                         "search-fields", "long-authors", "top", "inspect", "stats", "stats-phone",
                         "discussion", "friends"]:
                t.check((shots / f"{name}.png").stat().st_size > 5000, f"screenshot {name}")
    print("ok")


if __name__ == "__main__":
    main()
