#include <asp/ml/tfidf.hpp>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "ml/parallel.hpp"
#include "ml/term_hash.hpp"

namespace asp::ml {

std::string TfidfParams::fingerprint() const {
    const auto& a = analyzer;
    std::string s;
    s += "lowercase=" + std::to_string(a.lowercase);
    s += ";strip_accents=" + std::string(a.strip_accents == AccentStripping::Unicode ? "unicode"
                                                                                       : "none");
    s += ";token_pattern=" +
         std::string(a.token_pattern == TokenPattern::Original ? "original" : "word");
    s += ";stop_words=" + std::string(a.english_stop_words ? "english" : "none");
    s += ";ngram=" + std::to_string(a.ngram_min) + "," + std::to_string(a.ngram_max);
    s += ";max_features=" + std::to_string(max_features);
    if (max_train != 5000) s += ";max_train=" + std::to_string(max_train);
    s += ";sublinear_tf=" + std::to_string(sublinear_tf);
    s += ";use_idf=" + std::to_string(use_idf);
    s += ";smooth_idf=" + std::to_string(smooth_idf);
    s += ";norm=" + std::string(norm == Norm::L2 ? "l2" : "none");
    return s;
}

TfidfModel::TfidfModel(TfidfParams params, std::vector<std::string> terms, std::vector<double> idf)
    : params_(params), analyzer_(params.analyzer), terms_(std::move(terms)), idf_(std::move(idf)) {
    if (idf_.size() != terms_.size()) throw std::invalid_argument("idf and terms differ in size");
    lookup_.reserve(terms_.size() * 2);
    for (size_t i = 0; i < terms_.size(); ++i)
        lookup_.emplace(std::string_view(terms_[i]), static_cast<uint32_t>(i));
}

std::optional<uint32_t> TfidfModel::index_of(std::string_view term) const {
    auto it = lookup_.find(term);
    if (it == lookup_.end()) return std::nullopt;
    return it->second;
}

void TfidfModel::transform(std::string_view doc, Scratch& s, SparseVector& out) const {
    s.hits.clear();
    analyzer_.for_each_term(doc, s.text, [&](std::string_view term) {
        auto it = lookup_.find(term);
        if (it != lookup_.end()) s.hits.push_back(it->second);
    });
    std::sort(s.hits.begin(), s.hits.end());
    s.counts.clear();
    for (size_t i = 0; i < s.hits.size();) {
        size_t j = i;
        while (j < s.hits.size() && s.hits[j] == s.hits[i]) ++j;
        s.counts.emplace_back(s.hits[i], static_cast<uint32_t>(j - i));
        i = j;
    }
    weigh(s.counts, out);
}

void TfidfModel::weigh(const std::vector<std::pair<uint32_t, uint32_t>>& counts,
                       SparseVector& out) const {
    out.clear();
    std::vector<double> vals;
    vals.reserve(counts.size());
    for (const auto& [feature, count] : counts) {
        double tf = static_cast<double>(count);
        if (params_.sublinear_tf) tf = std::log(tf) + 1.0;
        if (params_.use_idf) tf *= idf_[feature];
        out.index.push_back(feature);
        vals.push_back(tf);
    }
    if (params_.norm == Norm::L2) {
        double sum = 0;
        for (double v : vals) sum += v * v;
        const double norm = std::sqrt(sum);
        if (norm > 0)
            for (double& v : vals) v /= norm;
    }
    out.value.assign(vals.begin(), vals.end());
}

TfidfModel TfidfModel::fit(const TfidfParams& params, size_t n_docs, const DocumentSource& docs,
                           int jobs, std::vector<SparseVector>* rows) {
    const TextAnalyzer analyzer(params.analyzer);
    const size_t workers = worker_count(n_docs, jobs);

    // Pass 1: corpus frequency of every term, by hash, within the count budget.
    std::vector<uint64_t> lost(workers, 0);  // sum of the pruning thresholds of each worker
    const size_t budget =
        params.count_budget > 0 ? std::max<size_t>(params.count_budget / workers, 16) : SIZE_MAX;
    std::vector<SortedCounter> counts(
        workers, SortedCounter(std::clamp<size_t>(budget, 4096, size_t{1} << 21)));
    {
        std::vector<TextAnalyzer::Scratch> scratch(workers);
        parallel_for(n_docs, jobs, [&](size_t i, size_t w) {
            const std::string doc = docs(i);
            analyzer.for_each_term(doc, scratch[w],
                                   [&](std::string_view t) { counts[w].add(term_hash(t)); });
            if (counts[w].table_size() <= budget) return;
            // Full: keep the half of highest count.
            std::vector<uint64_t> v;
            const auto& entries = counts[w].entries();
            v.reserve(entries.size());
            for (const auto& e : entries) v.push_back(e.second);
            const size_t keep = budget / 2;
            std::nth_element(v.begin(), v.begin() + static_cast<ptrdiff_t>(keep), v.end(),
                             std::greater<>());
            const uint64_t t = v[keep];
            counts[w].keep_above(t);
            lost[w] += t;
        });
    }
    uint64_t max_lost = 0;
    for (size_t w = 0; w < workers; ++w) max_lost += lost[w];
    for (size_t w = 1; w < workers; ++w) counts[0].merge(counts[w]);
    const std::vector<SortedCounter::Entry>& total = counts[0].entries();

    // The cut-off: the max_features-th highest count; every term at or above it is a candidate.
    uint64_t cut = 0;
    if (params.max_features > 0 && total.size() > params.max_features) {
        std::vector<uint64_t> c;
        c.reserve(total.size());
        for (const auto& e : total) c.push_back(e.second);
        std::nth_element(c.begin(), c.begin() + static_cast<ptrdiff_t>(params.max_features - 1),
                         c.end(), std::greater<>());
        cut = c[params.max_features - 1];
    }
    // With pruning, a term's true count may exceed its estimate by up to max_lost: every term
    // within that of the cut-off is a candidate, recounted exactly below.
    if (max_lost > 0) {
        if (cut <= max_lost)
            spdlog::warn("fit: the count budget ({} terms) is too small for an exact vocabulary "
                         "(cut-off {} <= possible loss {}): terms near the cut-off may differ",
                         params.count_budget, cut, max_lost);
        spdlog::debug("fit: counts pruned (loss <= {}), cut-off estimate {}", max_lost, cut);
        cut = cut > max_lost ? cut - max_lost : 1;
    }
    // Candidates get dense ordinals: ordinal_of maps hash -> ordinal + 1.
    HashCounter ordinal_of;
    std::vector<uint64_t> cand_count;
    for (const auto& [k, n] : total) {
        if (n < cut) continue;
        cand_count.push_back(n);
        ordinal_of.add(k, cand_count.size());
    }
    counts.clear();
    const size_t n_cand = cand_count.size();
    spdlog::debug("fit: {} candidate terms at or above corpus count {}", n_cand, cut);

    // Pass 2: the candidates' strings, document frequencies and (optionally) each document's
    // candidate counts.
    struct Local {
        std::vector<std::string> names;
        std::vector<uint64_t> df, count;
        TextAnalyzer::Scratch scratch;
        std::vector<uint32_t> seen;
    };
    std::vector<Local> local(workers);
    for (auto& l : local) {
        l.names.resize(n_cand);
        l.df.assign(n_cand, 0);
        if (max_lost > 0) l.count.assign(n_cand, 0);
    }
    std::vector<std::vector<std::pair<uint32_t, uint32_t>>> doc_counts(rows ? n_docs : 0);
    parallel_for(n_docs, jobs, [&](size_t i, size_t w) {
        Local& l = local[w];
        const std::string doc = docs(i);
        l.seen.clear();
        analyzer.for_each_term(doc, l.scratch, [&](std::string_view t) {
            const uint64_t o = ordinal_of.get(term_hash(t));
            if (o == 0) return;
            l.seen.push_back(static_cast<uint32_t>(o - 1));
            if (l.names[o - 1].empty()) l.names[o - 1] = t;
        });
        std::sort(l.seen.begin(), l.seen.end());
        for (size_t a = 0; a < l.seen.size();) {
            size_t b = a;
            while (b < l.seen.size() && l.seen[b] == l.seen[a]) ++b;
            ++l.df[l.seen[a]];
            if (max_lost > 0) l.count[l.seen[a]] += b - a;
            if (rows) doc_counts[i].emplace_back(l.seen[a], static_cast<uint32_t>(b - a));
            a = b;
        }
    });
    for (size_t w = 1; w < workers; ++w) {
        for (size_t o = 0; o < n_cand; ++o) {
            local[0].df[o] += local[w].df[o];
            if (max_lost > 0) local[0].count[o] += local[w].count[o];
            if (local[0].names[o].empty()) local[0].names[o] = std::move(local[w].names[o]);
        }
        local[w] = Local{};
    }

    struct Term {
        std::string name;
        uint64_t count, df;
        uint32_t ordinal;
    };
    std::vector<Term> terms;
    terms.reserve(n_cand);
    for (size_t o = 0; o < n_cand; ++o)
        terms.push_back({std::move(local[0].names[o]),
                         max_lost > 0 ? local[0].count[o] : cand_count[o], local[0].df[o],
                         static_cast<uint32_t>(o)});
    // Highest corpus count first; ties at the cut-off: alphabetical order.
    std::sort(terms.begin(), terms.end(), [](const Term& a, const Term& b) {
        return a.count != b.count ? a.count > b.count : a.name < b.name;
    });
    if (params.max_features > 0 && terms.size() > params.max_features)
        terms.resize(params.max_features);
    std::sort(terms.begin(), terms.end(),
              [](const Term& a, const Term& b) { return a.name < b.name; });

    std::vector<std::string> names;
    std::vector<double> idf;
    const double n = static_cast<double>(n_docs) + (params.smooth_idf ? 1.0 : 0.0);
    for (auto& t : terms) {
        const double df = static_cast<double>(t.df) + (params.smooth_idf ? 1.0 : 0.0);
        idf.push_back(std::log(n / df) + 1.0);
        names.push_back(std::move(t.name));
    }
    std::vector<int64_t> feature_of(n_cand, -1);
    for (size_t f = 0; f < terms.size(); ++f) feature_of[terms[f].ordinal] = static_cast<int64_t>(f);
    TfidfModel model(params, std::move(names), std::move(idf));
    if (rows) {
        rows->assign(n_docs, SparseVector{});
        std::vector<std::vector<std::pair<uint32_t, uint32_t>>> buf(workers);
        parallel_for(n_docs, jobs, [&](size_t i, size_t w) {
            auto& c = buf[w];
            c.clear();
            for (const auto& [o, count] : doc_counts[i])
                if (feature_of[o] >= 0) c.emplace_back(static_cast<uint32_t>(feature_of[o]), count);
            std::vector<std::pair<uint32_t, uint32_t>>().swap(doc_counts[i]);
            std::sort(c.begin(), c.end());
            model.weigh(c, (*rows)[i]);
        });
    }
    return model;
}

}  // namespace asp::ml
