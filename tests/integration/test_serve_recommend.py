#!/usr/bin/env python3
"""Instant recommendations on real abstracts (the committed fixture's 200, then the corpus' when
present): serve trains a tag's model on demand, so a
paper saved and tagged changes the tag's recommendations in the very next request (no restart,
no buildsvm); answers are cached until the inputs change; buildsvm's per-tag and per-user lists
answer ("computed": "nightly") once they are as fresh; "not interested" papers never show on
either path; the rankings agree with scikit-learn's LinearSVC(C=0.1, class_weight="balanced")
on the same tf-idf matrix (top-100 overlap >= 90%), with and without feedback."""
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
import asp_testlib as t  # noqa: E402
import ml_fixture  # noqa: E402
import ml_index  # noqa: E402
import serve_testlib as s  # noqa: E402
from serve_testlib import expect  # noqa: E402

python = ml_fixture.find_sklearn_python()
t.check(python is not None,
        "no Python with scikit-learn (scripts/install-deps.sh --test installs python3-sklearn)")


def ids_of(r):
    return [p["id"] for p in r.json["papers"]]


def check_set(name, papers):
    print(f"-- {name}: {len(papers)} papers")
    by_arch = {}
    for p in papers:
        by_arch.setdefault(p["categories"][0], []).append(p["id"])  # by primary category
    archs = sorted((a for a in by_arch if len(by_arch[a]) >= 6), key=lambda a: -len(by_arch[a]))
    t.check(len(archs) >= 3, f"{name} categories: {sorted(by_arch)}")
    A, B, C = (by_arch[a] for a in archs[:3])
    with t.temp_dir() as root:
        data = root / "data"
        data.mkdir()
        ml_fixture.add_papers(data, papers)
        t.run([t.tool("analyze"), "--data-dir", str(data), "-q"])
        with s.serve(data, "--num-results", "200") as (port, _):
            c = s.Client(port)
            c.get("/")
            expect(c.json("POST", "/api/signup", {"username": "ada", "password": "a long password"}), 200, "signup")
            for pid in A[:5]:
                expect(c.json("PUT", f"/api/tags/first/{pid}"), 200, "tag")
            url = "/api/recommend?tag=first&time=all&limit=200"
            r1 = expect(c.json("GET", url), 200, "tag recommendations")
            t.check(r1.json["computed"] == "now" and r1.json["total"] > 100, f"computed now: {r1.json['total']}")
            t.check(not set(ids_of(r1)) & set(A[:5]), "the tag's papers are not recommended")
            again = expect(c.json("GET", url), 200, "again")
            t.check(ids_of(again) == ids_of(r1), "an unchanged tag answers the same list")

            # Save and tag a paper of another archive: the very next request differs.
            expect(c.json("PUT", f"/api/library/{B[0]}"), 200, "save")
            expect(c.json("PUT", f"/api/tags/first/{B[0]}"), 200, "tag it")
            r2 = expect(c.json("GET", url), 200, "after tagging")
            t.check(r2.json["computed"] == "now", "recomputed")
            t.check(ids_of(r2) != ids_of(r1), "the tag's recommendations changed in the next request")
            t.check(B[0] not in ids_of(r2), "the newly tagged paper is not recommended")
            # Only this tag's model changed: another tag's list is cached.
            for pid in C[:4]:
                expect(c.json("PUT", f"/api/tags/second/{pid}"), 200, "second tag")
            sec = ids_of(expect(c.json("GET", "/api/recommend?tag=second&time=all&limit=200"), 200, "second"))
            union = expect(c.json("GET", "/api/recommend?tags=first,second&time=all&limit=200"), 200, "union")
            t.check(union.json["computed"] == "now" and union.json["total"] > 0, "union of tags")
            plain = expect(c.json("GET", "/api/recommend?time=all&limit=200"), 200, "plain")
            t.check(plain.json["computed"] == "now", "whole library computed now")
            page = expect(c.get("/recommend?tag=first&time=all"), 200, "page").text
            t.check(ids_of(r2)[0] in page and 'class="feedback-form"' in page, "the page and its button")

            # "Not interested": gone from the next answer of every model of the user.
            hide = ids_of(r2)[0]
            hide_plain = ids_of(plain)[0]
            expect(c.json("PUT", f"/api/feedback/{hide}", {"value": -1}), 200, "not interested")
            expect(c.json("PUT", f"/api/feedback/{hide_plain}", {"value": -1}), 200, "not interested")
            r3 = expect(c.json("GET", url), 200, "after feedback")
            t.check(hide not in ids_of(r3) and hide_plain not in ids_of(r3), "hidden from the tag's list")
            plain3 = expect(c.json("GET", "/api/recommend?time=all&limit=200"), 200, "plain")
            t.check(hide not in ids_of(plain3) and hide_plain not in ids_of(plain3), "hidden from the plain list")

            # Agreement with scikit-learn on the same matrix (before and with feedback).
            library = [p["id"] for p in c.json("GET", "/api/library?limit=200").json["papers"]]
            first = A[:5] + [B[0]]
            cases = [
                {"name": "tag", "positives": first, "not_interested": [], "exclude": library,
                 "ours": ids_of(r2)},
                {"name": "tag+feedback", "positives": first, "not_interested": [hide, hide_plain],
                 "exclude": library, "ours": ids_of(r3)},
                {"name": "second", "positives": C[:4], "not_interested": [], "exclude": library, "ours": sec},
                {"name": "plain+feedback", "positives": library, "not_interested": [hide, hide_plain],
                 "exclude": library, "ours": ids_of(plain3)},
            ]
            (root / "cases.json").write_text(json.dumps(cases))
            t.run([python, str(Path(__file__).parent / "recommend_sklearn_check.py"), str(data / "index"),
                   str(root / "cases.json"), str(root / "out.json")], timeout=900)
            out = json.loads((root / "out.json").read_text())
            print(json.dumps(out, indent=1))
            for name, res in out.items():
                t.check(res["overlap"] >= 0.9, f"{name}: top-100 overlap with LinearSVC {res['overlap']}")

            # buildsvm's lists answer once they are as fresh, and honour the feedback too.
            t.run([t.tool("buildsvm"), "--data-dir", str(data), "-q"])
            tag_files = sorted((data / "recs").glob("tag-*.bin"))
            t.check(len(tag_files) == 2, f"one list per tag: {tag_files}")
            for f in tag_files + sorted((data / "recs").glob("user-*.bin")):
                listed = {pid for pid, _ in ml_index.load_recs(f)[0]}
                t.check(hide not in listed and hide_plain not in listed, f"{f.name} lists a hidden paper")
            r4 = expect(c.json("GET", url), 200, "nightly")
            t.check(r4.json["computed"] == "nightly", f"buildsvm's list answers: {r4.json['computed']}")
            t.check(hide not in ids_of(r4), "hidden on the nightly path")
            t.check(len(set(ids_of(r4)[:100]) & set(ids_of(r3)[:100])) >= 90, "nightly ~ instant")
            p4 = expect(c.json("GET", "/api/recommend?time=all&limit=200"), 200, "plain nightly")
            t.check(p4.json["computed"] == "nightly" and hide_plain not in ids_of(p4), "plain nightly")
            # Undo: the paper may come back, and the lists are computed again.
            expect(c.json("DELETE", f"/api/feedback/{hide}"), 200, "undo")
            r5 = expect(c.json("GET", url), 200, "after undo")
            t.check(r5.json["computed"] == "now", "an undo makes the nightly list stale")


def main():
    for name, papers, _ in ml_fixture.data_sets(t.corpus(), t.BUILD_DIR / "ml-corpus-text-cache"):
        check_set(name, papers)
    print("OK")


if __name__ == "__main__":
    main()
