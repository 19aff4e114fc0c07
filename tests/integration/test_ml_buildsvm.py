"""buildsvm on real abstracts (the committed fixture's 200, then the corpus' when present): writes recs for users with a library, ranks the user's
own papers first, skips users whose library and index did not change, retrains a user
whose library changed, removes the file of a user whose library became empty, and
`buildsvm --recs USER` prints the stored list as JSON lines."""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from asp_testlib import BUILD_DIR, check, corpus, run, temp_dir, tool  # noqa: E402
import ml_fixture  # noqa: E402
import ml_index  # noqa: E402

analyze, buildsvm = tool("analyze"), tool("buildsvm")


def check_set(name, papers, tmp):
    print(f"-- {name}: {len(papers)} papers")
    data = tmp / "data"
    data.mkdir()
    ml_fixture.add_papers(data, papers)
    run([analyze, "--data-dir", str(data), "-q"])
    # Users with a taste: most of their library from one archive.
    by_arch = {}
    for p in papers:
        by_arch.setdefault(ml_fixture.archive_of(p), []).append(p["id"])
    archs = sorted((a for a in by_arch if len(by_arch[a]) >= 12), key=lambda a: -len(by_arch[a]))
    check(len(archs) >= 2, f"corpus archives: {sorted(by_arch)}")
    libs = {"alice": by_arch[archs[0]][:6], "bob": by_arch[archs[1]][:6], "carol": [papers[0]["id"]]}
    ml_fixture.set_libraries(data, libs)

    def recs_files():
        return {p.name: p.stat().st_mtime_ns for p in (data / "recs").glob("user-*.bin")}

    r = run([buildsvm, "--data-dir", str(data), "-v"])
    files = recs_files()
    check(len(files) == 3, f"one file per user with a library: {files}")
    out = run([buildsvm, "--data-dir", str(data), "--recs", "bob", "--top", "20"]).stdout
    lines = [json.loads(x) for x in out.splitlines()]
    check(len(lines) == 20, out)
    check(all(lines[i]["score"] >= lines[i + 1]["score"] for i in range(19)), "best first")
    ids = [x["id"] for x in lines]
    # The saved papers themselves score highest (positives of a large-margin fit).
    check(len(set(ids[:6]) & set(libs["bob"])) >= 5, f"bob's library should lead: {ids}")
    for f in files:
        items, meta = ml_index.load_recs(data / "recs" / f)
        meta = json.loads(meta)
        check(len(items) == min(1000, len(papers)), f"{f}: {len(items)} recommendations")
        check(meta["username"] in libs and meta["library_size"] == len(libs[meta["username"]]), meta)
    # Nothing changed: every user skipped, no file rewritten.
    r = run([buildsvm, "--data-dir", str(data), "-v"])
    check(recs_files() == files, "an unchanged user must be skipped")
    check("0 done, 3 skipped" in r.stderr, r.stderr)
    # Bob saves another paper; carol empties her library.
    ml_fixture.set_libraries(data, {"bob": libs["bob"] + [by_arch[archs[1]][7]], "carol": []})
    r = run([buildsvm, "--data-dir", str(data), "-v"])
    after = recs_files()
    check(len(after) == 2, f"carol's file removed: {after}")
    check("1 done, 1 skipped" in r.stderr, r.stderr)
    changed = [n for n in after if after[n] != files.get(n)]
    check(len(changed) == 1, f"only bob retrained: {changed}")
    r = run([buildsvm, "--data-dir", str(data), "--recs", "carol"], check=False)
    check(r.returncode == 1 and len(r.stderr.splitlines()) == 1, r.stderr)


for name, papers, _ in ml_fixture.data_sets(corpus(), BUILD_DIR / "ml-corpus-text-cache"):
    with temp_dir() as tmp:
        check_set(name, papers, tmp)
print("OK")
