// The inverted-index scorer must give exactly the brute-force cosine top-K.
#include "ml/neighbours.hpp"

#include <algorithm>
#include <mutex>
#include <random>

#include "unit/catch_compat.hpp"

using namespace asp::ml;

namespace {

// n rows over v features, each feature present with probability 1 / one_in, values from `value`.
struct RandomCsr {
    template <class Value>
    RandomCsr(std::mt19937& rng, size_t n, uint32_t v, unsigned one_in, Value value) {
        for (size_t i = 0; i < n; ++i) {
            for (uint32_t f = 0; f < v; ++f)
                if (rng() % one_in == 0) {
                    col.push_back(f);
                    val.push_back(value());
                }
            ptr.push_back(col.size());
        }
    }
    CsrView view() const { return {ptr, col, val}; }
    std::vector<uint64_t> ptr{0};
    std::vector<uint32_t> col;
    std::vector<float> val;
};

}  // namespace

TEST_CASE("neighbours: top-K equals brute force, symmetric scores, self excluded", "[ml]") {
    std::mt19937 rng(11);
    const size_t n = 120, v = 40;
    std::vector<std::vector<float>> dense(n, std::vector<float>(v, 0.0f));
    std::vector<uint64_t> ptr{0};
    std::vector<uint32_t> col;
    std::vector<float> val;
    for (size_t i = 0; i < n; ++i) {
        for (uint32_t f = 0; f < v; ++f)
            if (rng() % 5 == 0) dense[i][f] = static_cast<float>(rng() % 100) / 100.0f + 0.01f;
        for (uint32_t f = 0; f < v; ++f)
            if (dense[i][f] != 0) {
                col.push_back(f);
                val.push_back(dense[i][f]);
            }
        ptr.push_back(col.size());
    }
    const CsrView m{ptr, col, val};
    const CosineScorer scorer(m, v);
    std::vector<float> acc, acc2;
    for (size_t q = 0; q < n; ++q) {
        scorer.scores(q, acc);
        std::vector<Neighbour> brute;
        for (uint32_t j = 0; j < n; ++j) {
            if (j == q) continue;
            float s = 0;
            for (uint32_t f = 0; f < v; ++f) s += dense[q][f] * dense[j][f];
            CHECK(acc[j] == Approx(s).epsilon(1e-5));
            if (acc[j] > 0) brute.push_back({j, acc[j]});
            scorer.scores(j, acc2);
            REQUIRE(acc2[q] == acc[j]);  // bit-identical whichever is the query
        }
        std::sort(brute.begin(), brute.end(), ranks_before);
        brute.resize(std::min<size_t>(brute.size(), 7));
        const auto top = top_k(acc, 7, static_cast<uint32_t>(q));
        REQUIRE(top.size() == brute.size());
        for (size_t k = 0; k < top.size(); ++k) CHECK(top[k].doc == brute[k].doc);
    }
}

TEST_CASE("neighbours: the pruned scorer is exact when nothing is pruned, and its scores always", "[ml]") {
    std::mt19937 rng(13);
    const size_t n = 300, v = 60;
    const RandomCsr rows(rng, n, v, 6, [&] { return static_cast<float>(rng() % 100) / 100.0f + 0.01f; });
    const CsrView m = rows.view();
    const CosineScorer exact(m, v);
    const PrunedScorer whole(m, v, v);      // every term indexed
    const PrunedScorer pruned(m, v, 4);     // 4 terms per paper
    PrunedScorer::Scratch s1, s2, s3;
    std::vector<float> acc, all;
    size_t found = 0, wanted = 0;
    for (size_t q = 0; q < n; ++q) {
        exact.scores(q, acc);
        const auto ref = top_k(acc, 10, static_cast<uint32_t>(q));
        const auto got = whole.top_k(q, 10, n, s1);
        REQUIRE(got.size() == ref.size());
        for (size_t k = 0; k < ref.size(); ++k) {
            CHECK(got[k].doc == ref[k].doc);
            CHECK(got[k].score == ref[k].score);  // bit-identical
        }
        whole.all_scores(q, all, s3);
        for (size_t j = 0; j < n; ++j) CHECK(all[j] == acc[j]);
        const auto approx = pruned.top_k(q, 10, 30, s2);
        for (const auto& nb : approx) CHECK(nb.score == acc[nb.doc]);  // exact scores
        for (const auto& r : ref) {
            ++wanted;
            found += std::any_of(approx.begin(), approx.end(),
                                 [&](const Neighbour& a) { return a.doc == r.doc; });
        }
    }
    // Pruned hard (4 of ~10 terms, 30 candidates) it still finds most true neighbours.
    CHECK(static_cast<double>(found) / static_cast<double>(wanted) > 0.5);
}

TEST_CASE("neighbours: all_top_k (each pair scored once) equals a query per document", "[ml]") {
    std::mt19937 rng(17);
    const size_t n = 257, v = 50;
    // Few distinct values: many tied scores, so the tie order is checked too.
    const RandomCsr rows(rng, n, v, 7, [&] { return static_cast<float>(rng() % 4 + 1) / 4.0f; });
    const CsrView m = rows.view();
    const CosineScorer exact(m, v);
    for (int jobs : {1, 2, 3}) {
        size_t calls = 0;
        std::mutex mu;
        const auto lists = all_top_k(m, v, 9, jobs, [&] {
            std::lock_guard lock(mu);
            ++calls;
        });
        CHECK(calls == n);
        REQUIRE(lists.size() == n);
        std::vector<float> acc;
        for (size_t q = 0; q < n; ++q) {
            exact.scores(q, acc);
            const auto ref = top_k(acc, 9, static_cast<uint32_t>(q));
            REQUIRE(lists[q].size() == ref.size());
            for (size_t k = 0; k < ref.size(); ++k) {
                CHECK(lists[q][k].doc == ref[k].doc);
                CHECK(lists[q][k].score == ref[k].score);  // bit-identical
            }
        }
    }
}
