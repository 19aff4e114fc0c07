#include <asp/ml/linear_svm.hpp>

#include <cmath>
#include <random>

#include "unit/catch_compat.hpp"

using namespace asp::ml;

namespace {

struct Data {
    std::vector<uint64_t> ptr{0};
    std::vector<uint32_t> col;
    std::vector<float> val;
    std::vector<char> pos;
    SparseRows rows(size_t features) const { return {ptr, col, val, features}; }
};

// Two noisy clusters in 3 features; positives lean on feature 0, negatives on feature 1.
Data clusters(size_t n_pos, size_t n_neg, uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(0.0f, 0.3f);
    Data d;
    for (size_t i = 0; i < n_pos + n_neg; ++i) {
        const bool p = i < n_pos;
        d.col.insert(d.col.end(), {0, 1, 2});
        d.val.insert(d.val.end(), {(p ? 1.0f : 0.2f) + u(rng), (p ? 0.2f : 1.0f) + u(rng), u(rng)});
        d.ptr.push_back(d.col.size());
        d.pos.push_back(p ? 1 : 0);
    }
    return d;
}

}  // namespace

TEST_CASE("linear svm: separates two clusters and meets the dual optimality conditions", "[ml]") {
    const Data d = clusters(5, 60, 3);
    LinearSvmParams p;  // C = 0.1, balanced, tol 1e-6: the original's LinearSVC
    const auto m = train_linear_svm(d.rows(3), d.pos, p);
    REQUIRE(m.converged);
    for (size_t i = 0; i < d.pos.size(); ++i)
        CHECK((m.decision(d.rows(3), i) > 0) == static_cast<bool>(d.pos[i]));
    CHECK(m.w[0] > 0);
    CHECK(m.w[1] < 0);
}

TEST_CASE("linear svm: balanced weights lift a rare class", "[ml]") {
    const Data d = clusters(2, 200, 5);
    LinearSvmParams p;
    p.balanced = false;
    const auto plain = train_linear_svm(d.rows(3), d.pos, p);
    p.balanced = true;
    const auto balanced = train_linear_svm(d.rows(3), d.pos, p);
    // With few positives, the unweighted fit's intercept leans negative harder.
    CHECK(balanced.bias > plain.bias);
}

TEST_CASE("linear svm: needs both classes", "[ml]") {
    Data d = clusters(0, 10, 1);
    CHECK_THROWS(train_linear_svm(d.rows(3), d.pos, LinearSvmParams{}));
}
