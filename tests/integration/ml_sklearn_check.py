"""Reference check of analyze (and buildsvm) against scikit-learn, run by
test_ml_sklearn_reference.py with a Python that has scikit-learn (Debian's python3-sklearn).

Usage: ml_sklearn_check.py DOCS_JSON INDEX_DIR OUT_JSON [RECS_DIR LIBRARIES_JSON]
DOCS_JSON: [[id, text], ...] in analyze's order. Writes measurements; the caller asserts.
"""
import json
import sys
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn import svm
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ml_index  # noqa: E402

# The original arxiv-sanity analyze.py's vectorizer.
PARAMS = dict(input="content", encoding="utf-8", decode_error="replace", strip_accents="unicode",
              lowercase=True, analyzer="word", stop_words="english",
              token_pattern=r"(?u)\b[a-zA-Z_][a-zA-Z0-9_]+\b", ngram_range=(1, 2),
              norm="l2", use_idf=True, smooth_idf=True, sublinear_tf=True, max_df=1.0, min_df=1)


def top(scores, i, k, exclude_self=True):
    s = scores.copy()
    if exclude_self:
        s[i] = -np.inf
    order = np.argsort(-s, kind="stable")
    return [(int(j), float(s[j])) for j in order[:k] if s[j] > 0]


def same_up_to_ties(ours, ref_scores, ref_top, k, eps=1e-5):
    """ours: list of doc indices; ref_top: [(j, score)] best first."""
    a, b = set(ours[:k]), set(j for j, _ in ref_top[:k])
    if a == b:
        return True
    if len(ref_top) < k and len(a) != len(b):
        return False
    kth = ref_top[min(k, len(ref_top)) - 1][1]
    return all(abs(ref_scores[j] - kth) <= eps for j in a ^ b)


def main():
    docs = json.loads(Path(sys.argv[1]).read_text())
    ours = ml_index.load_index(sys.argv[2])
    out = {}
    ids = [d[0] for d in docs]
    texts = [d[1] for d in docs]
    assert ours["ids"] == ids, "document order differs"
    n = len(ids)

    # A: scikit-learn's own fit (max_features=5000).
    va = TfidfVectorizer(max_features=5000, **PARAMS)
    xa = va.fit_transform(texts)
    cv = CountVectorizer(**{k: v for k, v in PARAMS.items()
                            if k not in ("norm", "use_idf", "smooth_idf", "sublinear_tf")})
    counts = np.asarray(cv.fit_transform(texts).sum(axis=0)).ravel()
    tf = {t: int(counts[i]) for t, i in cv.vocabulary_.items()}
    ref_terms = set(va.vocabulary_)
    cut = min(tf[t] for t in ref_terms)
    diff = ref_terms ^ set(ours["terms"])
    out["vocab_size"] = [len(ours["terms"]), len(ref_terms)]
    out["vocab_cut_count"] = cut
    out["vocab_differences"] = len(diff)
    out["vocab_differences_not_tied"] = sorted(t for t in diff if tf.get(t) != cut)[:20]
    out["vocab_sorted"] = ours["terms"] == sorted(ours["terms"])

    # B: the same vocabulary as ours: idf and tf-idf values must agree.
    vb = TfidfVectorizer(vocabulary=ours["terms"], **PARAMS)
    xb = vb.fit_transform(texts).tocsr()
    out["idf_max_abs_diff"] = float(np.max(np.abs(vb.idf_ - np.array(ours["idf"]))))
    rows, cols, vals = [], [], []
    for i, (c, v) in enumerate(ours["rows"]):
        rows += [i] * len(c)
        cols += c
        vals += v
    xo = sp.csr_matrix((vals, (rows, cols)), shape=xb.shape)
    out["tfidf_max_abs_diff"] = float(abs(xo - xb).max()) if n else 0.0
    out["tfidf_nnz"] = [int(xo.nnz), int(xb.nnz)]

    # Neighbours: top-10 by cosine (X X^T) in float64, the paper itself excluded.
    index_of = {pid: i for i, pid in enumerate(ids)}
    same_b = same_a = 0
    mismatches = []
    for lo in range(0, n, 500):
        hi = min(n, lo + 500)
        sb = (xb[lo:hi] @ xb.T).toarray()
        sa = (xa[lo:hi] @ xa.T).toarray()
        for r in range(hi - lo):
            i = lo + r
            mine = [index_of[j] for j, _ in ours["similar"][ids[i]]]
            rb = top(sb[r], i, 10)
            if same_up_to_ties(mine, sb[r], rb, 10):
                same_b += 1
            elif len(mismatches) < 5:
                mismatches.append({"id": ids[i], "ours": mine[:10], "ref": rb})
            if same_up_to_ties(mine, sa[r], top(sa[r], i, 10), 10, eps=1e-3):
                same_a += 1
    out["top10_same_fraction"] = same_b / n if n else 1.0
    out["top10_same_fraction_sklearn_vocab"] = same_a / n if n else 1.0
    out["top10_mismatch_examples"] = mismatches

    if len(sys.argv) > 5:
        out["svm"] = check_svm(sys.argv[4], json.loads(Path(sys.argv[5]).read_text()), ids, xb)
    Path(sys.argv[3]).write_text(json.dumps(out, indent=1))


def check_svm(recs_dir, libraries, ids, x):
    """The original buildsvm.py's classifier on the same matrix; overlap of top-100."""
    import glob
    index_of = {pid: i for i, pid in enumerate(ids)}
    recs = {}
    for f in glob.glob(str(Path(recs_dir) / "user-*.bin")):
        items, meta = ml_index.load_recs(f)
        recs[json.loads(meta)["username"]] = [pid for pid, _ in items]
    result = {}
    for name, lib in libraries.items():
        y = np.zeros(x.shape[0])
        for pid in lib:
            y[index_of[pid]] = 1
        clf = svm.LinearSVC(class_weight="balanced", verbose=False, max_iter=10000, tol=1e-6, C=0.1)
        clf.fit(x, y)
        s = clf.decision_function(x)
        ref = [ids[j] for j in np.argsort(-s, kind="stable")[:100]]
        mine = recs.get(name, [])[:100]
        result[name] = {"overlap": len(set(ref) & set(mine)) / 100.0, "library": len(lib),
                        "have": len(mine)}
    return result


if __name__ == "__main__":
    main()
