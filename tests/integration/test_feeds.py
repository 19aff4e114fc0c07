#!/usr/bin/env python3
"""RSS feeds through the real serve: /feeds/recent.xml, /feeds/top.xml, /feeds/search.xml and a
private recommendations feed, each parsed by Debian's python3-feedparser without errors, items
complete (title, the paper's page on the site, arXiv link, authors, abstract, categories,
date), hostile text escaped, ETag/Last-Modified answered with 304, the private token revoked
-> 404, forged -> 404."""
import sys

sys.path.insert(0, __import__("os").path.dirname(__file__))
import asp_testlib as t  # noqa: E402
import mail_testlib as m  # noqa: E402
import serve_testlib as s  # noqa: E402
from serve_testlib import expect  # noqa: E402

BASE = "https://papers.example.org"


def main():
    with t.temp_dir() as root:
        data, papers, new_ids = m.fixture_data_dir(root)
        by_id = {p["id"]: p for p in papers}
        t.run([t.tool("analyze"), "--data-dir", str(data), "-q"])
        with s.serve(data, "--base-url", BASE, "--login-burst", "1000") as (port, _):
            c = s.Client(port)
            c.get("/")
            expect(c.json("POST", "/api/signup", {"username": "fiona", "password": "feeds-are-fine-1"}),
                   200, "signup")
            for pid in new_ids[:3]:
                expect(c.json("PUT", f"/api/library/{pid}"), 200, "save")

            r = expect(c.get("/feeds/recent.xml"), 200, "recent feed")
            t.check(r.getheader("Content-Type").startswith("application/rss+xml"), r.getheader("Content-Type"))
            f = m.feedparse(r.text)
            t.check(f["bozo"] == 0, f"recent feed parses cleanly: {f['bozo_exception']}")
            t.check(f["version"] == "rss20", f["version"])
            t.check(len(f["entries"]) == len(papers), f"{len(f['entries'])} entries")
            for e in f["entries"]:
                pid = e["id"].split(":", 1)[1].rsplit("v", 1)[0]
                p = by_id[pid]
                t.check(e["title"] == " ".join(p["title"].split()) or e["title"] == p["title"],
                        f"title {e['title']!r} vs {p['title']!r}")
                t.check(e["link"].startswith(BASE + "/similar/"), e["link"])
                t.check(e["comments"].startswith("https://arxiv.org/abs/" + pid), e["comments"])
                t.check(set(e["tags"]) == set(p["categories"]), f"categories {e['tags']}")
                t.check(e["published"], "date")
                if p["authors"]:
                    t.check(p["authors"][0].split()[-1] in (e["author"] or ""), f"author {e['author']}")
            t.check(any(e["title"] == s.HOSTILE[0]["title"] for e in f["entries"]),
                    "a hostile title comes through as text")
            t.check("<script>" not in r.text, "no raw script element in the XML")

            etag, modified = r.getheader("ETag"), r.getheader("Last-Modified")
            t.check(etag and modified, "ETag and Last-Modified")
            expect(c.get("/feeds/recent.xml", headers={"If-None-Match": etag}), 304, "If-None-Match")
            expect(c.get("/feeds/recent.xml", headers={"If-Modified-Since": modified}), 304, "If-Modified-Since")
            expect(c.get("/feeds/recent.xml", headers={"If-None-Match": '"other"'}), 200, "other etag")
            expect(c.get("/feeds/recent.xml", headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}),
                   200, "old date")

            top = m.feedparse(expect(c.get("/feeds/top.xml"), 200, "top feed").text)
            t.check(top["bozo"] == 0, top["bozo_exception"])
            t.check({e["id"].split(":", 1)[1].rsplit("v", 1)[0] for e in top["entries"]} == set(new_ids[:3]),
                    "top feed: the papers readers saved this week")
            word = papers[0]["title"].split()[0]
            search = m.feedparse(expect(c.get("/feeds/search.xml?q=" + word), 200, "search feed").text)
            t.check(search["bozo"] == 0 and search["entries"], "search feed")
            expect(c.get("/feeds/search.xml"), 400, "search feed without q")
            expect(c.get("/feeds/search.xml?q=" + "x" * 10000), 400, "10 kB query")

            # Private feed: created, parsed, revoked.
            expect(c.json("POST", "/api/account/feed", csrf=False), 403, "feed token needs CSRF")
            acct = expect(c.json("POST", "/api/account/feed"), 200, "new feed token").json
            url = acct["feed"]
            t.check(url.startswith(BASE + "/feeds/u/") and url.endswith("/recommend.xml"), url)
            path = url[len(BASE):]
            t.check(path.split("/")[3] in c.get("/account").text, "the token is shown on the account page")
            anon = s.Client(port)
            r = expect(anon.get(path), 200, "private feed (no session needed)")
            pf = m.feedparse(r.text)
            t.check(pf["bozo"] == 0, pf["bozo_exception"])
            t.check("fiona" in pf["title"], pf["title"])
            expect(anon.get(path[:-20] + "x" * 6 + path[-14:]), 404, "forged token")
            expect(anon.get("/feeds/u/abc/recommend.xml"), 404, "short token")
            expect(c.json("DELETE", "/api/account/feed"), 200, "revoke")
            expect(anon.get(path), 404, "revoked feed")
        print("test_feeds: ok")


if __name__ == "__main__":
    main()
