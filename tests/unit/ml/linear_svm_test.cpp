#include <asp/ml/linear_svm.hpp>

#include <algorithm>
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

namespace {

// A sparse problem like tf-idf rows: 40 features, 300 rows, unit length, a topic per row.
Data topics(size_t rows, uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<uint32_t> feat(0, 39);
    std::uniform_real_distribution<float> u(0.1f, 1.0f);
    Data d;
    for (size_t i = 0; i < rows; ++i) {
        const uint32_t topic = static_cast<uint32_t>(i % 4) * 10;
        std::vector<std::pair<uint32_t, float>> row;
        for (int k = 0; k < 6; ++k) row.emplace_back(topic + feat(rng) % 10, u(rng));
        for (int k = 0; k < 3; ++k) row.emplace_back(feat(rng), 0.3f * u(rng));
        std::sort(row.begin(), row.end());
        float norm = 0;
        std::vector<std::pair<uint32_t, float>> merged;
        for (const auto& [c, v] : row) {
            if (!merged.empty() && merged.back().first == c)
                merged.back().second += v;
            else
                merged.emplace_back(c, v);
        }
        for (const auto& [c, v] : merged) norm += v * v;
        for (const auto& [c, v] : merged) {
            d.col.push_back(c);
            d.val.push_back(v / std::sqrt(norm));
        }
        d.ptr.push_back(d.col.size());
        d.pos.push_back(0);
    }
    return d;
}

double max_abs_diff(const LinearSvmModel& a, const LinearSvmModel& b) {
    double m = std::fabs(a.bias - b.bias);
    for (size_t f = 0; f < a.w.size(); ++f) m = std::max(m, std::fabs(a.w[f] - b.w[f]));
    return m;
}

}  // namespace

TEST_CASE("linear svm: many tasks in shared passes equal each trained alone", "[ml]") {
    const Data d = topics(300, 7);
    const SparseRows x = d.rows(40);
    std::vector<SvmTask> tasks(11);  // more than one lane of 8
    for (size_t t = 0; t < tasks.size(); ++t)
        for (uint32_t r = static_cast<uint32_t>(t % 4); r < 300; r += 4 * (1 + t % 3))
            if (tasks[t].positive.size() < 3 + t) tasks[t].positive.push_back(r);
    tasks[3].negative = {1, 2, 5};
    tasks[3].negative_weight = 5.0;
    LinearSvmParams p;
    p.tol = 1e-6;
    const auto together = train_linear_svms(x, tasks, p);
    REQUIRE(together.size() == tasks.size());
    for (size_t t = 0; t < tasks.size(); ++t) {
        const auto alone = train_linear_svm(x, tasks[t], p);
        CHECK(alone.converged);
        CHECK(together[t].converged);
        CHECK(max_abs_diff(alone, together[t]) < 1e-3);
    }
    // decision_values scores every row under every model as decision() does.
    const auto scores = decision_values(x, together);
    for (size_t t = 0; t < tasks.size(); ++t)
        for (size_t i = 0; i < 300; i += 17)
            CHECK(std::fabs(scores[t][i] - together[t].decision(x, i)) < 1e-4);
}

TEST_CASE("linear svm: explicit negatives with a weight push their rows down", "[ml]") {
    const Data d = topics(300, 9);
    const SparseRows x = d.rows(40);
    SvmTask plain;
    for (uint32_t r = 0; r < 300 && plain.positive.size() < 8; r += 4) plain.positive.push_back(r);
    // Rows of the same topic that the user said no to.
    SvmTask no = plain;
    no.negative = {100, 104, 108};
    no.negative_weight = 20.0;
    const auto a = train_linear_svm(x, plain, LinearSvmParams{});
    const auto b = train_linear_svm(x, no, LinearSvmParams{});
    for (uint32_t r : no.negative) CHECK(b.decision(x, r) < a.decision(x, r));
}

TEST_CASE("linear svm: a warm start from the solution converges at once to it", "[ml]") {
    const Data d = topics(300, 11);
    const SparseRows x = d.rows(40);
    for (const SvmSolver solver : {SvmSolver::DualCd, SvmSolver::Newton}) {
        SvmTask task;
        for (uint32_t r = 1; r < 300 && task.positive.size() < 10; r += 4) task.positive.push_back(r);
        LinearSvmParams p;
        p.tol = 1e-5;
        p.newton_tol = 1e-4;
        p.solver = solver;
        const auto cold = train_linear_svm(x, task, p);
        REQUIRE(cold.converged);
        task.warm = &cold;
        const auto warm = train_linear_svm(x, task, p);
        CHECK(warm.converged);
        CHECK(warm.iterations * 3 <= cold.iterations);
        // Newton: score the rows, the gradient at w = 0 and at the start, and stop.
        if (solver == SvmSolver::Newton) CHECK(warm.iterations <= 3);
        CHECK(max_abs_diff(cold, warm) < 1e-3);
    }
}

TEST_CASE("linear svm: the Newton solver finds the dual solver's models", "[ml]") {
    const Data d = topics(300, 13);
    const SparseRows x = d.rows(40);
    std::vector<SvmTask> tasks(6);
    for (size_t t = 0; t < tasks.size(); ++t)
        for (uint32_t r = static_cast<uint32_t>(t % 4); r < 300; r += 4 * (1 + t % 3))
            if (tasks[t].positive.size() < 3 + 2 * t) tasks[t].positive.push_back(r);
    tasks[2].negative = {1, 2, 5, 2 * 4};
    tasks[2].negative_weight = 5.0;
    LinearSvmParams dual;
    dual.tol = 1e-6;
    LinearSvmParams newton = dual;
    newton.solver = SvmSolver::Newton;
    newton.newton_tol = 1e-4;
    const auto a = train_linear_svms(x, tasks, dual);
    const auto b = train_linear_svms(x, tasks, newton);
    REQUIRE(b.size() == tasks.size());
    for (size_t t = 0; t < tasks.size(); ++t) {
        CHECK(b[t].converged);
        CHECK(max_abs_diff(a[t], b[t]) < 1e-3);
        // One task alone (width padded to a lane) gives the same model.
        const auto alone = train_linear_svm(x, tasks[t], newton);
        CHECK(max_abs_diff(alone, b[t]) < 1e-4);
    }
    CHECK_THROWS(train_linear_svm(x, SvmTask{}, newton));
}
