#!/usr/bin/env python3
"""Discussions, follows and /hot through serve's API and pages, on both user stores (SQLite,
then PostgreSQL through pg_testlib), each with two serve instances on one store (the second
with a small daily limit): comments and their tags, editing and deleting (403 on another's),
folding at 3 spam/troll tags, admin hide/delete logged, rate limits (429 + Retry-After), CSRF
on every write, hostile text escaped in HTML and JSON, bad input (empty, 5,001 characters,
invalid UTF-8, NUL, unknown paper/tag/comment, 10,000 tag toggles) -> 4xx never 5xx and
nothing half-written, account deletion leaving "[deleted]", comment counts on listings,
public libraries, follows, /friends, /u/<name>, /discussions and /hot."""
import http.client
import json
import os
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
import asp_testlib as t  # noqa: E402
import pg_testlib as pg  # noqa: E402
import serve_testlib as s  # noqa: E402
from serve_testlib import expect  # noqa: E402

statuses = []
PASSWORD = "long enough"
HOSTILE_TEXT = "<script>alert('c1')</script> \"><img src=x onerror=alert(2)> & see https://example.org/a?b=1&c=<x>."


def call(c, method, path, body=None, **kw):
    r = c.json(method, path, body, **kw)
    statuses.append((method, path[:80], r.status))
    return r


def q(name):
    return urllib.parse.quote(name, safe="")


def user(port, name):
    c = s.Client(port)
    c.get("/")
    r = call(c, "POST", "/api/signup", {"username": name, "password": PASSWORD})
    if r.status != 200:
        expect(call(c, "POST", "/api/login", {"username": name, "password": PASSWORD}), 200, f"login {name}")
    return c


def comments(c, pid):
    return expect(call(c, "GET", f"/api/comments/{pid}"), 200, "list comments").json


def toggles(c, cid, n):
    """n tag toggles on one keep-alive connection; the statuses seen."""
    conn = http.client.HTTPConnection("127.0.0.1", c.port, timeout=30)
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in c.cookies.items()), "X-CSRF-Token": c.cookies["csrf"]}
    seen = set()
    for i in range(n):
        conn.request("PUT" if i % 2 == 0 else "DELETE", f"/api/comments/{cid}/tags/agree", headers=headers)
        r = conn.getresponse()
        r.read()
        seen.add(r.status)
    conn.close()
    return seen


