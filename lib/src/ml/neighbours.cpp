#include "ml/neighbours.hpp"

#include <algorithm>
#include <stdexcept>

#include "ml/parallel.hpp"

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

void CosineScorer::scores_after(size_t q, std::vector<float>& acc) const {
    const size_t n = m_.rows();
    acc.resize(n);
    std::fill(acc.begin() + static_cast<ptrdiff_t>(q + 1), acc.end(), 0.0f);
    float* a = acc.data();
    const uint32_t* docs = post_doc_.data();
    const float* vals = post_val_.data();
    for (uint64_t p = m_.row_ptr[q]; p < m_.row_ptr[q + 1]; ++p) {
        const uint32_t f = m_.col[p];
        const float x = m_.val[p];
        // Postings are in document order: start after q.
        const uint32_t* end = docs + post_ptr_[f + 1];
        const uint32_t* it = std::upper_bound(docs + post_ptr_[f], end, static_cast<uint32_t>(q));
        for (; it != end; ++it) a[*it] += x * vals[it - docs];
    }
}

namespace {

// A bounded list whose front is its worst member (a heap by ranks_before).
struct BoundedList {
    std::vector<Neighbour> heap;
    static bool cmp(const Neighbour& a, const Neighbour& b) { return ranks_before(a, b); }
    void offer(const Neighbour& n, size_t k) {
        if (heap.size() < k) {
            heap.push_back(n);
            std::push_heap(heap.begin(), heap.end(), cmp);
        } else if (ranks_before(n, heap.front())) {
            std::pop_heap(heap.begin(), heap.end(), cmp);
            heap.back() = n;
            std::push_heap(heap.begin(), heap.end(), cmp);
        }
    }
};

}  // namespace

