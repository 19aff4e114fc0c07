#!/usr/bin/env python3
"""serve on a data directory of real arXiv records: every page and API route, the account
flows (sign-up, log-in, log-out, password change, account deletion), save/unsave, top and
library, sessions ending when they must, and the security headers."""
import sys

sys.path.insert(0, __import__("os").path.dirname(__file__))
import asp_testlib as t  # noqa: E402
import serve_testlib as s  # noqa: E402
from serve_testlib import expect  # noqa: E402

PAPER_FIELDS = {"id", "version", "title", "authors", "abstract", "categories", "published",
                "updated", "thumb_url", "pdf_url", "abs_url", "in_library"}


def check_headers(r, what):
    csp = r.getheader("Content-Security-Policy") or ""
    t.check("script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp,
            f"{what}: CSP {csp!r}")
    t.check(r.getheader("X-Content-Type-Options") == "nosniff", f"{what}: nosniff")
    t.check(r.getheader("X-Frame-Options") == "DENY", f"{what}: X-Frame-Options")
    t.check(bool(r.getheader("Referrer-Policy")), f"{what}: Referrer-Policy")


def main():
    with t.temp_dir() as root:
        data, papers = s.make_data_dir(root)
        by_id = {p["id"]: p for p in papers}
        some = papers[0]
        stem = f"{some['id'].replace('/', '_')}v{some['version']}"
        (data / "thumbs" / f"{stem}.jpg").write_bytes(b"\xff\xd8\xff\xe0fake jpeg\xff\xd9")
        t.run([t.tool("analyze"), "--data-dir", str(data), "-q"])
        with s.serve(data, "--login-burst", "1000", "--num-results", "20") as (port, proc):
            anon = s.Client(port)

            # Recent: newest updated first, pages of 20, the JSON twin agrees.
            r = expect(anon.get("/"), 200, "recent page")
            check_headers(r, "/")
            t.check("csrf" in anon.cookies, "the first page sets the csrf cookie")
            t.check(r.text.count('<article class="paper"') == 20, "20 papers on page 1")
            r = expect(anon.json("GET", "/api/recent?limit=5&offset=0"), 200, "api recent")
            t.check(r.json["total"] == len(papers), f"total {r.json['total']} != {len(papers)}")
            t.check(len(r.json["papers"]) == 5, "limit 5")
            for p in r.json["papers"]:
                t.check(PAPER_FIELDS <= set(p), f"paper fields: {sorted(p)}")
                t.check(p["pdf_url"].startswith("https://arxiv.org/pdf/"), "pdf on arxiv.org")
                t.check(p["abs_url"] == f"https://arxiv.org/abs/{p['id']}v{p['version']}", "abs url")
                t.check(p["in_library"] is False, "anonymous: nothing saved")
            updated = [p["updated"] for p in anon.json("GET", "/api/recent?limit=200").json["papers"]]
            t.check(updated == sorted(updated, reverse=True), "recent is newest updated first")
            page2 = expect(anon.json("GET", "/api/recent?limit=5&offset=5"), 200, "offset").json
            t.check(page2["papers"][0]["id"] != r.json["papers"][0]["id"], "offset moves the window")
            t.check(r.json["papers"][0]["title"] in
                    [x["title"] for x in anon.json("GET", "/api/recent?limit=1").json["papers"]], "stable")
            v1 = anon.json("GET", "/api/recent?v1=1&limit=200").json
            t.check(v1["total"] == sum(1 for p in papers if p["version"] == 1), "only v1 count")
            t.check(all(p["version"] == 1 for p in v1["papers"]), "only v1")
            expect(anon.get("/?v1=1"), 200, "only-v1 page")
            r = expect(anon.get("/?page=2"), 200, "page 2")
            t.check("page 2 of" in r.text, "pager on page 2")
            # Thumbnails: the JSON points at them, serve serves them, only for papers that have one.
            pj = expect(anon.json("GET", f"/api/paper/{some['id']}"), 200, "api paper").json
            t.check(pj["total"] == 1 and pj["papers"][0]["id"] == some["id"], "api paper")
            t.check(pj["papers"][0]["thumb_url"] == f"/thumbs/{stem}.jpg", "thumb url")
            th = expect(anon.get(f"/thumbs/{stem}.jpg"), 200, "thumbnail")
            t.check(th.getheader("Content-Type") == "image/jpeg" and th.body.startswith(b"\xff\xd8"), "jpeg")
            other = papers[1]
            t.check(anon.json("GET", f"/api/paper/{other['id']}").json["papers"][0]["thumb_url"] is None,
                    "no thumb -> null")
            expect(anon.json("GET", "/api/paper/2101.00404"), 404, "unknown paper")
            # Static files.
            css = expect(anon.get("/static/style.css"), 200, "css")
            t.check(css.getheader("Content-Type").startswith("text/css"), "css type")
            expect(anon.get("/static/app.js"), 200, "js")
            h = expect(anon.json("GET", "/healthz"), 200, "healthz").json
            t.check(h["status"] == "ok" and h["papers"] == len(papers), f"healthz {h}")

            # Similar papers and search come from analyze's index.
            sim = expect(anon.json("GET", f"/api/similar/{some['id']}?limit=10"), 200, "api similar").json
            t.check(len(sim["papers"]) == 10 and sim["total"] >= 10, f"10 similar papers: {sim['total']}")
            t.check(some["id"] not in [p["id"] for p in sim["papers"]], "a paper is not its own neighbour")
            scores = [p["score"] for p in sim["papers"]]
            t.check(scores == sorted(scores, reverse=True) and 0 < scores[-1] <= 1, f"cosines {scores}")
            r = expect(anon.get(f"/similar/{some['id']}"), 200, "similar page")
            t.check(sim["papers"][0]["id"] in r.text, "the similar page lists the neighbours")
            expect(anon.json("GET", "/api/similar/2101.00404"), 404, "similar of unknown")
            hits = expect(anon.json("GET", "/api/search?q=diphoton&limit=5"), 200, "api search").json
            t.check(hits["total"] >= 1 and hits["papers"][0]["id"] == "0704.0001",
                    f"search finds the diphoton paper: {[p['id'] for p in hits['papers']]}")
            r = expect(anon.get("/search?q=diphoton"), 200, "search page")
            t.check("0704.0001" in r.text and 'value="diphoton"' in r.text, "search page shows hits")
            empty = expect(anon.json("GET", "/api/search?q="), 200, "empty search").json
            t.check(empty["total"] == 0, "empty query, no hits")

            # Personal pages need a session.
            expect(anon.json("GET", "/api/library"), 401, "library anonymous")
            expect(anon.json("GET", "/api/recommend"), 401, "recommend anonymous")
            t.check(anon.get("/library").status == 303, "library page -> log in")
            expect(anon.json("PUT", f"/api/library/{some['id']}"), 401, "save anonymous")

            # Sign-up (API) sets an HttpOnly SameSite session cookie.
            ada = s.Client(port)
            ada.get("/")
            r = expect(ada.json("POST", "/api/signup", {"username": "ada", "password": "correct horse"}),
                       200, "signup")
            sc = [v for k, v in r.getheaders() if k.lower() == "set-cookie" and v.startswith("session=")]
            t.check(sc and "HttpOnly" in sc[0] and "SameSite=" in sc[0], f"session cookie flags {sc}")
            expect(ada.json("POST", "/api/signup", {"username": "ada", "password": "another one"}),
                   409, "duplicate username")
            expect(ada.json("POST", "/api/signup", {"username": "bad name!", "password": "correct horse"}),
                   400, "bad username")
            expect(ada.json("POST", "/api/signup", {"username": "shorty", "password": "short"}),
                   400, "short password")
            # A failed log-in never creates an account.
            ghost = s.Client(port)
            ghost.get("/")
            expect(ghost.json("POST", "/api/login", {"username": "ghost", "password": "whatever it takes"}),
                   401, "unknown user")
            expect(ghost.json("POST", "/api/signup", {"username": "ghost", "password": "whatever it takes"}),
                   200, "ghost was not created by the failed login")

            # Save / unsave, library, in_library, top.
            saved_ids = [papers[3]["id"], papers[5]["id"], "2101.99991"]
            for pid in saved_ids:
                r = expect(ada.json("PUT", f"/api/library/{pid}"), 200, f"save {pid}")
                t.check(r.json["in_library"] is True, "saved")
            expect(ada.json("PUT", "/api/library/2101.00404"), 404, "save unknown paper")
            lib = expect(ada.json("GET", "/api/library"), 200, "library").json
            t.check(sorted(p["id"] for p in lib["papers"]) == sorted(saved_ids), f"library {lib}")
            t.check(all(p["in_library"] for p in lib["papers"]), "in_library in library")
            t.check(ada.json("GET", f"/api/paper/{papers[3]['id']}").json["papers"][0]["in_library"],
                    "in_library on a paper")
            r = expect(ada.get("/library"), 200, "library page")
            t.check(r.text.count('<article class="paper"') == 3, "3 papers in the library page")
            t.check('class="on">saved' in r.text, "saved buttons")
            expect(ghost.json("PUT", f"/api/library/{papers[5]['id']}"), 200, "ghost saves")
            top = expect(anon.json("GET", "/api/top?time=all"), 200, "top").json
            t.check(top["papers"][0]["id"] == papers[5]["id"] and top["papers"][0]["score"] == 2,
                    f"most saved first: {top['papers'][:1]}")
            t.check(top["total"] == 3, "top counts saved papers")
            # Top ranks papers *published* in the window (these are from 2007 and 2021): saves
            # made now do not make an old paper "top last week".
            for tf in ("day", "3days", "week", "month", "year", "all"):
                r = expect(anon.json("GET", f"/api/top?time={tf}"), 200, f"top {tf}")
                t.check(r.json["total"] == (3 if tf == "all" else 0), f"top {tf}: {r.json['total']}")
                expect(anon.get(f"/top?time={tf}"), 200, f"top page {tf}")
            t.check(anon.json("GET", "/api/top").json["total"] == 0, "top's default window is a week")
            expect(anon.json("GET", "/api/top?time=decade"), 400, "bad time filter")
            r = expect(ada.json("DELETE", f"/api/library/{papers[3]['id']}"), 200, "unsave")
            t.check(r.json["in_library"] is False and r.json["changed"] is True, "unsaved")
            t.check(len(ada.json("GET", "/api/library").json["papers"]) == 2, "library after unsave")
            # Recommendations: computed by serve at once (no buildsvm yet), then buildsvm's list
            # (trained on the same library) once it has run while serve runs; best first,
            # without the papers already saved.
            rec = expect(ada.json("GET", "/api/recommend?time=all"), 200, "recommend").json
            t.check(rec["total"] > 0 and rec["computed"] == "now", "computed before buildsvm")
            t.run([t.tool("buildsvm"), "--data-dir", str(data), "-q"])
            rec = expect(ada.json("GET", "/api/recommend?time=all&limit=10"), 200, "recommend").json
            t.check(rec["computed"] == "nightly", f"buildsvm's list once it ran: {rec['computed']}")
            t.check(rec["total"] > 10 and len(rec["papers"]) == 10, f"recommendations: {rec['total']}")
            mine = {p["id"] for p in ada.json("GET", "/api/library").json["papers"]}
            t.check(not mine & {p["id"] for p in rec["papers"]}, "saved papers are not recommended")
            scores = [p["score"] for p in rec["papers"]]
            t.check(scores == sorted(scores, reverse=True), "best first")
            r = expect(ada.get("/recommend?time=all"), 200, "recommend page")
            t.check(rec["papers"][0]["id"] in r.text, "the page shows the recommendations")
            for tf in ("day", "week", "month", "year"):
                expect(ada.json("GET", f"/api/recommend?time={tf}"), 200, f"recommend {tf}")
            t.check(ada.json("GET", "/api/recommend?time=year").json["total"] <= rec["total"],
                    "a time filter narrows")
            expect(ada.json("GET", "/api/recommend?time=forever"), 400, "bad recommend time")
            t.check(ghost.json("GET", "/api/recommend?time=all").json["total"] > 0, "every user with a library")

            # Form flows (no script): log in, save through the form, log out.
            bob = s.Client(port)
            expect(bob.get("/signup"), 200, "signup page")
            r = bob.request("POST", "/signup", {"username": "bob", "password": "bobs password", "next": "/library"},
                            form=True)
            t.check(r.status == 303 and r.getheader("Location") == "/library", f"form signup {r.status}")
            r = bob.request("POST", f"/library/{papers[7]['id']}",
                            {"action": "save", "next": "/?page=1"}, form=True)
            t.check(r.status == 303 and r.getheader("Location") == "/?page=1", f"form save {r.status}")
            t.check([p["id"] for p in bob.json("GET", "/api/library").json["papers"]] == [papers[7]["id"]],
                    "form save stored")
            r = bob.request("POST", f"/library/{papers[7]['id']}", {"action": "unsave", "next": "//evil.example"},
                            form=True)
            t.check(r.getheader("Location") == "/", "open redirect refused")
            expect(bob.get("/account"), 200, "account page")
            old_bob = dict(bob.cookies)
            r = bob.request("POST", "/logout", {}, form=True)
            t.check(r.status == 303, "form logout")
            t.check("session" not in bob.cookies, "logout clears the cookie")
            replay = s.Client(port)
            replay.cookies = old_bob
            expect(replay.json("GET", "/api/library"), 401, "a logged-out cookie is dead")
            r = bob.request("POST", "/login", {"username": "bob", "password": "wrong password"}, form=True)
            expect(r, 401, "form login, wrong password")
            r = bob.request("POST", "/login", {"username": "bob", "password": "bobs password"}, form=True)
            t.check(r.status == 303, "form login")
            expect(bob.json("GET", "/api/library"), 200, "logged in again")

            # Password change ends other sessions; the new password works, the old does not.
            ada2 = s.Client(port)
            ada2.get("/")
            expect(ada2.json("POST", "/api/login", {"username": "ada", "password": "correct horse"}), 200, "login")
            r = ada.request("POST", "/account/password", {"current": "wrong!!!!", "new": "battery staple"},
                            form=True)
            expect(r, 401, "password change needs the current password")
            r = ada.request("POST", "/account/password", {"current": "correct horse", "new": "battery staple"},
                            form=True)
            t.check(r.status == 303, f"password change {r.status} {r.text[:200]}")
            expect(ada.json("GET", "/api/library"), 200, "the changing session goes on")
            expect(ada2.json("GET", "/api/library"), 401, "other sessions end")
            expect(ada2.json("POST", "/api/login", {"username": "ada", "password": "correct horse"}),
                   401, "old password refused")
            expect(ada2.json("POST", "/api/login", {"username": "ada", "password": "battery staple"}),
                   200, "new password")
            # API logout ends every session of the user (one revision per user, no server state).
            expect(ada2.json("POST", "/api/logout"), 200, "api logout")
            expect(ada2.json("GET", "/api/library"), 401, "after api logout")
            expect(ada.json("GET", "/api/library"), 401, "logout ends the user's other sessions")
            expect(ada.json("POST", "/api/login", {"username": "ada", "password": "battery staple"}),
                   200, "log in again")

            # Account deletion removes the library; the session ends.
            stale = dict(ada.cookies)
            r = ada.request("POST", "/account/delete", {"password": "wrong one"}, form=True)
            expect(r, 401, "deletion needs the password")
            r = ada.request("POST", "/account/delete", {"password": "battery staple"}, form=True)
            t.check(r.status == 303 and r.getheader("Location") == "/", f"delete {r.status}")
            replay.cookies = stale
            expect(replay.json("GET", "/api/library"), 401, "deleted user's cookie is dead")
            top = anon.json("GET", "/api/top?time=all").json
            t.check(top["papers"] and all(p["score"] == 1 for p in top["papers"]),
                    f"ada's saves are gone: {top}")
            expect(ada2.json("POST", "/api/login", {"username": "ada", "password": "battery staple"}),
                   401, "deleted account cannot log in")

            # Every HTML page is well-formed enough and carries no inline script.
            for path in ["/", "/top", "/search?q=x", f"/similar/{some['id']}", "/login", "/signup"]:
                r = anon.get(path)
                t.check(r.status == 200 and "<script>" not in r.text.replace("&lt;script&gt;", ""),
                        f"{path}: no inline script")
            t.check(proc.poll() is None, "serve still runs")
    print("ok")


if __name__ == "__main__":
    main()
