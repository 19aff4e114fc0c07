"""analyze (and buildsvm) against scikit-learn on real text: the committed fixture's 200 arXiv
abstracts, 65 of them given a full text (tests/fixtures/ml/fulltext-sampled.jsonl.gz), then,
when ../shared/corpus is present, the corpus' 848 abstracts, 65 of them given the full text of
a corpus PDF (pdftotext). Checks the vocabulary (equal up to
terms tied at the max_features cut-off), idf and tf-idf values (within 1e-5), top-10 neighbours
(same for >= 99% of papers, ties aside) and buildsvm's top-100 against LinearSVC (>= 90%
overlap) for libraries drawn from the data."""
import json
import os
import random
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from asp_testlib import BUILD_DIR, check, corpus, missing, run, temp_dir, tool  # noqa: E402
import ml_fixture  # noqa: E402

analyze, buildsvm = tool("analyze"), tool("buildsvm")
python = ml_fixture.find_sklearn_python()
if python is None:
    missing("no Python with scikit-learn (scripts/install-deps.sh --test installs python3-sklearn)")
if corpus() is not None and shutil.which("pdftotext") is None:
    missing("pdftotext (poppler-utils) is missing")


def check_set(name, papers, texts, tmp):
    print(f"-- {name}: {len(papers)} papers, {len(texts)} full texts")
    data = tmp / "data"
    data.mkdir()
    ml_fixture.add_papers(data, papers)
    ml_fixture.attach_texts(data, papers, texts)
    run([analyze, "--data-dir", str(data), "-q"])

    docs = ml_fixture.documents(data, papers)
    (tmp / "docs.json").write_text(json.dumps(docs))
    args = [python, str(Path(__file__).parent / "ml_sklearn_check.py"), str(tmp / "docs.json"),
            str(data / "index"), str(tmp / "out.json")]

    libraries = {}
    if True:
        rng = random.Random(4)
        ids = [p["id"] for p in papers]
        archive_of = {p["id"]: ml_fixture.archive_of(p) for p in papers}
        # Libraries drawn from the data: papers of one archive (a coherent taste), and a mix.
        by_archive = {}
        for pid in ids:
            by_archive.setdefault(archive_of[pid], []).append(pid)
        big = sorted((a for a in by_archive if len(by_archive[a]) >= 10),
                     key=lambda a: -len(by_archive[a]))[:4]
        for a in big:
            libraries[f"fan_of_{a.replace('-', '_')}"] = rng.sample(by_archive[a], 8)
        libraries["eclectic"] = rng.sample(ids, 12)
        libraries["just_two"] = rng.sample(ids, 2)
        ml_fixture.set_libraries(data, libraries)
        run([str(buildsvm), "--data-dir", str(data), "-q"])
        (tmp / "libs.json").write_text(json.dumps(libraries))
        args += [str(data / "recs"), str(tmp / "libs.json")]

    run(args, timeout=900)
    out = json.loads((tmp / "out.json").read_text())
    print(json.dumps(out, indent=1))
    check(out["vocab_size"][0] == out["vocab_size"][1], "vocabulary sizes differ")
    check(out["vocab_sorted"], "vocabulary is not in code-point order")
    check(not out["vocab_differences_not_tied"],
          f"terms differ beyond the tie at the cut-off: {out['vocab_differences_not_tied']}")
    check(out["idf_max_abs_diff"] < 1e-9, "idf differs")
    check(out["tfidf_max_abs_diff"] < 1e-5, "tf-idf values differ by more than 1e-5")
    check(out["tfidf_nnz"][0] == out["tfidf_nnz"][1], "different non-zeros")
    check(out["top10_same_fraction"] >= 0.99,
          f"top-10 neighbours agree for only {out['top10_same_fraction']:.3f}")
    for user, r in out.get("svm", {}).items():
        check(r["overlap"] >= 0.9, f"SVM top-100 of {user} overlaps LinearSVC by {r['overlap']}")


for name, papers, texts in ml_fixture.data_sets(corpus(), BUILD_DIR / "ml-corpus-text-cache"):
    with temp_dir() as tmp:
        check_set(name, papers, texts(), tmp)
print("OK")
