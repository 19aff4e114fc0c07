#include <asp/ml/tfidf.hpp>

#include <cmath>
#include <random>

#include "unit/catch_compat.hpp"

using namespace asp::ml;

namespace {

TfidfModel fit(const std::vector<std::string>& docs, size_t max_features) {
    TfidfParams p;
    p.max_features = max_features;
    return TfidfModel::fit(p, docs.size(), [&](size_t i) { return docs[i]; }, 2);
}

}  // namespace

TEST_CASE("tfidf: vocabulary keeps the most frequent terms, alphabetical on ties", "[ml]") {
    const std::vector<std::string> docs = {"alpha alpha alpha beta", "beta gamma", "delta"};
    // counts: alpha 3, beta 2, "alpha alpha" 2, then 1s; max 3 -> alpha, beta, "alpha alpha".
    auto m = fit(docs, 3);
    CHECK(m.terms() == std::vector<std::string>{"alpha", "alpha alpha", "beta"});
    // Ties at the cut: "alpha beta", "beta gamma", delta, gamma all count 1 -> alphabetical.
    auto m5 = fit(docs, 5);
    CHECK(m5.terms() ==
          std::vector<std::string>{"alpha", "alpha alpha", "alpha beta", "beta", "beta gamma"});
}

TEST_CASE("tfidf: smooth idf, sublinear tf and l2 norm as scikit-learn", "[ml]") {
    const std::vector<std::string> docs = {"alpha alpha beta", "beta gamma", "gamma"};
    TfidfParams p;
    p.analyzer.ngram_max = 1;
    auto m = TfidfModel::fit(p, docs.size(), [&](size_t i) { return docs[i]; }, 1);
    REQUIRE(m.terms() == std::vector<std::string>{"alpha", "beta", "gamma"});
    // idf = ln((1 + n) / (1 + df)) + 1
    CHECK(m.idf()[0] == Approx(std::log(4.0 / 2.0) + 1));
    CHECK(m.idf()[1] == Approx(std::log(4.0 / 3.0) + 1));
    TfidfModel::Scratch s;
    SparseVector v;
    m.transform(docs[0], s, v);
    REQUIRE(v.index == std::vector<uint32_t>{0, 1});
    const double a = (1 + std::log(2.0)) * m.idf()[0], b = m.idf()[1];
    const double norm = std::sqrt(a * a + b * b);
    CHECK(v.value[0] == Approx(a / norm).epsilon(1e-6));
    CHECK(v.value[1] == Approx(b / norm).epsilon(1e-6));
    m.transform("nothing known here", s, v);
    CHECK(v.index.empty());
}

TEST_CASE("tfidf: a count budget of a few thousand terms gives the same vocabulary", "[ml]") {
    // 400 documents of Zipf-distributed words: ~20,000 distinct unigrams and bigrams, far more
    // than the budget, so counting prunes many times; the top 300 terms occur often enough that
    // the recount makes the result exact.
    std::mt19937 rng(5);
    std::vector<std::string> docs;
    std::vector<double> weights;
    for (int i = 1; i <= 3000; ++i) weights.push_back(1.0 / i);
    std::discrete_distribution<int> word(weights.begin(), weights.end());
    for (int d = 0; d < 400; ++d) {
        std::string s;
        for (int k = 0; k < 150; ++k) {
            const int w = word(rng);
            s += "w" + std::to_string(w) + "x ";
        }
        docs.push_back(s);
    }
    TfidfParams full;
    full.max_features = 300;
    full.count_budget = 0;  // unbounded
    TfidfParams small = full;
    small.count_budget = 3000;
    for (int jobs : {1, 2}) {
        std::vector<SparseVector> rows_full, rows_small;
        auto a = TfidfModel::fit(full, docs.size(), [&](size_t i) { return docs[i]; }, jobs, &rows_full);
        auto b = TfidfModel::fit(small, docs.size(), [&](size_t i) { return docs[i]; }, jobs, &rows_small);
        CHECK(a.terms() == b.terms());
        CHECK(a.idf() == b.idf());
        REQUIRE(rows_full.size() == rows_small.size());
        for (size_t i = 0; i < rows_full.size(); ++i) {
            CHECK(rows_full[i].index == rows_small[i].index);
            CHECK(rows_full[i].value == rows_small[i].value);
        }
    }
}