std::vector<std::vector<Neighbour>> all_top_k(const CsrView& m, size_t n_features, size_t k,
                                              int jobs, const std::function<void()>& advance) {
    const size_t n = m.rows();
    std::vector<std::vector<Neighbour>> out(n);
    if (k == 0 || n == 0) return out;
    const CosineScorer scorer(m, n_features);
    constexpr size_t kChunk = 8;
    const size_t workers = worker_count(n, jobs, kChunk);
    // Lists of every document, per worker (a pair j > i is offered to j's list by the worker
    // that scored it); merged at the end.
    std::vector<std::vector<BoundedList>> lists(workers, std::vector<BoundedList>(n));
    std::vector<std::vector<float>> acc(workers);
    parallel_for(
        n, jobs,
        [&](size_t i, size_t w) {
            scorer.scores_after(i, acc[w]);
            auto& mine = lists[w];
            const float* a = acc[w].data();
            const auto qi = static_cast<uint32_t>(i);
            for (size_t j = i + 1; j < n; ++j) {
                const float s = a[j];
                if (s <= 0.0f) continue;
                mine[i].offer({static_cast<uint32_t>(j), s}, k);
                mine[j].offer({qi, s}, k);
            }
            if (advance) advance();
        },
        kChunk);
    parallel_for(
        n, jobs,
        [&](size_t i, size_t) {
            auto& l = out[i];
            for (size_t w = 0; w < workers; ++w) {
                auto& h = lists[w][i].heap;
                l.insert(l.end(), h.begin(), h.end());
                std::vector<Neighbour>().swap(h);
            }
            std::sort(l.begin(), l.end(), ranks_before);
            if (l.size() > k) l.resize(k);
        },
        64);
    return out;
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

namespace asp::ml {

PrunedScorer::PrunedScorer(const CsrView& m, size_t n_features, size_t terms)
    : m_(m), n_features_(n_features) {
    const size_t n = m.rows();
    top_ptr_.assign(n + 1, 0);
    std::vector<std::pair<float, uint32_t>> row;
    for (size_t d = 0; d < n; ++d) {
        row.clear();
        for (uint64_t p = m.row_ptr[d]; p < m.row_ptr[d + 1]; ++p) {
            if (m.col[p] >= n_features) throw std::runtime_error("tf-idf feature index out of range");
            row.emplace_back(m.val[p], m.col[p]);
        }
        if (row.size() > terms) {
            std::nth_element(row.begin(), row.begin() + static_cast<ptrdiff_t>(terms), row.end(),
                             [](const auto& a, const auto& b) {
                                 return a.first != b.first ? a.first > b.first : a.second < b.second;
                             });
            row.resize(terms);
        }
        for (const auto& [v, c] : row) {
            top_col_.push_back(c);
            top_val_.push_back(v);
        }
        top_ptr_[d + 1] = top_col_.size();
    }
    post_ptr_.assign(n_features + 1, 0);
    for (uint32_t c : top_col_) ++post_ptr_[c + 1];
    for (size_t f = 0; f < n_features; ++f) post_ptr_[f + 1] += post_ptr_[f];
    post_doc_.resize(top_col_.size());
    post_val_.resize(top_col_.size());
    std::vector<uint64_t> fill(post_ptr_.begin(), post_ptr_.end() - 1);
    for (size_t d = 0; d < n; ++d)
        for (uint64_t p = top_ptr_[d]; p < top_ptr_[d + 1]; ++p) {
            const uint64_t at = fill[top_col_[p]]++;
            post_doc_[at] = static_cast<uint32_t>(d);
            post_val_[at] = top_val_[p];
        }
}

void PrunedScorer::load(size_t q, Scratch& s) const {
    if (s.dense.size() != n_features_) s.dense.assign(n_features_, 0.0f);
    for (uint64_t p = m_.row_ptr[q]; p < m_.row_ptr[q + 1]; ++p) s.dense[m_.col[p]] = m_.val[p];
}

void PrunedScorer::unload(size_t q, Scratch& s) const {
    for (uint64_t p = m_.row_ptr[q]; p < m_.row_ptr[q + 1]; ++p) s.dense[m_.col[p]] = 0.0f;
}

float PrunedScorer::dot(const std::vector<float>& dense, size_t j) const {
    float s = 0.0f;
    const float* q = dense.data();
    for (uint64_t p = m_.row_ptr[j]; p < m_.row_ptr[j + 1]; ++p) s += q[m_.col[p]] * m_.val[p];
    return s;
}

std::vector<Neighbour> PrunedScorer::top_k(size_t q, size_t k, size_t candidates,
                                           Scratch& s) const {
    const size_t n = m_.rows();
    if (s.partial.size() != n) s.partial.assign(n, 0.0f);
    s.touched.clear();
    float* a = s.partial.data();
    for (uint64_t p = top_ptr_[q]; p < top_ptr_[q + 1]; ++p) {
        const uint32_t f = top_col_[p];
        const float x = top_val_[p];
        for (uint64_t t = post_ptr_[f]; t < post_ptr_[f + 1]; ++t) {
            const uint32_t d = post_doc_[t];
            if (a[d] == 0.0f) s.touched.push_back(d);
            a[d] += x * post_val_[t];
        }
    }
    std::vector<std::pair<float, uint32_t>> cand;
    cand.reserve(s.touched.size());
    for (uint32_t d : s.touched) {
        if (d != q) cand.emplace_back(a[d], d);
        a[d] = 0.0f;
    }
    if (cand.size() > candidates) {
        std::nth_element(cand.begin(), cand.begin() + static_cast<ptrdiff_t>(candidates), cand.end(),
                         [](const auto& x, const auto& y) {
                             return x.first != y.first ? x.first > y.first : x.second < y.second;
                         });
        cand.resize(candidates);
    }
    load(q, s);
    std::vector<Neighbour> out;
    out.reserve(cand.size());
    for (const auto& [_, d] : cand) {
        const float sc = dot(s.dense, d);
        if (sc > 0.0f) out.push_back({d, sc});
    }
    unload(q, s);
    std::sort(out.begin(), out.end(), ranks_before);
    if (out.size() > k) out.resize(k);
    return out;
}

void PrunedScorer::all_scores(size_t q, std::vector<float>& acc, Scratch& s) const {
    const size_t n = m_.rows();
    acc.resize(n);
    load(q, s);
    for (size_t j = 0; j < n; ++j) acc[j] = dot(s.dense, j);
    unload(q, s);
}

}  // namespace asp::ml
