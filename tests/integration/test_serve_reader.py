"""serve as a reader of arxiv-sanity meets it (issue 10), on data made by the real pipeline
(Makefile.pipeline over the fake arXiv's committed fixtures):
1. field search (au: ti: abs: cat: id:, phrases, AND/OR/ANDNOT, bare categories and ids), its
   recall checked against a brute-force scan of papers.db, time= and v1=1, chips that link to
   their searches, and bad queries answered with 400 or a note, never 5xx;
2. /top as the original's "top recent": papers published in the window ranked by how many
   libraries hold them (default a week), ties newest, v1=1;
3. URLs and errors: /<id> and /<id>v<N> go to the similar page, an HTML 404 for browsers (the
   API keeps JSON), a page past the end says so;
4. the card: comment, journal reference and DOI, BibTeX link, KaTeX served by serve itself;
5. BibTeX of a paper and of a library, read back by python3-bibtexparser with the same fields
   (every paper of the data, plus papers whose text tries to break BibTeX);
6. /stats and /api/stats (counts of the data directory, the last run, papers per day as SVG);
7. /inspect and /api/inspect (a paper's tf-idf terms; a user's terms); 8. /about.
"""
import os
import json
import re
import sqlite3
import sys
import time
from urllib.parse import quote

sys.path.insert(0, os.path.dirname(__file__))
import asp_testlib as t  # noqa: E402
import serve_testlib as s  # noqa: E402
from pipeline_testlib import fake_arxiv, make, pipeline_vars, require_tools  # noqa: E402
from serve_testlib import expect  # noqa: E402

HTML = {"Accept": "text/html,application/xhtml+xml"}

# Papers whose text tries to break a BibTeX entry (lone braces, TeX specials, "and" in a name).
TRICKY = [
    {"id": "2012.00001", "title": "Lone { brace and 50% of A&B_c #1 with $x_1^2$ math } }",
     "authors": ["Smith and Wesson Collaboration", "Jos\u00e9 {O}'Brien", "Back\\slash\\"],
     "doi": "10.1000/a_b{c}", "comment": "5 pages, {unbalanced"},
    {"id": "2012.00002", "title": "@misc{evil, title = {x}} and \"quotes\" ^ ~",
     "authors": ["Eve Adams"], "doi": "", "comment": ""},
]


def ascii_lower(text):
    return "".join(c.lower() if c.isascii() else c for c in text)


def words(text):
    """The words field search matches on: ASCII letters and digits (lowercased) and any
    non-ASCII character; everything else separates."""
    return re.findall(r"[a-z0-9\u0080-\U0010ffff]+", ascii_lower(text))


def has_run(hay, needle):
    return any(hay[i:i + len(needle)] == needle for i in range(len(hay) - len(needle) + 1))


def load_papers(db):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rows = con.execute("SELECT id, version, title, abstract, authors, categories, published, "
                       "comment, journal_ref, doi FROM papers").fetchall()
    con.close()
    return [{"id": r[0], "version": r[1], "title": r[2], "abstract": r[3],
             "authors": json.loads(r[4]), "categories": json.loads(r[5]), "published": r[6],
             "comment": r[7] or "", "journal_ref": r[8] or "", "doi": r[9] or ""} for r in rows]


def search_ids(client, q, extra=""):
    r = expect(client.json("GET", f"/api/search?q={quote(q)}&limit=200{extra}"), 200, f"search {q!r}")
    got = [p["id"] for p in r.json["papers"]]
    t.check(r.json["total"] == len(got), f"{q!r}: total {r.json['total']} vs {len(got)} listed")
    return got


