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

SvmTask svm_task(const Generation& g, const RankInputs& in) {
    SvmTask t;
    for (const auto& id : in.positives)
        if (auto d = g.find(id)) t.positive.push_back(*d);
    std::sort(t.positive.begin(), t.positive.end());
    t.positive.erase(std::unique(t.positive.begin(), t.positive.end()), t.positive.end());
    for (const auto& id : in.not_interested)  // saved wins over not interested
        if (auto d = g.find(id); d && !std::binary_search(t.positive.begin(), t.positive.end(), *d))
            t.negative.push_back(*d);
    std::sort(t.negative.begin(), t.negative.end());
    t.negative.erase(std::unique(t.negative.begin(), t.negative.end()), t.negative.end());
    // One not-interested paper weighs as one positive: balanced, a negative's C is
    // C n / (2 n_neg) and a positive's C n / (2 n_pos); the factor n_neg / n_pos makes them equal.
    if (!t.positive.empty() && t.positive.size() < g.size())
        t.negative_weight = std::max(1.0, static_cast<double>(g.size() - t.positive.size()) /
                                              static_cast<double>(t.positive.size()));
    return t;
}

std::vector<ScoredPaper> top_rows(const Generation& g, std::span<const float> scores, const SvmTask& task,
                                  size_t top, bool list_positives) {
    std::vector<char> skip(scores.size(), 0);
    for (uint32_t r : task.negative) skip[r] = 1;
    if (!list_positives)
        for (uint32_t r : task.positive) skip[r] = 1;
    std::vector<std::pair<float, uint32_t>> s;
    s.reserve(scores.size());
    for (size_t i = 0; i < scores.size(); ++i)
        if (!skip[i]) s.emplace_back(scores[i], static_cast<uint32_t>(i));
    const size_t k = std::min(top, s.size());
    std::partial_sort(s.begin(), s.begin() + static_cast<ptrdiff_t>(k), s.end(),
                      [](const auto& a, const auto& b) {
                          return a.first != b.first ? a.first > b.first : a.second < b.second;
                      });
    std::vector<ScoredPaper> out;
    out.reserve(k);
    for (size_t i = 0; i < k; ++i) out.push_back({std::string(g.ids[s[i].second]), s[i].first});
    return out;
}

RankResult rank_by_svm(const Generation& g, const RankInputs& in, const RankParams& params) {
    RankResult out;
    SvmTask task = svm_task(g, in);
    out.positives_found = task.positive.size();
    if (task.positive.empty() || task.positive.size() == g.size()) return out;
    const SparseRows x{g.matrix.row_ptr, g.matrix.col, g.matrix.val, g.terms.size()};
    if (params.warm && params.warm->w.size() == x.n_features) task.warm = params.warm;
    auto m = std::make_shared<LinearSvmModel>(train_linear_svm(x, task, params.svm));
    out.iterations = m->iterations;
    const auto scores = decision_values(x, std::span<const LinearSvmModel>(m.get(), 1));
    out.model = std::move(m);
    out.papers = top_rows(g, scores[0], task, params.top, params.list_positives);
    return out;
}

RankResult rank_by_svm(const IndexReader& index, const RankInputs& in, const RankParams& params) {
    return rank_by_svm(index.generation_data(), in, params);
}

}  // namespace asp::ml
