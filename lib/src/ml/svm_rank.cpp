#include <asp/ml/svm_rank.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>

#include "ml/streamed_rows.hpp"
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

namespace {

// The reduced problem of RankParams::sample_random: which rows, how often each is listed, and
// the solver's weights that make its loss estimate the full balanced problem's.
struct Reduced {
    GatheredRows rows;
    SvmTask task;
    LinearSvmParams svm;
};

Reduced reduced_problem(const Generation& g, MatrixReader& reader, const SvmTask& full,
                        const RankParams& params) {
    const size_t n = g.size(), n_pos = full.positive.size();
    std::vector<char> used(n, 0);
    for (uint32_t r : full.positive) used[r] = 1;
    for (uint32_t r : full.negative) used[r] = 1;
    // Hard negatives: the given candidates (e.g. the previous ranking), then the positives'
    // neighbours, nearest first.
    std::vector<uint32_t> hard;
    auto take = [&](uint32_t r) {
        if (hard.size() < params.sample_hard && !used[r]) {
            used[r] = 1;
            hard.push_back(r);
        }
    };
    for (const auto& id : params.hard_candidates) {
        if (hard.size() >= params.sample_hard) break;
        if (auto r = g.find(id)) take(*r);
    }
    for (size_t k = 0; hard.size() < params.sample_hard && k < g.top_k; ++k) {
        bool any = false;
        for (uint32_t p : full.positive) {
            const uint64_t at = g.sim_ptr[p] + k;
            if (at >= g.sim_ptr[p + 1]) continue;
            any = true;
            take(g.sim_doc[at]);
        }
        if (!any) break;
    }
    // Random negatives among the rest, the same for the same inputs.
    const size_t rest = n - n_pos - full.negative.size() - hard.size();
    const size_t n_random = std::min(params.sample_random, rest);
    uint64_t seed = params.svm.seed;
    for (uint32_t r : full.positive) seed = seed * 1099511628211ull + r;
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<uint32_t> pick(0, static_cast<uint32_t>(n - 1));
    std::vector<uint32_t> random;
    random.reserve(n_random);
    while (random.size() < n_random) {
        const uint32_t r = pick(rng);
        if (used[r]) continue;
        used[r] = 1;
        random.push_back(r);
    }

    // The full problem's balanced weights (asp/ml/linear_svm.hpp): a positive's C, a plain
    // negative's, an explicit negative's.
    const double C = params.svm.C, nd = static_cast<double>(n);
    const double c_pos = C * nd / (2.0 * static_cast<double>(n_pos));
    const double c_neg = C * nd / (2.0 * static_cast<double>(n - n_pos));
    const double c_explicit = c_neg * full.negative_weight;
    // What each sampled negative stands for, and the solver's levels: one weight for the
    // positives and the unlisted rows, one for the listed negatives. A row listed k times
    // weighs k times.
    const bool ht = params.sample_weights == SampleWeights::horvitz_thompson && n_random > 0;
    const double sampled = static_cast<double>(hard.size() + n_random);
    const double c_plain_wanted =
        ht ? c_neg * static_cast<double>(rest) / static_cast<double>(n_random) : c_pos;
    const size_t pos_copies = std::max<size_t>(1, static_cast<size_t>(std::lround(c_pos / c_plain_wanted)));
    const double c_plain = c_pos / static_cast<double>(pos_copies);
    const double c_listed =
        ht ? c_neg : c_neg * static_cast<double>(n - n_pos - full.negative.size()) / sampled;
    // Explicit negatives listed as often as their weight asks, but in all at most as many rows
    // as the sample (many "not interested" marks beside a tiny tag then weigh less each).
    const size_t explicit_wanted = std::max<size_t>(1, static_cast<size_t>(std::lround(c_explicit / c_plain)));
    const size_t explicit_cap =
        full.negative.empty() ? 1 : std::max<size_t>(1, (hard.size() + n_random) / full.negative.size());
    const size_t explicit_copies = std::min(explicit_wanted, explicit_cap);

    Reduced out;
    auto length = [&g](uint32_t r) { return g.matrix.row_ptr[r + 1] - g.matrix.row_ptr[r]; };
    uint64_t nnz = 0;  // reserved at once: growing the arrays would copy and fault them in again
    for (uint32_t r : full.positive) nnz += length(r) * pos_copies;
    for (uint32_t r : full.negative) nnz += length(r) * explicit_copies;
    for (uint32_t r : hard) nnz += length(r);
    for (uint32_t r : random) nnz += length(r);
    out.rows.col.reserve(nnz);
    out.rows.val.reserve(nnz);
    out.rows.row_ptr.reserve(full.positive.size() * pos_copies + full.negative.size() * explicit_copies +
                             hard.size() + random.size() + 1);
    for (uint32_t r : full.positive) {
        for (size_t k = 0; k < pos_copies; ++k)
            out.task.positive.push_back(static_cast<uint32_t>(out.rows.row_ptr.size() - 1 + k));
        reader.append_row(r, out.rows, pos_copies);
    }
    for (uint32_t r : full.negative) reader.append_row(r, out.rows, explicit_copies);
    auto listed = [&](uint32_t r) {
        out.task.negative.push_back(static_cast<uint32_t>(out.rows.row_ptr.size() - 1));
        reader.append_row(r, out.rows);
    };
    for (uint32_t r : hard) listed(r);
    for (uint32_t r : random) {
        if (ht)
            reader.append_row(r, out.rows);
        else
            listed(r);
    }
    out.svm = params.svm;
    out.svm.balanced = false;
    out.svm.C = c_plain;
    out.task.negative_weight = c_listed / c_plain;
    return out;
}

}  // namespace

RankResult rank_by_svm(const Generation& g, const RankInputs& in, const RankParams& params) {
    RankResult out;
    SvmTask task = svm_task(g, in);
    out.positives_found = task.positive.size();
    if (task.positive.empty() || task.positive.size() == g.size()) return out;
    const size_t n_features = g.terms.size();
    const size_t others = g.size() - task.positive.size() - task.negative.size();
    std::shared_ptr<LinearSvmModel> m;
    MatrixReader reader(g);
    if (params.sample_random > 0 && others > 2 * (params.sample_random + params.sample_hard)) {
        Reduced red = reduced_problem(g, reader, task, params);
        if (params.warm && params.warm->w.size() == n_features) red.task.warm = params.warm;
        const SparseRows x = red.rows.view(n_features);
        out.trained_rows = x.rows();
        m = std::make_shared<LinearSvmModel>(train_linear_svm(x, red.task, red.svm));
    } else {
        const SparseRows x{g.matrix.row_ptr, g.matrix.col, g.matrix.val, n_features};
        if (params.warm && params.warm->w.size() == x.n_features) task.warm = params.warm;
        out.trained_rows = x.rows();
        m = std::make_shared<LinearSvmModel>(train_linear_svm(x, task, params.svm));
    }
    out.iterations = m->iterations;
    // Scoring reads every row once, through small buffers (not the mapping: serve's RSS).
    const auto scores = reader.decision_values(*m);
    out.model = std::move(m);
    out.papers = top_rows(g, scores, task, params.top, params.list_positives);
    return out;
}

RankResult rank_by_svm(const IndexReader& index, const RankInputs& in, const RankParams& params) {
    return rank_by_svm(index.generation_data(), in, params);
}

}  // namespace asp::ml
