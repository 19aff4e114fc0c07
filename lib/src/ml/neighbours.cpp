#include "ml/neighbours.hpp"

#include <algorithm>
#include <stdexcept>

namespace asp::ml {

CosineScorer::CosineScorer(const CsrView& m, size_t n_features) : m_(m) {
    post_ptr_.assign(n_features + 1, 0);
    for (uint32_t c : m.col) {
        if (c >= n_features) throw std::runtime_error("tf-idf feature index out of range");
        ++post_ptr_[c + 1];
    }
    for (size_t f = 0; f < n_features; ++f) post_ptr_[f + 1] += post_ptr_[f];
    post_doc_.resize(m.col.size());
    post_val_.resize(m.col.size());
    std::vector<uint64_t> fill(post_ptr_.begin(), post_ptr_.end() - 1);
    for (size_t d = 0; d < m.rows(); ++d)
        for (uint64_t p = m.row_ptr[d]; p < m.row_ptr[d + 1]; ++p) {
            const uint64_t at = fill[m.col[p]]++;
            post_doc_[at] = static_cast<uint32_t>(d);
            post_val_[at] = m.val[p];
        }
}

void CosineScorer::scores(size_t q, std::vector<float>& acc) const {
    acc.assign(m_.rows(), 0.0f);
    float* a = acc.data();
    for (uint64_t p = m_.row_ptr[q]; p < m_.row_ptr[q + 1]; ++p) {
        const uint32_t f = m_.col[p];
        const float x = m_.val[p];
        const uint64_t end = post_ptr_[f + 1];
        const uint32_t* docs = post_doc_.data();
        const float* vals = post_val_.data();
        for (uint64_t k = post_ptr_[f]; k < end; ++k) a[docs[k]] += x * vals[k];
    }
}

std::vector<Neighbour> top_k(const std::vector<float>& acc, size_t k, uint32_t self) {
    std::vector<Neighbour> heap;
    if (k == 0) return heap;
    heap.reserve(k + 1);
    // A heap whose top is the worst kept neighbour.
    auto cmp = [](const Neighbour& a, const Neighbour& b) { return ranks_before(a, b); };
    for (uint32_t j = 0; j < acc.size(); ++j) {
        const float s = acc[j];
        if (s <= 0.0f || j == self) continue;
        if (heap.size() < k) {
            heap.push_back({j, s});
            std::push_heap(heap.begin(), heap.end(), cmp);
        } else if (ranks_before({j, s}, heap.front())) {
            std::pop_heap(heap.begin(), heap.end(), cmp);
            heap.back() = {j, s};
            std::push_heap(heap.begin(), heap.end(), cmp);
        }
    }
    std::sort(heap.begin(), heap.end(), cmp);
    return heap;
}

}  // namespace asp::ml
