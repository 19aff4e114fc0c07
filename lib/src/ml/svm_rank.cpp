#include <asp/ml/svm_rank.hpp>

#include <algorithm>
#include <cstdio>

#include "ml/svm_rank_impl.hpp"

namespace asp::ml {
namespace {

std::vector<std::string> sorted_unique(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
}

}  // namespace

std::string model_key(const RankInputs& in) {
    uint64_t h = 14695981039346656037ull;  // FNV-1a
    auto add = [&h](std::string_view s) {
        for (unsigned char c : s) {
            h ^= c;
            h *= 1099511628211ull;
        }
        h ^= 0xff;  // separator: no id holds this byte
        h *= 1099511628211ull;
    };
    for (const auto& id : sorted_unique(in.positives)) add(id);
    add("|not-interested|");
    for (const auto& id : sorted_unique(in.not_interested)) add(id);
    char out[17];
    std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
    return out;
}

RankResult rank_by_svm(const Generation& g, const RankInputs& in, const RankParams& params) {
    RankResult out;
    const size_t n = g.size();
    // 1: positive, 2: not interested (a negative), 0: an ordinary negative.
    std::vector<char> label(n, 0);
    size_t n_pos = 0, n_hard = 0;
    for (const auto& id : in.positives)
        if (auto d = g.find(id); d && label[*d] == 0) {
            label[*d] = 1;
            ++n_pos;
        }
    for (const auto& id : in.not_interested)
        if (auto d = g.find(id); d && label[*d] == 0) {  // saved wins over not interested
            label[*d] = 2;
            ++n_hard;
        }
    out.positives_found = n_pos;
    if (n_pos == 0 || n_pos == n) return out;
    std::vector<char> positive(n);
    for (size_t i = 0; i < n; ++i) positive[i] = label[i] == 1;
    std::vector<float> weight;
    if (n_hard > 0) {
        // One not-interested paper weighs as one positive: its C is the positive class's.
        weight.assign(n, 1.0f);
        const float w = static_cast<float>(n - n_pos) / static_cast<float>(n_pos);
        for (size_t i = 0; i < n; ++i)
            if (label[i] == 2) weight[i] = std::max(1.0f, w);
    }
    const SparseRows x{g.matrix.row_ptr, g.matrix.col, g.matrix.val, g.terms.size()};
    const LinearSvmModel m = train_linear_svm(x, positive, params.svm, weight);
    out.iterations = m.iterations;

    std::vector<std::pair<double, uint32_t>> s;
    s.reserve(n);
    for (size_t i = 0; i < n; ++i)
        if (label[i] == 0 || (label[i] == 1 && params.list_positives))
            s.emplace_back(m.decision(x, i), static_cast<uint32_t>(i));
    const size_t k = std::min(params.top, s.size());
    std::partial_sort(s.begin(), s.begin() + static_cast<ptrdiff_t>(k), s.end(),
                      [](const auto& a, const auto& b) {
                          return a.first != b.first ? a.first > b.first : a.second < b.second;
                      });
    out.papers.reserve(k);
    for (size_t i = 0; i < k; ++i) out.papers.push_back({std::string(g.ids[s[i].second]), s[i].first});
    return out;
}

RankResult rank_by_svm(const IndexReader& index, const RankInputs& in, const RankParams& params) {
    return rank_by_svm(index.generation_data(), in, params);
}

}  // namespace asp::ml
