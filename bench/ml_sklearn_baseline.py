#!/usr/bin/env python3
"""The original arxiv-sanity method (analyze.py + buildsvm.py) with scikit-learn, on a data
directory made by bench/ml_corpus.py, for bench/bench_ml.sh. Our own script, reproducing the
original's steps: read every document (full text when 1000 < size < 500000 bytes, else title +
abstract, as analyze does), TfidfVectorizer with the original's parameters fitted on at most
max_train = 5000 documents drawn at random (the original's shuffle + crop; seeded here), then
transform of all documents, X.todense(), neighbours by X @ X[batch].T in batches of 200 with an argsort, top 50,
pickled; then per user LinearSVC(C=0.1, class_weight='balanced', tol=1e-6, max_iter=10000),
decision_function over all papers, argsort, top 1000, pickled.

Usage: ml_sklearn_baseline.py DATA_DIR analyze|buildsvm OUT_DIR
"""
import pickle
import random
import sqlite3
import sys
from pathlib import Path

import numpy as np
from sklearn import svm
from sklearn.feature_extraction.text import TfidfVectorizer


def docs(data):
    db = sqlite3.connect(Path(data) / "papers.db")
    rows = db.execute("SELECT id, version, title, abstract FROM papers ORDER BY id").fetchall()
    for pid, ver, title, abstract in rows:
        p = Path(data) / "txt" / f"{pid.replace('/', '_')}v{ver}.txt"
        if p.exists() and 1000 < p.stat().st_size < 500000:
            with open(p, "r", encoding="utf-8", errors="replace") as f:
                yield pid, f.read()
        else:
            yield pid, title + "\n" + abstract


def analyze(data, out):
    pids = [pid for pid, _ in docs(data)]
    v = TfidfVectorizer(input="content", encoding="utf-8", decode_error="replace",
                        strip_accents="unicode", lowercase=True, analyzer="word",
                        stop_words="english", token_pattern=r"(?u)\b[a-zA-Z_][a-zA-Z0-9_]+\b",
                        ngram_range=(1, 2), max_features=5000, norm="l2", use_idf=True,
                        smooth_idf=True, sublinear_tf=True, max_df=1.0, min_df=1)
    # The original: train_txt_paths shuffled and cropped to max_train = 5000 for the fit.
    train = list(range(len(pids)))
    random.Random(1337).shuffle(train)
    train = set(train[:5000])
    v.fit(t for i, (_, t) in enumerate(docs(data)) if i in train)
    X = v.transform(t for _, t in docs(data))
    with open(Path(out) / "tfidf.p", "wb") as f:
        pickle.dump({"X": X}, f, protocol=-1)
    with open(Path(out) / "tfidf_meta.p", "wb") as f:
        pickle.dump({"vocab": v.vocabulary_, "idf": v._tfidf.idf_, "pids": pids,
                     "ptoi": {x: i for i, x in enumerate(pids)}}, f, protocol=-1)
    X = X.todense()  # as the original
    sim_dict = {}
    batch_size = 200
    for i in range(0, len(pids), batch_size):
        i1 = min(len(pids), i + batch_size)
        xquery = X[i:i1]
        ds = -np.asarray(np.dot(X, xquery.T))
        IX = np.argsort(ds, axis=0)
        for j in range(i1 - i):
            sim_dict[pids[i + j]] = [pids[q] for q in list(IX[:50, j])]
    with open(Path(out) / "sim_dict.p", "wb") as f:
        pickle.dump(sim_dict, f, protocol=-1)


def buildsvm(data, out):
    with open(Path(out) / "tfidf.p", "rb") as f:
        X = pickle.load(f)["X"]
    with open(Path(out) / "tfidf_meta.p", "rb") as f:
        meta = pickle.load(f)
    xtoi = meta["ptoi"]
    db = sqlite3.connect(Path(data) / "users.db")
    users = db.execute("SELECT id, username FROM users ORDER BY id").fetchall()
    user_sim = {}
    for uid, name in users:
        pids = [r[0] for r in db.execute("SELECT paper_id FROM library WHERE user_id = ?", (uid,))]
        posix = [xtoi[p] for p in pids if p in xtoi]
        if not posix:
            continue
        y = np.zeros(X.shape[0])
        for ix in posix:
            y[ix] = 1
        clf = svm.LinearSVC(class_weight="balanced", verbose=False, max_iter=10000, tol=1e-6, C=0.1)
        clf.fit(X, y)
        s = clf.decision_function(X)
        sortix = np.argsort(-s)[:1000]
        user_sim[uid] = [meta["pids"][ix] for ix in list(sortix)]
    with open(Path(out) / "user_sim.p", "wb") as f:
        pickle.dump(user_sim, f, protocol=-1)


if __name__ == "__main__":
    data, step, out = sys.argv[1], sys.argv[2], sys.argv[3]
    Path(out).mkdir(parents=True, exist_ok=True)
    {"analyze": analyze, "buildsvm": buildsvm}[step](data, out)
