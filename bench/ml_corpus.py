#!/usr/bin/env python3
"""Generates a benchmark data directory for analyze/buildsvm at any size N.

Text comes from the real corpus (../shared/corpus: 848 arXiv abstracts from metadata/abs and
65 paper PDFs through pdftotext), extended to N papers by a word-bigram Markov chain: each
generated paper picks a real document as its source, takes its length (x 0.7..1.3) and
generates words from that document's own bigram successors (falling back to the whole
corpus'), so papers keep a topic, a realistic vocabulary and realistic term frequencies.
Papers whose source is a full text get a txt/<id>v1.txt; the others only a title and abstract
(the same mix as the real corpus: ~8% full texts). 50 users get libraries of 3-20 papers
around a few topics. Output: DIR/papers.db, DIR/txt/, DIR/users.db.

Usage: ml_corpus.py DIR N [--users 50] [--seed 1] [--append K]   (--append: K more papers)
"""
import argparse
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "integration"))
import ml_fixture  # noqa: E402


def build_sources(corpus, cache):
    papers = ml_fixture.corpus_papers(corpus)
    texts = ml_fixture.corpus_texts(corpus, cache)
    sources = [(p["title"] + " " + p["abstract"]).split() for p in papers]
    full = [t.split() for _, t in texts if len(t) > 1000]
    return sources, full


class Chain:
    def __init__(self, docs):
        self.docs = docs
        self.succ = []
        self.glob = {}
        for words in docs:
            d = {}
            for a, b in zip(words, words[1:]):
                d.setdefault(a, []).append(b)
                self.glob.setdefault(a, []).append(b)
            self.succ.append(d)
        self.starts = [w for words in docs for w in words[:1]]

    def generate(self, rng, src, n):
        words = self.docs[src]
        w = rng.choice(words)
        out = [w]
        local = self.succ[src]
        for _ in range(n - 1):
            nxt = local.get(w) if rng.random() < 0.85 else None
            nxt = nxt or self.glob.get(w) or words
            w = rng.choice(nxt)
            out.append(w)
        return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("n", type=int)
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--append", type=int, default=0)
    ap.add_argument("--corpus", default=str(Path(__file__).resolve().parents[2] / "shared" / "corpus"))
    ap.add_argument("--cache", default="/tmp/asp-bench-ml-text-cache")
    a = ap.parse_args()
    out = Path(a.dir)
    out.mkdir(parents=True, exist_ok=True)
    abstracts, full = build_sources(a.corpus, a.cache)
    chain = Chain(abstracts + full)
    n_abs = len(abstracts)
    rng = random.Random(a.seed + a.append)
    first = a.n if not a.append else a.n
    count = a.n if not a.append else a.append
    papers = []
    for k in range(count):
        i = first + k if a.append else k
        pid = f"{2001 + i // 90000 % 12:04d}.{i % 90000 + 10000:05d}"  # valid arXiv ids (month 01-12)
        src = rng.randrange(len(chain.docs))
        length = max(20, int(len(chain.docs[src]) * rng.uniform(0.7, 1.3)))
        words = chain.generate(rng, src, length)
        title = " ".join(chain.generate(rng, src, rng.randint(5, 12)))
        day = 1 + i % 28
        p = {"id": pid, "title": title, "authors": [f"Author {rng.randrange(5000)}",
                                                     f"Writer {rng.randrange(5000)}"],
             "categories": ["cs.DC", rng.choice(["cs.LG", "cs.NI", "math.OC", "cs.PF"])],
             "published": f"20{10 + i % 15:02d}-{1 + i % 12:02d}-{day:02d}T00:00:00Z",
             "topic": src}
        if src >= n_abs:
            p["abstract"] = " ".join(chain.generate(rng, src, rng.randint(120, 250)))
            path = ml_fixture.txt_path(out, pid)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(" ".join(words))
        else:
            p["abstract"] = " ".join(words)
        papers.append(p)
    ml_fixture.add_papers(out, papers)
    if not a.append and a.users:
        by_topic = {}
        for p in papers:
            by_topic.setdefault(p["topic"], []).append(p["id"])
        topics = list(by_topic)
        libs = {}
        for u in range(a.users):
            picks = []
            for t in rng.sample(topics, 3):
                picks += by_topic[t][: rng.randint(1, 7)]
            libs[f"user{u:02d}"] = sorted(set(picks))
        ml_fixture.set_libraries(out, libs)
    print(f"{out}: {len(papers)} papers written")


if __name__ == "__main__":
    main()