def check_search(anon, papers):
    by_id = {p["id"]: p for p in papers}

    def brute(pred):
        return {p["id"] for p in papers if pred(p)}

    # au:<surname> finds every paper with an author of that name: exact recall.
    surnames = sorted({words(a)[-1] for p in papers for a in p["authors"] if words(a)})
    t.check(len(surnames) > 50, f"only {len(surnames)} surnames")
    for name in surnames:
        want = brute(lambda p: any(name in words(a) for a in p["authors"]))
        got = search_ids(anon, f"au:{name}")
        t.check(set(got) == want, f"au:{name}: {sorted(got)} != brute force {sorted(want)}")
        t.check(len(got) == len(set(got)), f"au:{name}: duplicates")
    # cat: every category and archive present, and bare category names.
    cats = sorted({c for p in papers for c in p["categories"]})
    archives = sorted({c.split(".")[0] for c in cats})
    for c in cats:
        want = brute(lambda p: c.lower() in (x.lower() for x in p["categories"]))
        t.check(set(search_ids(anon, f"cat:{c}")) == want, f"cat:{c}")
        if "." in c or "-" in c:
            t.check(set(search_ids(anon, c)) == want, f"bare {c} is cat:{c}")
    for a in archives:
        want = brute(lambda p: any(x.lower() == a.lower() or x.lower().startswith(a.lower() + ".")
                                   for x in p["categories"]))
        t.check(set(search_ids(anon, f"cat:{a}")) == want, f"cat:{a} (archive)")
        t.check(set(search_ids(anon, a)) == want, f"bare archive {a} typed alone")
    t.check(len(search_ids(anon, "cs.DC")) == len(papers), "every paper is in cs.DC")
    # ti: and abs: words and phrases, against the brute-force scan.
    title_words = sorted({w for p in papers for w in words(p["title"]) if len(w) > 3})[:60]
    for w in title_words:
        t.check(set(search_ids(anon, f"ti:{w}")) == brute(lambda p: w in words(p["title"])), f"ti:{w}")
    some = papers[3]
    phrase = " ".join(words(some["abstract"])[5:8])
    want = brute(lambda p: has_run(words(p["abstract"]), phrase.split()))
    t.check(some["id"] in want, "the phrase is in its own abstract")
    t.check(set(search_ids(anon, f'abs:"{phrase}"')) == want, f'abs:"{phrase}"')
    tphrase = " ".join(words(some["title"])[:2])
    t.check(set(search_ids(anon, f'ti:"{tphrase}"')) == brute(lambda p: has_run(words(p["title"]), tphrase.split())),
            f'ti:"{tphrase}"')
    # Bare ids, new and old style, with and without version; id:.
    for p in papers[:6] + [x for x in papers if "/" in x["id"]]:
        t.check(search_ids(anon, p["id"]) == [p["id"]], f"bare id {p['id']}")
        t.check(search_ids(anon, f"{p['id']}v{p['version']}") == [p["id"]], f"bare id {p['id']} with version")
        t.check(search_ids(anon, f"id:{p['id']}") == [p["id"]], f"id:{p['id']}")
    # Operators: the same sets as set algebra on the parts; default AND.
    a, b = "cat:cs.SE", "cat:cond-mat"
    sa, sb = set(search_ids(anon, a)), set(search_ids(anon, b))
    t.check(sa and sb, "both parts match something")
    t.check(set(search_ids(anon, f"{a} OR {b}")) == sa | sb, "OR")
    t.check(set(search_ids(anon, f"{a} AND {b}")) == sa & sb, "AND")
    t.check(set(search_ids(anon, f"{a} {b}")) == sa & sb, "default AND")
    t.check(set(search_ids(anon, f"cat:cs ANDNOT {a}")) == set(search_ids(anon, "cat:cs")) - sa, "ANDNOT")
    name = words(some["authors"][0])[-1]
    t.check(set(search_ids(anon, f"(au:{name} OR {b}) ANDNOT {a}")) ==
            (set(search_ids(anon, f"au:{name}")) | sb) - sa, "parentheses")
    # Free words through the index: every word of the result's text, ranked.
    word = words(some["title"])[0]
    got = search_ids(anon, word)
    t.check(some["id"] in got, f"free word {word!r} finds {some['id']}")
    # v1 and time on search.
    v1 = set(search_ids(anon, "cat:cs", "&v1=1"))
    t.check(v1 == {i for i in search_ids(anon, "cat:cs") if by_id[i]["version"] == 1}, "search v1=1")
    t.check(set(search_ids(anon, "cat:cs", "&time=week")) ==
            {i for i in search_ids(anon, "cat:cs") if by_id[i]["published"] >= iso(time.time() - 7 * 86400)},
            "search time=week")
    # The search page: chips link to their searches; the help and filters are there.
    r = expect(anon.get(f"/search?q={quote('cat:cs.SE')}"), 200, "search page")
    t.check('href="/search?q=cat%3Acs.SE"' in r.text, "category chips link to cat: searches")
    t.check('href="/search?q=au%3A%22' in r.text, "author chips link to au: searches")
    t.check("time=week" in r.text and "v1=1" in r.text, "time and v1 filters on the search page")
    # Bad input: 400 with the reason, the page keeps the query; never 5xx.
    for q, why in [("xx:foo", "unknown field"), ('ti:"graph', "unbalanced quote"),
                   ("(a OR b", "parenthesis"), ("a OR", "operator"), ("x" * 10240, "too long")]:
        r = anon.json("GET", f"/api/search?q={quote(q)}")
        t.check(r.status == 400 and why in r.json["error"], f"api {q[:20]!r}: {r.status} {r.text[:200]}")
        r = anon.get(f"/search?q={quote(q)}", headers=HTML)
        t.check(r.status == 400 and why in r.text and '<form class="search"' in r.text,
                f"page {q[:20]!r}: {r.status}")
    for path in ["/search?q=x&time=forever", "/api/search?q=x&time=forever", "/search?q=x&page=-1",
                 "/api/top?time=forever", "/top?page=-1", "/search?q=%22", "/search?q=au%3A",
                 "/search?q=" + quote("((((((((((a") + "&v1=2", "/api/search?q=" + quote(")(" * 300)]:
        r = anon.get(path)
        t.check(400 <= r.status < 500, f"{path[:60]}: {r.status}")
    r = expect(anon.json("GET", "/api/search?q=zzqqxxnotaword"), 200, "no match")
    t.check(r.json["total"] == 0, "no match: empty")
    r = expect(anon.get("/search?q=zzqqxxnotaword"), 200, "no match page")
    t.check("No paper matches" in r.text, "no match: a note")


