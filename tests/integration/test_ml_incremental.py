"""analyze's daily runs equal a full run with the same vocabulary: real papers (the committed
fixture's 200 abstracts with 65 full texts, then the corpus' when present) arrive in batches (with texts appearing late and a changed abstract on the way), each batch analyzed
incrementally; then `analyze --force` recomputes everything from scratch with the kept
vocabulary, and every neighbour list (ids and scores) must be identical. Also: a rerun with
nothing new publishes nothing; old generations are pruned; a wrong paper id is an error.
buildsvm's day (carried lists, warm starts) equals a from-scratch run within the agreement bar
(top-100 overlap >= 90%). The memory-bounded paths run on the fixture with small budgets: a
count budget far below the distinct n-grams, a fit sample (max_train) below the corpus, and the
pruned neighbour search forced on (neighbour_exact_max 0)."""
import json
import random
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from asp_testlib import BUILD_DIR, check, corpus, run, temp_dir, tool  # noqa: E402
import ml_fixture  # noqa: E402
import ml_index  # noqa: E402

analyze, buildsvm = tool("analyze"), tool("buildsvm")


def check_set(name, papers, texts, tmp):
    print(f"-- {name}: {len(papers)} papers, {len(texts)} texts")
    papers = list(papers)
    rng = random.Random(7)
    rng.shuffle(papers)
    inc = tmp / "inc"
    inc.mkdir()
    first = len(papers) // 2
    batches = [papers[:first]]
    rest = papers[first:]
    while rest:
        batches.append(rest[:80])
        rest = rest[80:]
    flags = ["--data-dir", str(inc), "-q", "--refit-growth", "100", "-j", "2"]
    gens = []
    for b, batch in enumerate(batches):
        ml_fixture.add_papers(inc, batch)
        # Some of this batch's papers get their full text today, some of the first batch's late.
        ml_fixture.attach_texts(inc, batch[:5], texts[5 * b:5 * b + 5])
        if b == 2:
            ml_fixture.attach_texts(inc, batches[0][10:12], texts[-2:])
            changed = dict(batches[0][20])
            changed["abstract"] += " Revised: we add a study of graph neural networks."
            ml_fixture.add_papers(inc, [changed])
        run([analyze] + flags)
        gens.append(ml_index.current_dir(inc / "index").name)
    check(len(set(gens)) == len(gens), f"each day publishes a new generation: {gens}")
    kept = sorted(p.name for p in (inc / "index").iterdir() if p.name.startswith("gen-"))
    check(kept == gens[-2:], f"old generations pruned, two kept: {kept}")

    r = run([analyze, "--data-dir", str(inc), "-v", "--refit-growth", "100"])
    check(ml_index.current_dir(inc / "index").name == gens[-1], "a rerun with nothing new "
          "must not publish")
    check("nothing new" in r.stderr, r.stderr)

    full = tmp / "full"
    shutil.copytree(inc, full)
    run([analyze, "--data-dir", str(full), "-q", "--force", "-j", "2", "--refit-growth", "100"])
    a = ml_index.load_index(inc / "index")
    b = ml_index.load_index(full / "index")
    check(a["terms"] == b["terms"], "--force keeps the vocabulary")
    check(a["ids"] == b["ids"] and len(a["ids"]) == len(papers), "same papers")
    check(sum(a["source"]) >= 5 * len(batches), "full texts were used")
    differing = [pid for pid in a["ids"] if a["similar"][pid] != b["similar"][pid]]
    check(not differing, f"{len(differing)} neighbour lists differ from a full run, e.g. "
          f"{differing[:3]}: {[(a['similar'][p][:3], b['similar'][p][:3]) for p in differing[:2]]}")
    check(a["rows"] == b["rows"], "tf-idf rows differ from a full run")
    # 50 neighbours per paper, unless fewer papers share a term with it (short abstracts).
    full_lists = sum(len(v) == 50 for v in a["similar"].values())
    check(all(len(v) <= 50 for v in a["similar"].values()) and full_lists >= 0.9 * len(a["ids"]),
          f"50 neighbours per paper: {full_lists} of {len(a['ids'])} lists are full")

    # The debugging command prints the stored list, best first.
    pid = a["ids"][0]
    out = run([analyze, "--data-dir", str(inc), "--similar", pid, "--top", "5"]).stdout
    lines = [json.loads(x) for x in out.splitlines()]
    check([x["id"] for x in lines] == [n for n, _ in a["similar"][pid][:5]], out)
    check(all(lines[i]["score"] >= lines[i + 1]["score"] for i in range(len(lines) - 1)), out)
    r = run([analyze, "--data-dir", str(inc), "--similar", "9999.99999"], check=False)
    check(r.returncode == 1 and len(r.stderr.splitlines()) == 1, r.stderr)
    # Search finds a paper by its id and by title words.
    p0 = batches[0][0]
    hits = [json.loads(x)["id"] for x in
            run([analyze, "--data-dir", str(inc), "--search", p0["id"]]).stdout.splitlines()]
    check(hits[:1] == [p0["id"]], f"search by id: {hits}")
    hits = [json.loads(x)["id"] for x in
            run([analyze, "--data-dir", str(inc), "--search", p0["title"], "--top", "3"]).stdout.splitlines()]
    check(p0["id"] in hits, f"search by title {p0['title']!r}: {hits}")
    check_recs_day(papers, texts, tmp)


