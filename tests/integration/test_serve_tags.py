#!/usr/bin/env python3
"""Tags and "not interested" through serve's API and pages, on both user stores (SQLite, then
PostgreSQL through pg_testlib; two serve instances on one PostgreSQL see the same tags at
once): the API contract, bad input (bad and 10 kB names, the 201st tag, unknown tags and papers
-> 4xx, never 5xx), CSRF on every write, unsaving untags, account deletion removes tags and
feedback, and the no-script forms."""
import os
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
import asp_testlib as t  # noqa: E402
import pg_testlib as pg  # noqa: E402
import serve_testlib as s  # noqa: E402
from serve_testlib import expect  # noqa: E402

statuses = []


def call(c, method, path, body=None, **kw):
    r = c.json(method, path, body, **kw)
    statuses.append((method, path[:80], r.status))
    return r


def q(name):
    return urllib.parse.quote(name, safe="")


def contract(port, papers, other_port):
    ids = [p["id"] for p in papers]
    c = s.Client(port)
    c.get("/")
    expect(call(c, "GET", "/api/tags"), 401, "tags need a session")
    expect(call(c, "POST", "/api/signup", {"username": "tagger", "password": "long enough"}), 200, "signup")
    t.check(expect(call(c, "GET", "/api/tags"), 200, "no tags").json == {"tags": []}, "no tags yet")

    # Tagging saves the paper; the answer says whether it changed.
    r = expect(call(c, "PUT", f"/api/tags/deep%20nets/{ids[0]}"), 200, "tag")
    t.check(r.json == {"id": ids[0], "tag": "deep nets", "changed": True}, r.json)
    t.check(call(c, "PUT", f"/api/tags/deep%20nets/{ids[0]}").json["changed"] is False, "idempotent")
    lib = call(c, "GET", "/api/library").json
    t.check([p["id"] for p in lib["papers"]] == [ids[0]], "tagging saves the paper")
    t.check(lib["papers"][0]["tags"] == ["deep nets"], f"tags on the card: {lib['papers'][0]}")
    for pid in ids[1:4]:
        expect(call(c, "PUT", f"/api/tags/deep%20nets/{q(pid)}"), 200, "tag more")
    expect(call(c, "PUT", f"/api/library/{ids[5]}"), 200, "save")
    expect(call(c, "PUT", f"/api/tags/rl/{ids[5]}"), 200, "tag a saved paper")
    expect(call(c, "PUT", f"/api/tags/rl/{ids[1]}"), 200, "a paper in two tags")
    tags = call(c, "GET", "/api/tags").json["tags"]
    t.check(tags == [{"name": "deep nets", "count": 4}, {"name": "rl", "count": 2}], tags)
    r = expect(call(c, "GET", "/api/library?tag=deep%20nets"), 200, "library by tag")
    t.check(sorted(p["id"] for p in r.json["papers"]) == sorted(ids[:4]), r.json)
    t.check(r.json["total"] == 4, r.json)

    # Another serve instance on the same store sees the same tags at once.
    if other_port:
        o = s.Client(other_port)
        o.get("/")
        expect(call(o, "POST", "/api/login", {"username": "tagger", "password": "long enough"}), 200, "login")
        t.check(call(o, "GET", "/api/tags").json["tags"] == tags, "the second instance sees the tags")
        expect(call(o, "PUT", f"/api/tags/rl/{ids[6]}"), 200, "tag on the second")
        t.check(call(c, "GET", "/api/tags").json["tags"][1]["count"] == 3, "...seen by the first")
        expect(call(c, "DELETE", f"/api/tags/rl/{ids[6]}"), 200, "untag")

    # Unknown tags and papers, bad names and ids: 4xx.
    expect(call(c, "GET", "/api/library?tag=nope"), 404, "unknown tag")
    expect(call(c, "GET", "/api/recommend?tag=nope"), 404, "unknown tag")
    expect(call(c, "GET", "/api/recommend?tags=rl,nope"), 404, "one unknown tag of two")
    expect(call(c, "GET", "/api/recommend?tag="), 400, "empty tag")
    expect(call(c, "DELETE", "/api/tags/nope"), 404, "delete an unknown tag")
    expect(call(c, "DELETE", f"/api/tags/nope/{ids[0]}"), 404, "untag from an unknown tag")
    expect(call(c, "POST", "/api/tags/nope/rename", {"to": "x"}), 404, "rename an unknown tag")
    expect(call(c, "PUT", "/api/tags/rl/2112.99999"), 404, "a paper that is not in the catalog")
    expect(call(c, "PUT", "/api/tags/rl/not-an-id"), 400, "not an arXiv id")
    expect(call(c, "PUT", "/api/tags/rl"), 400, "no paper")
    for bad in ["", "a" * 41, "<script>", "semi;colon", "comma,name", "tab\tname", "ünïcode",
                "x" * 10240]:
        path = f"/api/tags/{q(bad)}/{ids[0]}"
        r = call(c, "PUT", path)
        t.check(400 <= r.status < 500, f"bad name {bad[:20]!r}: {r.status}")
        r = call(c, "GET", f"/api/library?tag={q(bad)}")
        t.check(400 <= r.status < 500, f"bad name in a query {bad[:20]!r}: {r.status}")
        r = call(c, "GET", f"/api/recommend?tag={q(bad)}")
        t.check(400 <= r.status < 500, f"bad name in recommend {bad[:20]!r}: {r.status}")
    for body in [None, "not json", {"to": 5}, {"to": ""}, {"to": "a" * 41}, {"from": "x"}]:
        expect(call(c, "POST", "/api/tags/rl/rename", body), 400, f"bad rename body {body!r}")
    expect(call(c, "POST", "/api/tags/rl/rename", {"to": "deep nets"}), 409, "rename onto an existing tag")
    r = expect(call(c, "POST", "/api/tags/rl/rename", {"to": "reinforcement"}), 200, "rename")
    t.check(r.json == {"tag": "reinforcement", "from": "rl", "changed": True}, r.json)
    expect(call(c, "GET", "/api/library?tag=rl"), 404, "the old name is gone")
    expect(call(c, "GET", "/api/library?tag=reinforcement"), 200, "the new name")

    # At most 200 tags: the 201st is refused; existing tags still take papers.
    for i in range(198):
        expect(call(c, "PUT", f"/api/tags/t{i}/{ids[7]}"), 200, f"tag {i + 3}")
    t.check(len(call(c, "GET", "/api/tags").json["tags"]) == 200, "200 tags")
    r = call(c, "PUT", f"/api/tags/one-too-many/{ids[8]}")
    t.check(r.status == 409, f"the 201st tag: {r.status} {r.text}")
    t.check(ids[8] not in [p["id"] for p in call(c, "GET", "/api/library").json["papers"]],
            "a refused tag does not save the paper")
    expect(call(c, "PUT", f"/api/tags/t5/{ids[8]}"), 200, "an existing tag still works")
    for i in range(198):
        expect(call(c, "DELETE", f"/api/tags/t{i}"), 200, f"delete tag t{i}")
    t.check(ids[7] in [p["id"] for p in call(c, "GET", "/api/library").json["papers"]],
            "deleting a tag keeps its papers saved")

    # Untag keeps the paper saved; unsaving removes it from every tag.
    r = expect(call(c, "DELETE", f"/api/tags/deep%20nets/{ids[2]}"), 200, "untag")
    t.check(r.json["changed"] is True, r.json)
    t.check(ids[2] in [p["id"] for p in call(c, "GET", "/api/library").json["papers"]], "still saved")
    expect(call(c, "DELETE", f"/api/library/{ids[1]}"), 200, "unsave")
    counts = {x["name"]: x["count"] for x in call(c, "GET", "/api/tags").json["tags"]}
    t.check(counts == {"deep nets": 2, "reinforcement": 1}, f"unsave untags everywhere: {counts}")

    # Feedback.
    t.check(expect(call(c, "GET", "/api/feedback"), 200, "feedback").json == {"feedback": []}, "none yet")
    for body in [None, "x", {"value": 1}, {"value": "-1"}, {"value": -2}, {}]:
        expect(call(c, "PUT", f"/api/feedback/{ids[9]}", body), 400, f"bad feedback {body!r}")
    expect(call(c, "PUT", "/api/feedback/2112.99999", {"value": -1}), 404, "unknown paper")
    expect(call(c, "PUT", "/api/feedback/nope", {"value": -1}), 400, "bad id")
    r = expect(call(c, "PUT", f"/api/feedback/{ids[9]}", {"value": -1}), 200, "not interested")
    t.check(r.json == {"id": ids[9], "value": -1, "changed": True}, r.json)
    fb = call(c, "GET", "/api/feedback").json["feedback"]
    t.check([(f["id"], f["value"]) for f in fb] == [(ids[9], -1)], fb)
    r = expect(call(c, "DELETE", f"/api/feedback/{ids[9]}"), 200, "undo")
    t.check(r.json["changed"] is True and call(c, "GET", "/api/feedback").json["feedback"] == [], "undone")
    expect(call(c, "PUT", f"/api/feedback/{ids[9]}", {"value": -1}), 200, "not interested again")

    # CSRF on every write: without the token, 403 and nothing changes.
    before = (call(c, "GET", "/api/tags").json, call(c, "GET", "/api/feedback").json)
    for method, path, body in [("PUT", f"/api/tags/x/{ids[10]}", None),
                               ("DELETE", f"/api/tags/deep%20nets/{ids[0]}", None),
                               ("DELETE", "/api/tags/deep%20nets", None),
                               ("POST", "/api/tags/deep%20nets/rename", {"to": "y"}),
                               ("PUT", f"/api/feedback/{ids[10]}", {"value": -1}),
                               ("DELETE", f"/api/feedback/{ids[9]}", None)]:
        expect(call(c, method, path, body, csrf=False), 403, f"{method} {path} without CSRF")
        expect(call(c, method, path, body, headers={"X-CSRF-Token": "forged"}, csrf=False), 403,
               f"{method} {path} with a wrong token")
    t.check((call(c, "GET", "/api/tags").json, call(c, "GET", "/api/feedback").json) == before,
            "refused writes change nothing")
    for form_path, fields in [(f"/tag/paper/{ids[10]}", {"tag": "x"}), ("/tag/delete", {"tag": "deep nets"}),
                              ("/tag/rename", {"tag": "deep nets", "to": "y"}),
                              (f"/feedback/{ids[10]}", {"action": "hide"})]:
        r = c.request("POST", form_path, fields, form=True, csrf=False)
        t.check(r.status == 403, f"form {form_path} without CSRF: {r.status}")

    # Pages and the no-script forms.
    page = expect(c.get("/library?tag=deep%20nets"), 200, "library by tag page").text
    t.check('class="chip"' in page and 'action="/tag/rename"' in page and 'action="/tag/delete"' in page,
            "tag page: chips, rename, delete")
    t.check('href="/library?tag=reinforcement"' in page, "tag picker links every tag")
    page = expect(c.get("/"), 200, "recent").text
    t.check('class="tag-form"' in page and 'action="/tag/paper/' in page, "tag form on every card")
    expect(c.get("/library?tag=nope"), 404, "unknown tag page")
    expect(c.get("/library?tag=%3Cx%3E"), 400, "bad tag page")
    r = c.request("POST", f"/tag/paper/{ids[11]}", {"tag": "no script", "action": "add", "next": "/?page=1"},
                  form=True)
    t.check(r.status in (302, 303) and r.getheader("Location") == "/?page=1", f"form tag: {r.status}")
    t.check(ids[11] in [p["id"] for p in call(c, "GET", "/api/library?tag=no%20script").json["papers"]],
            "the form tagged (and saved) the paper")
    r = c.request("POST", f"/tag/paper/{ids[11]}", {"tag": "no script", "action": "remove", "next": "/"}, form=True)
    t.check(r.status in (302, 303), f"form untag: {r.status}")
    t.check(call(c, "GET", "/api/library?tag=no%20script").json["total"] == 0, "untagged by form")
    r = c.request("POST", "/tag/rename", {"tag": "no script", "to": "renamed"}, form=True)
    t.check(r.status in (302, 303) and "renamed" in r.getheader("Location"), f"form rename: {r.status}")
    r = c.request("POST", "/tag/delete", {"tag": "renamed"}, form=True)
    t.check(r.status in (302, 303), f"form delete: {r.status}")
    expect(call(c, "GET", "/api/library?tag=renamed"), 404, "deleted by form")
    r = c.request("POST", f"/feedback/{ids[12]}", {"action": "hide", "next": "/recommend"}, form=True)
    t.check(r.status in (302, 303) and r.getheader("Location") == f"/recommend?hidden={ids[12]}",
            f"form not interested: {r.status} {r.getheader('Location')}")
    page = expect(c.get(f"/recommend?hidden={ids[12]}"), 200, "recommend page after hiding").text
    t.check('name="action" value="undo"' in page, "an undo form")
    t.check('class="filters tag-picker"' in page, "a tag picker")
    r = c.request("POST", f"/feedback/{ids[12]}", {"action": "undo", "next": "/recommend"}, form=True)
    t.check(r.status in (302, 303), f"form undo: {r.status}")
    t.check(ids[12] not in [f["id"] for f in call(c, "GET", "/api/feedback").json["feedback"]], "undone by form")
    expect(c.get("/recommend?tag=deep%20nets"), 200, "recommend page of a tag")
    expect(c.get("/recommend?tag=nope"), 404, "recommend page of an unknown tag")

    # Deleting the account removes its tags and feedback: the same name signs up empty.
    r = c.request("POST", "/account/delete", {"password": "long enough"}, form=True)
    t.check(r.status in (302, 303), f"account delete: {r.status} {r.text[:200]}")
    c2 = s.Client(port)
    c2.get("/")
    expect(call(c2, "POST", "/api/signup", {"username": "tagger", "password": "long enough"}), 200, "again")
    t.check(call(c2, "GET", "/api/tags").json == {"tags": []}, "no tags after account deletion")
    t.check(call(c2, "GET", "/api/feedback").json == {"feedback": []}, "no feedback after account deletion")

    fives = [x for x in statuses if x[2] >= 500]
    t.check(not fives, f"5xx answers: {fives[:5]}")


def main():
    with t.temp_dir() as root:
        data, papers = s.make_data_dir(root, limit=40, hostile=False)
        with s.serve(data, "--login-burst", "1000") as (port, _):
            contract(port, papers, None)
        print("SQLite: OK")
    with t.temp_dir() as root:
        data, papers = s.make_data_dir(root, limit=40, hostile=False)
        with pg.postgres(root) as url:
            with s.serve(data, "--login-burst", "1000", "--users-db", url) as (port, _), \
                 s.serve(data, "--login-burst", "1000", "--users-db", url, log_name="serve2.log") as (port2, _):
                contract(port, papers, port2)
        print("PostgreSQL: OK")


if __name__ == "__main__":
    main()
