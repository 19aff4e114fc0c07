"""scikit-learn's LinearSVC on analyze's tf-idf matrix for given models, run by
test_serve_recommend.py with a Python that has scikit-learn (Debian's python3-sklearn).

Usage: recommend_sklearn_check.py INDEX_DIR CASES_JSON OUT_JSON
CASES_JSON: [{"name", "positives": [ids], "not_interested": [ids], "exclude": [ids],
              "ours": [ids best first]}]. For each: the original's classifier
(LinearSVC(C=0.1, class_weight="balanced")), not-interested papers as negatives with sample
weight n_neg / n_pos (the C of one positive, as docs/tools/serve.md says); writes the overlap of
its top-100 (without `exclude`) with `ours`' first 100."""
import json
import sys
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn import svm

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ml_index  # noqa: E402


def main():
    index = ml_index.load_index(sys.argv[1])
    ids = index["ids"]
    at = {pid: i for i, pid in enumerate(ids)}
    data, indices, indptr = [], [], [0]
    for cols, vals in index["rows"]:
        indices += cols
        data += vals
        indptr.append(len(indices))
    x = sp.csr_matrix((np.array(data, dtype=np.float64), np.array(indices), np.array(indptr)),
                      shape=(len(ids), len(index["terms"])))
    out = {}
    for case in json.loads(Path(sys.argv[2]).read_text()):
        y = np.zeros(len(ids))
        for pid in case["positives"]:
            y[at[pid]] = 1
        n_pos = int(y.sum())
        w = np.ones(len(ids))
        for pid in case["not_interested"]:
            if y[at[pid]] == 0:
                w[at[pid]] = max(1.0, (len(ids) - n_pos) / n_pos)
        clf = svm.LinearSVC(C=0.1, class_weight="balanced", tol=1e-6, max_iter=10000)
        clf.fit(x, y, sample_weight=w)
        s = clf.decision_function(x)
        skip = set(case["exclude"]) | set(case["positives"]) | set(case["not_interested"])
        ref = [ids[j] for j in np.argsort(-s, kind="stable") if ids[j] not in skip][:100]
        ours = case["ours"][:100]
        out[case["name"]] = {"overlap": len(set(ref) & set(ours)) / max(1, len(ref)),
                             "have": len(ours), "reference": len(ref)}
    Path(sys.argv[3]).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