def contract(port, port2, papers, log_path):
    ids = [p["id"] for p in papers]
    pid, pid2 = ids[0], ids[1]
    ada, bob, cy, dee, root = (user(port, n) for n in ("ada", "bob", "cy", "dee", "root"))
    anon = s.Client(port)
    anon.get("/")

    # Anonymous: reading works, writing needs a session.
    t.check(comments(anon, pid) == {"comments": [], "total": 0}, "no comments yet")
    expect(call(anon, "POST", f"/api/comments/{pid}", {"text": "hi"}), 401, "anonymous post")
    before = call(anon, "GET", "/api/recent?limit=200").json["papers"]
    t.check(len(before) == 40 and all(p["comment_count"] == 0 for p in before), "comment_count on every card")
    t.check("discuss</a>" in anon.get("/").text, "a discuss link on the cards")

    # Post: 201 with the comment; paragraphs kept, CR LF as LF.
    r = expect(call(ada, "POST", f"/api/comments/{pid}", {"text": "First.\r\n\r\nSecond paragraph\nline two"}),
               201, "post")
    first = r.json
    t.check(first["user"] == "ada" and first["text"] == "First.\n\nSecond paragraph\nline two", first)
    t.check(first["version"] == papers[0]["version"] and first["edited"] is None, first)
    t.check(first["tags"] == {} and first["my_tags"] == [] and first["folded"] is False, first)
    hostile = expect(call(bob, "POST", f"/api/comments/{pid}", {"text": HOSTILE_TEXT}), 201, "hostile post").json
    t.check(hostile["text"] == HOSTILE_TEXT, "JSON keeps the text as written")
    listed = comments(anon, pid)
    t.check([x["cid"] for x in listed["comments"]] == [first["cid"], hostile["cid"]] and listed["total"] == 2,
            "oldest first")
    # The other instance sees the same discussion at once; anonymous listings count it.
    other = s.Client(port2)
    t.check(comments(other, pid)["total"] == 2, "the second instance sees both comments")
    after = {p["id"]: p["comment_count"] for p in call(anon, "GET", "/api/recent?limit=200").json["papers"]}
    t.check(after[pid] == 2, f"anonymous (cached) listing counts the new comments: {after.get(pid)}")
    t.check('2 comments</a>' in anon.get("/").text, "the recent page shows the count")

    # The page: escaped text, linked URLs (nofollow ugc noopener), paragraphs, the form.
    page = expect(ada.get(f"/discuss/{pid}"), 200, "discussion page").text
    t.check("<script>alert('c1')" not in page and "<img src=x" not in page, "comment HTML escaped")
    t.check("&lt;script&gt;alert(&#39;c1&#39;)&lt;/script&gt;" in page, "comment shown as text")
    t.check('<a href="https://example.org/a?b=1&amp;c=" rel="nofollow ugc noopener">' in page, "URL linked")
    t.check("<p>First.</p><p>Second paragraph<br>line two</p>" in page, "paragraphs and line breaks")
    t.check('action="/discuss/' in page and 'name="text"' in page, "the comment form")
    r = anon.get(f"/discuss?id={pid}")
    t.check(r.status in (301, 302, 303) and r.getheader("Location") == f"/discuss/{pid}", "the original's URL")
    t.check("Log in</a> to join" in anon.get(f"/discuss/{pid}").text, "anonymous: a log-in link")

    # Only the author edits or deletes: 403 for anyone else, nothing changed.
    expect(call(bob, "PATCH", f"/api/comments/{first['cid']}", {"text": "hijacked"}), 403, "edit another's")
    expect(call(bob, "DELETE", f"/api/comments/{first['cid']}"), 403, "delete another's")
    t.check(comments(anon, pid)["comments"][0]["text"] == first["text"], "refused edit changed nothing")
    r = expect(call(ada, "PATCH", f"/api/comments/{first['cid']}", {"text": "First, edited."}), 200, "edit own")
    t.check(r.json["text"] == "First, edited." and r.json["edited"], r.json)

    # Comment tags: the original's set, not on one's own, counted per user.
    expect(call(ada, "PUT", f"/api/comments/{first['cid']}/tags/insightful%21"), 403, "tag own comment")
    expect(call(bob, "PUT", f"/api/comments/{first['cid']}/tags/awesome"), 400, "unknown tag")
    expect(call(bob, "PUT", f"/api/comments/{first['cid']}/tags/%3Cscript%3E"), 400, "hostile tag name")
    r = expect(call(bob, "PUT", f"/api/comments/{first['cid']}/tags/insightful%21"), 200, "tag")
    t.check(r.json["tags"] == {"insightful!": 1} and r.json["my_tags"] == ["insightful!"], r.json)
    expect(call(cy, "PUT", f"/api/comments/{first['cid']}/tags/thank%20you"), 200, "tag with a space")
    t.check(comments(anon, pid)["comments"][0]["tags"] == {"insightful!": 1, "thank you": 1}, "counts")
    seen = toggles(dee, first["cid"], 10000)
    t.check(seen == {200}, f"10,000 tag toggles: {seen}")
    t.check("agree" not in comments(anon, pid)["comments"][0]["tags"], "an even number of toggles: untagged")

    # Folding at 3 readers tagging spam or troll.
    for c, tag in ((ada, "spam"), (cy, "troll")):
        expect(call(c, "PUT", f"/api/comments/{hostile['cid']}/tags/{tag}"), 200, "flag")
    t.check(comments(anon, pid)["comments"][1]["folded"] is False, "two flaggers: not folded")
    expect(call(dee, "PUT", f"/api/comments/{hostile['cid']}/tags/spam"), 200, "third flagger")
    t.check(comments(anon, pid)["comments"][1]["folded"] is True, "three flaggers: folded")
    t.check('<details class="folded">' in anon.get(f"/discuss/{pid}").text, "folded on the page")

    # CSRF on every write: 403 without or with a wrong token, and nothing changes.
    state = json.dumps(comments(anon, pid), sort_keys=True)
    writes = [("POST", f"/api/comments/{pid}", {"text": "no token"}),
              ("PATCH", f"/api/comments/{first['cid']}", {"text": "no token"}),
              ("DELETE", f"/api/comments/{first['cid']}", None),
              ("PUT", f"/api/comments/{hostile['cid']}/tags/agree", None),
              ("DELETE", f"/api/comments/{hostile['cid']}/tags/spam", None),
              ("POST", f"/api/comments/{hostile['cid']}/hide", None),
              ("PUT", "/api/account/public", {"public": True}),
              ("PUT", "/api/follow/bob", None), ("DELETE", "/api/follow/bob", None)]
    for method, path, body in writes:
        for c in (ada, root):
            expect(call(c, method, path, body, csrf=False), 403, f"{method} {path} without CSRF")
            expect(call(c, method, path, body, headers={"X-CSRF-Token": "forged"}, csrf=False), 403,
                   f"{method} {path} with a wrong token")
    for path, fields in [(f"/discuss/{pid}", {"text": "form"}), (f"/comment/{first['cid']}", {"action": "delete"}),
                         (f"/comment/{hostile['cid']}", {"action": "tag", "tag": "agree"}),
                         ("/follow/bob", {"action": "follow"}), ("/account/public", {"public": "1"})]:
        r = ada.request("POST", path, fields, form=True, csrf=False)
        t.check(r.status == 403, f"form {path} without CSRF: {r.status}")
    t.check(json.dumps(comments(anon, pid), sort_keys=True) == state, "refused writes changed nothing")
    t.check(call(ada, "GET", "/api/following").json == {"following": []}, "no follow written")

    # Bad input: 4xx, never 5xx, nothing written.
    for body, what in [({"text": ""}, "empty"), ({"text": " \n\t "}, "blank"), ({"text": "x" * 5001}, "5,001"),
                       ({"text": "nul\u0000byte"}, "NUL"), ({"text": "bell\u0007"}, "control"),
                       ({"text": "bidi \u202e override"}, "bidi override"), ({"text": 5}, "not a string"),
                       ({}, "no text"), ("not json", "not JSON")]:
        r = call(ada, "POST", f"/api/comments/{pid2}", body)
        t.check(r.status == 400, f"{what}: {r.status} {r.text[:200]}")
    r = ada.request("POST", f"/api/comments/{pid2}", b'{"text": "bad \xff\xfe utf-8"}',
                    headers={"Content-Type": "application/json"})
    t.check(r.status == 400, f"invalid UTF-8 JSON: {r.status}")
    r = ada.request("POST", f"/discuss/{pid2}", b"text=bad%FF%FEutf8", form=False,
                    headers={"Content-Type": "application/x-www-form-urlencoded", "X-CSRF-Token": ada.cookies["csrf"]})
    t.check(r.status in (400, 403), f"invalid UTF-8 form: {r.status}")
    r = ada.request("POST", f"/discuss/{pid2}", {"text": "bad\x00nul"}, form=True)
    t.check(r.status == 400, f"NUL in a form: {r.status}")
    expect(call(ada, "POST", "/api/comments/2112.99999", {"text": "hello"}), 404, "unknown paper")
    expect(call(ada, "POST", "/api/comments/not-an-id", {"text": "hello"}), 400, "bad paper id")
    expect(call(ada, "GET", "/api/comments/2112.99999"), 404, "list of an unknown paper")
    expect(call(ada, "PATCH", "/api/comments/999999", {"text": "x"}), 404, "edit unknown comment")
    expect(call(ada, "PATCH", "/api/comments/abc", {"text": "x"}), 400, "edit a bad id")
    expect(call(ada, "DELETE", "/api/comments/999999"), 404, "delete unknown comment")
    expect(call(ada, "PUT", "/api/comments/999999/tags/agree"), 404, "tag unknown comment")
    expect(call(ada, "PUT", "/api/comments/-1/tags/agree"), 400, "tag a negative id")
    t.check(comments(anon, pid2)["total"] == 0, "refused posts wrote nothing")
    r = expect(call(ada, "POST", f"/api/comments/{pid2}", {"text": "é" * 5000}), 201, "5,000 characters")
    t.check(len(r.json["text"]) == 5000, "kept whole")

    # Rate limit: 5 a minute, then 429 with Retry-After, by API and by form.
    eve = user(port, "eve")
    for i in range(5):
        expect(call(eve, "POST", f"/api/comments/{ids[2]}", {"text": f"burst {i}"}), 201, "within the limit")
    r = expect(call(eve, "POST", f"/api/comments/{ids[2]}", {"text": "one too many"}), 429, "sixth in a minute")
    retry = int(r.getheader("Retry-After") or 0)
    t.check(1 <= retry <= 61, f"Retry-After {retry}")
    r = eve.request("POST", f"/discuss/{ids[2]}", {"text": "by form"}, form=True)
    t.check(r.status == 429 and r.getheader("Retry-After"), f"form post rate limited: {r.status}")
    t.check(comments(anon, ids[2])["total"] == 5, "nothing written past the limit")
    # The second instance allows 1000 a minute but 8 a day: eve has 5 today.
    eve2 = user(port2, "eve")
    for i in range(3):
        expect(call(eve2, "POST", f"/api/comments/{ids[2]}", {"text": f"day {i}"}), 201, "within the day")
    r = expect(call(eve2, "POST", f"/api/comments/{ids[2]}", {"text": "ninth today"}), 429, "past the day")
    t.check(int(r.getheader("Retry-After") or 0) > 86000, f"a day's Retry-After: {r.getheader('Retry-After')}")

    # Deleting one's own.
    mine = expect(call(bob, "POST", f"/api/comments/{ids[3]}", {"text": "to delete"}), 201, "post").json
    expect(call(bob, "DELETE", f"/api/comments/{mine['cid']}"), 200, "delete own")
    expect(call(bob, "DELETE", f"/api/comments/{mine['cid']}"), 404, "gone")
    t.check(comments(anon, ids[3])["total"] == 0, "deleted comments leave the page")

    # Admin (serve --admin root): hide, unhide, delete any comment; logged; others refused.
    expect(call(ada, "POST", f"/api/comments/{hostile['cid']}/hide"), 403, "hide needs an admin")
    expect(call(ada, "GET", "/api/moderation"), 403, "the log needs an admin")
    r = expect(call(root, "POST", f"/api/comments/{hostile['cid']}/hide"), 200, "admin hides")
    t.check(r.json["hidden"] is True, r.json)
    t.check([x["cid"] for x in comments(anon, pid)["comments"]] == [first["cid"]], "hidden from readers")
    t.check(len(comments(root, pid)["comments"]) == 2, "admins still see it")
    t.check("[hidden by an admin]" in root.get(f"/discuss/{pid}").text, "marked for admins")
    expect(call(root, "POST", f"/api/comments/{hostile['cid']}/unhide"), 200, "admin unhides")
    expect(call(root, "DELETE", f"/api/comments/{hostile['cid']}"), 200, "admin deletes another's")
    t.check(comments(root, pid)["total"] == 1, "deleted")
    log = expect(call(root, "GET", "/api/moderation"), 200, "moderation log").json["log"]
    t.check([(e["action"], e["cid"], e["admin"]) for e in log] ==
            [("delete", hostile["cid"], "root"), ("unhide", hostile["cid"], "root"), ("hide", hostile["cid"], "root")],
            f"every admin action logged: {log}")
    t.check("moderation: root deleted comment" in log_path.read_text(), "and in serve's log")

    # No-script forms: post, tag, edit, delete.
    r = bob.request("POST", f"/discuss/{ids[4]}", {"text": "by form"}, form=True)
    t.check(r.status in (302, 303) and r.getheader("Location").startswith(f"/discuss/{ids[4]}#c"), f"form post: {r.status}")
    cid = int(r.getheader("Location").split("#c")[1])
    r = cy.request("POST", f"/comment/{cid}", {"action": "tag", "tag": "agree"}, form=True)
    t.check(r.status in (302, 303), f"form tag: {r.status}")
    t.check(comments(anon, ids[4])["comments"][0]["tags"] == {"agree": 1}, "tagged by form")
    r = bob.request("POST", f"/comment/{cid}", {"action": "edit", "text": "edited by form"}, form=True)
    t.check(r.status in (302, 303) and comments(anon, ids[4])["comments"][0]["text"] == "edited by form", "form edit")
    r = cy.request("POST", f"/comment/{cid}", {"action": "delete"}, form=True)
    t.check(r.status == 403, f"form delete of another's: {r.status}")
    page = bob.get(f"/discuss/{ids[4]}").text
    t.check("<summary>edit</summary>" in page and 'value="delete"' in page, "own comment: edit and delete")

    # Discussions tab: by latest comment.
    d = expect(call(anon, "GET", "/api/discussions"), 200, "discussions").json
    t.check(d["papers"][0]["id"] == ids[4] and d["total"] == 4, f"latest first: {[p['id'] for p in d['papers']]}")
    t.check(ids[4] in anon.get("/discussions").text, "discussions page")

    # Follows and public libraries.
    for pid_ in ids[5:8]:
        expect(call(bob, "PUT", f"/api/library/{pid_}"), 200, "bob saves")
    expect(call(cy, "PUT", f"/api/library/{ids[7]}"), 200, "cy saves")
    expect(call(ada, "PUT", "/api/follow/bob"), 200, "follow")
    r = expect(call(ada, "PUT", "/api/follow/bob"), 200, "follow again")
    t.check(r.json == {"username": "bob", "following": True, "changed": False}, r.json)
    expect(call(ada, "PUT", "/api/follow/cy"), 200, "follow cy")
    expect(call(ada, "PUT", "/api/follow/nobody"), 404, "follow an unknown user")
    expect(call(ada, "PUT", "/api/follow/ada"), 400, "follow oneself")
    expect(call(anon, "GET", "/api/friends"), 401, "friends need a session")
    t.check(call(ada, "GET", "/api/friends").json["total"] == 0, "private libraries show nothing")
    t.check("This library is private." in ada.get("/u/bob").text, "/u/bob says private")
    expect(call(bob, "PUT", "/api/account/public", {"public": "yes"}), 400, "public must be a boolean")
    expect(call(bob, "PUT", "/api/account/public", {"public": True}), 200, "bob goes public")
    expect(call(cy, "PUT", "/api/account/public", {"public": True}), 200, "cy goes public")
    f = call(ada, "GET", "/api/friends").json
    t.check([p["id"] for p in f["papers"]] == [ids[7], ids[6], ids[5]], f"newest saved first: {f}")
    t.check(f["papers"][0]["saved_by"] == ["cy", "bob"], f["papers"][0].get("saved_by"))
    expect(call(ada, "GET", "/api/friends?time=forever"), 400, "bad time")
    page = expect(ada.get("/friends"), 200, "friends page").text
    t.check('class="saved-by">saved by <a href="/u/cy">cy</a>' in page, "who saved it")
    page = expect(ada.get("/u/bob"), 200, "public library").text
    t.check(ids[5] in page and 'value="unfollow"' in page, "bob's library with an unfollow button")
    expect(anon.get("/u/nobody"), 404, "unknown user page")
    t.check(call(ada, "GET", "/api/following").json["following"] ==
            [{"username": "bob", "public": True}, {"username": "cy", "public": True}], "following")
    expect(call(ada, "DELETE", "/api/follow/cy"), 200, "unfollow")
    t.check(call(ada, "GET", "/api/friends").json["papers"][0]["saved_by"] == ["bob"], "cy's saves gone")

    # Hot: readers who saved or discussed, each once per paper.
    expect(call(dee, "PUT", f"/api/library/{ids[7]}"), 200, "dee saves")
    expect(call(dee, "POST", f"/api/comments/{ids[7]}", {"text": "and comments"}), 201, "dee comments")
    h = expect(call(anon, "GET", "/api/hot?time=day"), 200, "hot").json
    top = {p["id"]: p["score"] for p in h["papers"]}
    t.check(top[ids[7]] == 3 and top[ids[5]] == 1 and top[pid] == 1 and ids[3] not in top, f"hot: {top}")
    t.check(h["papers"][0]["id"] == ids[7], "most active first")
    expect(call(anon, "GET", "/api/hot?time=year"), 400, "hot's windows are day, 3days, week")
    t.check("3 readers" in anon.get("/hot?time=3days").text, "hot page")

    # Deleting an account leaves its comments as "[deleted]".
    r = bob.request("POST", "/account/delete", {"password": PASSWORD}, form=True)
    t.check(r.status in (302, 303), f"account delete: {r.status}")
    gone = comments(anon, ids[4])  # bob's form comment
    t.check(gone["comments"][0]["user"] == "[deleted]" and gone["comments"][0]["text"] == "", gone)
    t.check("[deleted]" in anon.get(f"/discuss/{ids[4]}").text, "shown as [deleted]")
    t.check(call(ada, "GET", "/api/following").json["following"] == [], "follows of a deleted account go")

    fives = [x for x in statuses if x[2] >= 500]
    t.check(not fives, f"5xx answers: {fives[:5]}")


def run(root, users_db=None):
    data, papers = s.make_data_dir(root, limit=40, hostile=False)
    store = ["--users-db", users_db] if users_db else []
    with s.serve(data, "--login-burst", "1000", "--admin", "root", *store) as (port, _), \
         s.serve(data, "--login-burst", "1000", "--admin", "root", "--comments-per-minute", "1000",
                 "--comments-per-day", "8", *store, log_name="serve2.log") as (port2, _):
        contract(port, port2, papers, data.parent / "serve.log")


def main():
    with t.temp_dir() as root:
        run(root)
        print("SQLite: OK")
    with t.temp_dir() as root:
        with pg.postgres(root) as url:
            run(root, url)
        print("PostgreSQL: OK")


if __name__ == "__main__":
    main()
