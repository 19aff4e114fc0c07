// Exact cosine top-K neighbours over l2-normalized sparse rows, without an N x N or dense
// N x V matrix: an inverted index (feature -> postings of (doc, value)) turns one document's
// similarities to all others into a scatter-add over its features' postings, into a float
// array of N per thread. Scores are accumulated in ascending feature order, so the score of a
// pair is bit-identical whichever of the two is the query (incremental runs rely on it).
// Order of a list: score descending, then document index ascending.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "ml/generation.hpp"

namespace asp::ml {

struct Neighbour {
    uint32_t doc;
    float score;
};

inline bool ranks_before(const Neighbour& a, const Neighbour& b) {
    return a.score > b.score || (a.score == b.score && a.doc < b.doc);
}

class CosineScorer {
public:
    CosineScorer(const CsrView& m, size_t n_features);

    size_t docs() const { return m_.rows(); }
    // acc[j] = <row q, row j> for every j (acc is resized to N and overwritten).
    void scores(size_t q, std::vector<float>& acc) const;
    // The same for j > q only (acc[j] for j <= q is left as it was): with every query, each
    // pair is scored once.
    void scores_after(size_t q, std::vector<float>& acc) const;

private:
    CsrView m_;
    std::vector<uint64_t> post_ptr_;
    std::vector<uint32_t> post_doc_;
    std::vector<float> post_val_;
};

// The best k documents by acc (score > 0), excluding `self`, best first.
std::vector<Neighbour> top_k(const std::vector<float>& acc, size_t k, uint32_t self);

// Every document's exact top-k, each pair (i < j) scored once (CosineScorer::scores_after) and
// offered to both lists: half the work of a query per document, the same lists and
// bit-identical scores. Memory: the inverted index + n x k neighbours per worker thread.
// `advance` is called once per document (from the worker threads).
std::vector<std::vector<Neighbour>> all_top_k(const CsrView& m, size_t n_features, size_t k,
                                              int jobs, const std::function<void()>& advance);

}  // namespace asp::ml

namespace asp::ml {

// Top-K neighbours without the full inverted index: candidates come from a small inverted index
// of each document's `terms` largest tf-idf weights (the terms that dominate its cosines), the
// best `candidates` of them by that partial score are scored exactly (a dense copy of the query,
// a dot product over each candidate's row, in ascending feature order: the same float sum as
// CosineScorer, so a pair scores bit-identically either way), and the best K kept. Memory:
// ~8 bytes x terms per document. Exact when `terms` >= every row's length and `candidates` >=
// the documents sharing a term with the query; otherwise a true neighbour is missed only when
// it shares none of the query's top terms strongly enough (measured in docs/tools/analyze.md).
class PrunedScorer {
public:
    PrunedScorer(const CsrView& m, size_t n_features, size_t terms);

    struct Scratch {
        std::vector<float> dense;    // the query, densely
        std::vector<float> partial;  // partial scores, per document
        std::vector<uint32_t> touched;
    };
    std::vector<Neighbour> top_k(size_t q, size_t k, size_t candidates, Scratch& s) const;
    // Exact scores of q against every document (a scan of the whole matrix): acc[j].
    void all_scores(size_t q, std::vector<float>& acc, Scratch& s) const;

private:
    float dot(const std::vector<float>& dense, size_t j) const;
    void load(size_t q, Scratch& s) const;
    void unload(size_t q, Scratch& s) const;

    CsrView m_;
    size_t n_features_;
    std::vector<uint64_t> post_ptr_;
    std::vector<uint32_t> post_doc_;
    std::vector<float> post_val_;
    std::vector<uint64_t> top_ptr_;   // per document: its top terms (feature, value)
    std::vector<uint32_t> top_col_;
    std::vector<float> top_val_;
};

}  // namespace asp::ml