def overlap(a, b, k=100):
    return len(set(a[:k]) & set(b[:k])) / max(1, min(k, len(a), len(b)))


def recs_ids(data, user):
    out = run([buildsvm, "--data-dir", str(data), "--recs", user, "--top", "100"]).stdout
    return [json.loads(x)["id"] for x in out.splitlines()]


def check_recs_day(papers, texts, tmp):
    """A day at buildsvm: 10 new papers arrive (under buildsvm's retrain_growth of 10%); the incremental analyze + buildsvm run gives the
    recommendations of a from-scratch run (same vocabulary) within the agreement bar."""
    day = tmp / "day"
    day.mkdir()
    old, new = papers[:-10], papers[-10:]
    ml_fixture.add_papers(day, old)
    ml_fixture.attach_texts(day, old[:30], texts[:30])
    by_arch = {}
    for p in old:
        by_arch.setdefault(ml_fixture.archive_of(p), []).append(p["id"])
    archs = sorted(by_arch, key=lambda a: -len(by_arch[a]))
    libs = {"u1": by_arch[archs[0]][:8], "u2": by_arch[archs[1]][:5] + by_arch[archs[2]][:3],
            "u3": [p["id"] for p in old[::40]]}
    ml_fixture.set_libraries(day, libs)
    flags = ["--data-dir", str(day), "-q", "--refit-growth", "100"]
    run([analyze] + flags)
    run([buildsvm, "--data-dir", str(day), "-q"])
    ml_fixture.add_papers(day, new)
    ml_fixture.attach_texts(day, new[:5], texts[30:35])
    run([analyze] + flags)
    r = run([buildsvm, "--data-dir", str(day), "-v"])
    check("0 done" in r.stderr and "3 lists updated without training" in r.stderr,
          f"a day with unchanged libraries updates lists without training: {r.stderr}")
    # u2 saves one more paper: retrained from its kept model (warm start).
    libs["u2"] = libs["u2"] + [by_arch[archs[1]][6]]
    ml_fixture.set_libraries(day, {"u2": libs["u2"]})
    r = run([buildsvm, "--data-dir", str(day), "-v"])
    check("1 done" in r.stderr, r.stderr)
    full = tmp / "day-full"
    shutil.copytree(day, full)
    run([buildsvm, "--data-dir", str(full), "-q", "--force"])
    for u in libs:
        a, b = recs_ids(day, u), recs_ids(full, u)
        check(len(a) == 100 and overlap(a, b) >= 0.9,
              f"{u}: the day's top-100 overlaps a full recompute by {overlap(a, b):.2f}")


def check_bounded(papers, texts, tmp):
    """The memory-bounded paths on a small input: their lists against the exact ones."""
    exact, bounded = tmp / "exact", tmp / "bounded"
    for d in (exact, bounded):
        d.mkdir()
        ml_fixture.add_papers(d, papers)
        ml_fixture.attach_texts(d, papers[:len(texts)], texts)
    run([analyze, "--data-dir", str(exact), "-q", "--max-train", "150"])
    # A count budget of 20,000 terms (the documents hold ~100,000 distinct n-grams),
    # the vocabulary fitted on 150 of the 200 documents, the pruned neighbour search.
    r = run([analyze, "--data-dir", str(bounded), "-v", "--count-budget", "20000",
             "--max-train", "150", "--neighbour-exact-max", "0", "--neighbour-terms", "64",
             "--neighbour-candidates", "100", "-j", "2"])
    check("fitting the vocabulary on 150 of" in r.stderr, r.stderr)
    check("largest terms of each paper" in r.stderr, r.stderr)
    a = ml_index.load_index(exact / "index")
    b = ml_index.load_index(bounded / "index")
    check(len(b["terms"]) == len(a["terms"]), "the bounded fit keeps max_features terms")
    # Same sample, unbounded counting: the same vocabulary, unless the budget is too small to
    # be exact (analyze warns; here the cut-off count is tiny, so it does) and terms near the
    # cut-off differ.
    common = len(set(a["terms"]) & set(b["terms"])) / len(a["terms"])
    print(f"bounded fit: {common:.3f} of the vocabulary shared with the unbounded fit")
    if "too small for an exact vocabulary" in r.stderr:
        check(common >= 0.9, f"the bounded vocabulary shares only {common:.3f} with the unbounded one")
    else:
        check(a["terms"] == b["terms"], "an exact bounded fit must equal the unbounded one")
    # The pruned search (same bounded vocabulary): recall of the exact top-10.
    run([analyze, "--data-dir", str(bounded), "-q", "--force", "--max-train", "150",
         "--neighbour-exact-max", "100000"])
    c = ml_index.load_index(bounded / "index")
    found = wanted = 0
    for pid in b["ids"]:
        ref = [n for n, _ in c["similar"][pid][:10]]
        got = {n for n, _ in b["similar"][pid][:10]}
        wanted += len(ref)
        found += len(got & set(ref))
    recall = found / max(1, wanted)
    print(f"pruned neighbour search: top-10 recall {recall:.3f}")
    check(recall >= 0.8, f"pruned neighbour search finds only {recall:.3f} of the exact top-10")


for name, papers, texts in ml_fixture.data_sets(corpus(), BUILD_DIR / "ml-corpus-text-cache"):
    with temp_dir() as tmp:
        check_set(name, papers, texts(), tmp)
    if name == "fixture":
        with temp_dir() as tmp:
            check_bounded(papers, ml_fixture.fixture_texts(), tmp)
print("OK")