def bibtexparser():
    try:
        import bibtexparser as b
    except ImportError:  # Debian's python3-bibtexparser, when python3 is not Debian's own
        sys.path.append("/usr/lib/python3/dist-packages")
        import bibtexparser as b
    return b


def squeeze(text):
    return " ".join(text.split())


def tex_unescape(text):
    """The inverse of serve's BibTeX escaping (docs/tools/serve.md)."""
    for a, b in (("\\textbraceleft{}", "{"), ("\\textbraceright{}", "}"), ("\\^{}", "^"),
                 ("\\&", "&"), ("\\%", "%"), ("\\#", "#"), ("\\_", "_")):
        text = text.replace(a, b)
    return text[:-2] if text.endswith("\\{}") else text


def check_bibtex_entry(e, p):
    # (bibtexparser reads field names in lower case.)
    want = {"ENTRYTYPE", "ID", "title", "author", "year", "eprint", "archiveprefix", "primaryclass", "url"}
    if p["doi"]:
        want.add("doi")
    t.check(set(e) == want, f"{p['id']}: fields {sorted(e)}")
    t.check(e["ENTRYTYPE"] == "misc", "@misc")
    t.check(e["eprint"] == p["id"] and e["archiveprefix"] == "arXiv", f"{p['id']}: eprint {e['eprint']}")
    t.check(e["year"] == p["published"][:4], f"{p['id']}: year {e['year']}")
    t.check(e["primaryclass"] == p["categories"][0], f"{p['id']}: primaryClass")
    t.check(e["url"] == f"https://arxiv.org/abs/{p['id']}v{p['version']}", f"{p['id']}: url")
    if p["doi"]:
        want_doi = p["doi"].replace("{", "").replace("}", "").split()[0]  # the first of several
        t.check(e["doi"] == want_doi, f"{p['id']}: doi {e['doi']} != {want_doi}")
    t.check(tex_unescape(e["title"]) == squeeze(p["title"]), f"{p['id']}: title {e['title']!r}")
    names = []
    depth, cur = 0, ""
    for part in re.split(r"( and |[{}])", e["author"]):  # split on " and " outside braces
        if part == "{":
            depth += 1
        elif part == "}":
            depth -= 1
        if part == " and " and depth == 0:
            names.append(cur)
            cur = ""
        else:
            cur += part
    names.append(cur)
    names = [n[1:-1] if n.startswith("{") and n.endswith("}") and " and " in f" {n[1:-1].lower()} " else n
             for n in names]
    t.check([tex_unescape(n) for n in names] == [squeeze(a) for a in p["authors"]],
            f"{p['id']}: authors {names} vs {p['authors']}")


