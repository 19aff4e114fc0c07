// Exact cosine top-K neighbours over l2-normalized sparse rows, without an N x N or dense
// N x V matrix: an inverted index (feature -> postings of (doc, value)) turns one document's
// similarities to all others into a scatter-add over its features' postings, into a float
// array of N per thread. Scores are accumulated in ascending feature order, so the score of a
// pair is bit-identical whichever of the two is the query (incremental runs rely on it).
// Order of a list: score descending, then document index ascending.
#pragma once

#include <cstdint>
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

private:
    CsrView m_;
    std::vector<uint64_t> post_ptr_;
    std::vector<uint32_t> post_doc_;
    std::vector<float> post_val_;
};

// The best k documents by acc (score > 0), excluding `self`, best first.
std::vector<Neighbour> top_k(const std::vector<float>& acc, size_t k, uint32_t self);

}  // namespace asp::ml
