"""analyze's daily runs equal a full run with the same vocabulary: the corpus' papers arrive in
batches (with texts appearing late and a changed abstract on the way), each batch analyzed
incrementally; then `analyze --force` recomputes everything from scratch with the kept
vocabulary, and every neighbour list (ids and scores) must be identical. Also: a rerun with
nothing new publishes nothing; old generations are pruned; a wrong paper id is an error."""
import json
import random
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from asp_testlib import BUILD_DIR, check, missing, require_corpus, run, temp_dir, tool  # noqa: E402
import ml_fixture  # noqa: E402
import ml_index  # noqa: E402

corpus = require_corpus()
analyze = tool("analyze")
if shutil.which("pdftotext") is None:
    missing("pdftotext (poppler-utils) is missing")

papers = ml_fixture.corpus_papers(corpus)
texts = ml_fixture.corpus_texts(corpus, BUILD_DIR / "ml-corpus-text-cache")
rng = random.Random(7)
rng.shuffle(papers)

with temp_dir() as tmp:
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
    check(all(len(v) == 50 for v in a["similar"].values() if v), "50 neighbours per paper")

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
    print("OK")