def iso(seconds):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def main():
    require_tools("fetch", "download", "pdf2txt", "thumb", "analyze", "buildsvm", "serve")
    with t.temp_dir() as root, fake_arxiv(root) as fake:
        data = root / "data"
        make(pipeline_vars(fake, data))
        db = data / "papers.db"
        papers = load_papers(db)
        t.check(len(papers) >= 20, f"the pipeline made {len(papers)} papers")
        # Publication dates moved into the windows /top filters on (the fixtures are old):
        # A two days ago, B ten days ago (both v1), C twenty days ago (a v2).
        v1s = [p for p in papers if p["version"] == 1]
        v2 = next(p for p in papers if p["version"] > 1)
        A, B, C = v1s[0], v1s[1], v2
        now = time.time()
        con = sqlite3.connect(str(db))
        for p, days in ((A, 2), (B, 10), (C, 20)):
            p["published"] = iso(now - days * 86400)
            con.execute("UPDATE papers SET published = ?, change_seq = change_seq + 1000 WHERE id = ?",
                        (p["published"], p["id"]))
        for i, p in enumerate(TRICKY):
            p.update({"version": 1, "abstract": "Tricky.", "categories": ["cs.DC"], "journal_ref": "",
                      "published": f"2020-12-0{i + 1}T00:00:00Z"})
            con.execute("INSERT INTO papers (id, version, title, abstract, authors, categories, "
                        "primary_category, published, updated, comment, journal_ref, doi, links, "
                        "fetched_at, change_seq) VALUES (?,1,?,?,?,?,?,?,?,?,NULL,?,'[]',?,?)",
                        (p["id"], p["title"], p["abstract"], json.dumps(p["authors"]),
                         json.dumps(p["categories"]), "cs.DC", p["published"], p["published"],
                         p["comment"] or None, p["doi"] or None, p["published"], 100000 + i))
        con.commit()
        con.close()
        pipeline_papers = list(papers)
        papers = papers + TRICKY

        with s.serve(data) as (port, _):
            anon = s.Client(port)
            anon.get("/")
            check_search(anon, papers)

            # 2. Top recent: saves by three users.
            users = []
            for i in range(3):
                u = s.Client(port)
                u.get("/")
                expect(u.json("POST", "/api/signup", {"username": f"reader{i}", "password": "long password"}),
                       200, "signup")
                users.append(u)
            old = next(p for p in papers if p["published"] < "2019" and p not in (A, B, C))
            saves = {A["id"]: 1, B["id"]: 2, C["id"]: 2, old["id"]: 3}
            for pid, n in saves.items():
                for u in users[:n]:
                    expect(u.json("PUT", f"/api/library/{quote(pid)}"), 200, "save")
            top = expect(anon.json("GET", "/api/top"), 200, "top").json
            t.check([p["id"] for p in top["papers"]] == [A["id"]], f"default week: {top}")
            t.check(top["papers"][0]["score"] == 1, "score = libraries holding it")
            month = [p["id"] for p in anon.json("GET", "/api/top?time=month").json["papers"]]
            # B and C both in 2 libraries: the newer (B) first; A (1 library) last.
            t.check(month == [B["id"], C["id"], A["id"]], f"month: {month}")
            t.check([p["id"] for p in anon.json("GET", "/api/top?time=month&v1=1").json["papers"]] ==
                    [B["id"], A["id"]], "top v1=1")
            alltime = [p["id"] for p in anon.json("GET", "/api/top?time=all").json["papers"]]
            t.check(alltime[0] == old["id"] and len(alltime) == 4, f"all: {alltime}")
            t.check(all(p["id"] in saves for p in anon.json("GET", "/api/top?time=all").json["papers"]),
                    "papers nobody saved are not listed")
            page = expect(anon.get("/top?time=month"), 200, "top page").text
            t.check("saved by 2 libraries" in page and "saved by 1 library" in page, "saves in words")
            t.check("score " not in page, "no raw score")
            t.check('class="on">last week' in expect(anon.get("/top"), 200, "top").text, "week is the default")
            # Recommend takes time and v1 too (default week).
            expect(users[0].json("GET", "/api/recommend?time=month&v1=1"), 200, "recommend v1")
            expect(users[0].json("GET", "/api/recommend?time=forever"), 400, "recommend bad time")

            # 3. URLs and errors.
            for p in [papers[0], next(x for x in papers if "/" in x["id"])]:
                for path in (f"/{p['id']}", f"/{p['id']}v{p['version']}"):
                    r = anon.get(path)
                    t.check(r.status == 301 and r.getheader("Location") == f"/similar/{p['id']}",
                            f"{path}: {r.status} {r.getheader('Location')}")
            r = expect(anon.get("/no/such/page", headers=HTML), 404, "unknown page")
            t.check(r.getheader("Content-Type").startswith("text/html") and '<header class="top"' in r.text
                    and "Not found" in r.text, "an HTML 404 in the site's layout")
            r = expect(anon.get("/2912.99999", headers=HTML), 404, "unknown paper id")
            r = expect(anon.json("GET", "/no/such/page"), 404, "JSON without text/html")
            t.check(r.json == {"error": "not found"}, "the API's 404 stays JSON")
            r = expect(anon.json("GET", "/api/nothing", headers=HTML), 404, "API 404")
            t.check("error" in r.json, "the API keeps JSON for browsers too")
            r = expect(anon.get("/?page=99"), 200, "page past the end")
            t.check("past the end" in r.text and 'href="/"' in r.text, "says so and links back")
            r = expect(anon.get("/search?q=cat%3Acs&page=50"), 200, "search page past the end")
            t.check("past the end" in r.text and "q=cat%3Acs" in r.text, "links back to page 1")

            # 4. The card.
            rich = next(p for p in papers if p["comment"] and p["journal_ref"] and p["doi"])
            r = expect(anon.get(f"/similar/{rich['id']}"), 200, "similar page").text
            import html as h
            t.check(h.escape(rich["comment"]) in r, "the comment is on the card")
            t.check(h.escape(rich["journal_ref"]) in r, "the journal reference is on the card")
            t.check(f'href="https://doi.org/{quote(rich["doi"], safe="/")}"' in r, "the DOI links to doi.org")
            t.check(f'href="/bibtex/{rich["id"]}"' in r, "a BibTeX link")
            t.check('src="/static/katex/katex.min.js"' in r and 'class="abstract tex"' in r, "KaTeX")
            for path, ctype in [("/static/katex/katex.min.js", "text/javascript"),
                                ("/static/katex/katex.min.css", "text/css"),
                                ("/static/katex/contrib/auto-render.js", "text/javascript"),
                                ("/static/katex/fonts/KaTeX_Main-Regular.woff2", "font/woff2")]:
                r = expect(anon.get(path), 200, path)
                t.check(r.getheader("Content-Type").startswith(ctype) and len(r.body) > 1000, path)
            # 5. BibTeX, one paper and a library, read back by bibtexparser.
            bp = bibtexparser()
            for p in papers:
                r = expect(anon.get(f"/bibtex/{p['id']}"), 200, f"bibtex {p['id']}")
                t.check(r.getheader("Content-Type").startswith("text/plain"), "bibtex as text")
                entries = bp.loads(r.text).entries
                t.check(len(entries) == 1, f"{p['id']}: {len(entries)} entries read back from {r.text!r}")
                check_bibtex_entry(entries[0], p)
            expect(anon.get("/bibtex/2912.99999"), 404, "bibtex of an unknown paper")
            expect(anon.get("/bibtex/nonsense"), 400, "bibtex of a non-id")
            expect(anon.json("GET", "/api/library.bib"), 401, "library.bib needs a session")
            fan = users[2]
            for p in papers:
                fan.json("PUT", f"/api/library/{quote(p['id'])}")
            r = expect(fan.get("/api/library.bib"), 200, "library.bib")
            t.check(r.getheader("Content-Type").startswith("text/x-bibtex"), "text/x-bibtex")
            t.check("attachment" in (r.getheader("Content-Disposition") or ""), "a download")
            entries = bp.loads(r.text).entries
            t.check(len(entries) == len(papers), f"{len(entries)} of {len(papers)} entries read back")
            t.check(len({e["ID"] for e in entries}) == len(entries), "unique keys")
            by_id = {p["id"]: p for p in papers}
            for e in entries:
                check_bibtex_entry(e, by_id[e["eprint"]])
            page = expect(fan.get("/library"), 200, "library page").text
            t.check('href="/api/library.bib"' in page and "export" in page, "an export button")

            # 6. Statistics.
            st = expect(anon.json("GET", "/api/stats"), 200, "stats").json
            t.check(set(st) == {"papers", "with_pdf", "with_text", "with_thumb", "indexed", "users",
                                "last_run", "per_day"}, f"stats fields {sorted(st)}")
            n = len(pipeline_papers)
            t.check(st["papers"] == len(papers), f"papers {st['papers']}")
            t.check(st["with_pdf"] == n and st["with_text"] == n and st["with_thumb"] == n,
                    f"pdf/text/thumb {st['with_pdf']}/{st['with_text']}/{st['with_thumb']} of {n}")
            t.check(st["indexed"] == n, f"indexed {st['indexed']}")
            t.check(st["users"] == 3, f"users {st['users']}")
            run = st["last_run"]
            t.check(run["result"] == "OK" and run["stages"][0] == "fetch" and "buildsvm" in run["stages"]
                    and isinstance(run["seconds"], int), f"last run {run}")
            days = st["per_day"]
            t.check(len(days) == 90 and days[-1]["date"] == iso(time.time())[:10], "90 days up to today")
            counts = {d["date"]: d["count"] for d in days}
            for p in (A, B, C):
                t.check(counts[p["published"][:10]] >= 1, f"{p['id']} counted on its day")
            t.check(sum(counts.values()) == 3, f"per_day total {sum(counts.values())}")
            page = expect(anon.get("/stats"), 200, "stats page").text
            t.check(page.count("<rect") == 90 and "<svg" in page, "an SVG bar per day")
            t.check("<script>" not in page and " style=" not in page, "no inline script or style")

            # 7. Inspect: tf-idf terms; a user's terms once buildsvm has run.
            ins = expect(anon.json("GET", f"/api/inspect/{A['id']}"), 200, "inspect").json
            weights = [x["weight"] for x in ins["terms"]]
            t.check(ins["id"] == A["id"] and len(weights) > 5 and weights == sorted(weights, reverse=True)
                    and all(w > 0 for w in weights), f"inspect terms {ins['terms'][:5]}")
            t.check("user_terms" not in ins, "no user terms anonymously")
            ins = expect(anon.json("GET", f"/api/inspect/{TRICKY[0]['id']}"), 200, "inspect unindexed").json
            t.check(ins["terms"] == [], "a paper not indexed has no terms")
            expect(anon.json("GET", "/api/inspect/2912.99999"), 404, "inspect unknown")
            expect(anon.json("GET", "/api/inspect/nonsense"), 400, "inspect non-id")
            t.run([t.tool("buildsvm"), "--data-dir", str(data), "-q"])
            mine = expect(users[0].json("GET", f"/api/inspect/{B['id']}"), 200, "inspect as a user").json
            t.check(mine["user_terms"] and all(x["weight"] > 0 for x in mine["user_terms"]),
                    f"user terms {mine.get('user_terms')}")
            page = expect(users[0].get(f"/inspect/{B['id']}"), 200, "inspect page").text
            t.check("<meter" in page and "close to your library" in page, "the inspect page")

            # 8. About.
            page = expect(anon.get("/about"), 200, "about").text
            t.check("Thank you to arXiv for use of its open access interoperability" in page, "acknowledgement")
            t.check("<code>cat:cs.DC</code>" in page, "the query it follows")
            t.check("cosine" in page and "SVM" in page, "how similar papers and recommendations work")

            for path in ["/static/katex/../../../../etc/passwd", "/static/katex/fonts/../katex.js",
                         "/static/katex/a/b/c.js", "/static/katex/nothere.js"]:
                t.check(anon.get(path).status == 404, f"{path} refused")


if __name__ == "__main__":
    main()
