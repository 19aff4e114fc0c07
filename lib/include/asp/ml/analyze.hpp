// analyze: the tf-idf stage. Reads every paper of papers.db (its full text from txt/, or its
// title and abstract when it has no usable text), keeps a vocabulary + idf fitted like the
// original arxiv-sanity's scikit-learn TfidfVectorizer, computes each paper's exact top-K
// cosine neighbours and the search index, and publishes them as a new generation of index/
// (docs/formats/index.md) that serve picks up without a restart.
//
// Runs are incremental: the vocabulary and idf stay as they were fitted; papers that are new or
// whose document changed are transformed and scored against all papers, and they enter the
// existing papers' neighbour lists where they rank; the rest is carried over. The vocabulary is
// refitted (and everything recomputed) with `refit`, when the parameters changed, or when the
// corpus grew by more than `refit_growth` since the last fit. A run with nothing new publishes
// nothing.
//
// Failures: an unreadable papers.db or index throws (the stage cannot do its job); an
// unreadable text file makes that paper fall back to its title and abstract.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <asp/core/data_dir.hpp>
#include <asp/core/log.hpp>
#include <asp/ml/tfidf.hpp>

namespace asp::ml {

struct AnalyzeParams {
    TfidfParams tfidf;
    size_t top_k = 50;
    // Neighbour search (docs/tools/analyze.md): each paper's `neighbour_terms` largest tf-idf
    // weights form the candidate index; the best `neighbour_candidates` are scored exactly.
    size_t neighbour_terms = 64;
    size_t neighbour_candidates = 400;
    size_t neighbour_exact_max = 10000;  // up to this many papers: exact (no pruning)
    // A text file is used when its size is within these bounds (bytes), as the original's
    // 1000 < len(txt) < 500000; otherwise title + abstract.
    size_t min_text_bytes = 1000;
    size_t max_text_bytes = 500000;
    bool refit = false;         // refit the vocabulary and recompute everything
    bool force = false;         // recompute every vector and neighbour list (same vocabulary)
    double refit_growth = 0.25;  // auto refit when papers > fitted papers * (1 + this)
    int jobs = 1;
    int keep_generations = 2;  // generations left on disk (the current one included)
};

struct AnalyzeReport {
    StageSummary summary;     // done = papers transformed, skipped = papers carried over
    uint64_t generation = 0;  // the current generation after the run
    bool published = false;   // false: nothing changed, no new generation
    bool refitted = false;
    size_t papers = 0;
    size_t full_text = 0;       // papers whose document is their full text
    size_t vocabulary = 0;
    size_t lists_recomputed = 0;  // neighbour lists computed from scratch
    size_t lists_updated = 0;     // carried-over lists a new paper entered
};

AnalyzeReport run_analyze(const DataDir& data_dir, const AnalyzeParams& params);

}  // namespace asp::ml
