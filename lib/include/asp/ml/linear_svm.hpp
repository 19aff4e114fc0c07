// A linear SVM as scikit-learn's LinearSVC(loss='squared_hinge', penalty='l2', dual=True,
// fit_intercept=True, intercept_scaling=1, class_weight='balanced') fits it: liblinear's dual
// coordinate descent for the L2-regularized L2-loss SVM (Hsieh et al., ICML 2008; liblinear
// solver L2R_L2LOSS_SVC_DUAL), a random order of coordinates each pass, and the intercept as an
// extra feature of constant value 1 that is regularized like the others.
// Balanced class weights: C_c = C * n / (2 * n_c).
//
// Many models at once: train_linear_svms() solves one problem per task (its own positives,
// explicit negatives, weights) in the same passes over the matrix. The weights of all tasks are
// kept feature-major (w[feature][task]), so one row's dot products with every task's weights,
// and the updates, are a few vector operations per non-zero: the matrix is streamed once per
// pass for everyone instead of once per pass per model.
//
// Stopping rule: liblinear's: a task is done when the spread of its projected gradients over
// one pass is <= tol (then it stops changing), or after max_iter passes. The default tol is
// looser than the original's 1e-6: at tol 1e-3 the top-100 of a user's ranking overlaps the
// 1e-6 solution's by >= 99% (tests/integration/test_ml_sklearn_reference.py checks >= 90%
// against scikit-learn) at a small fraction of the passes; see docs/tools/buildsvm.md.
//
// Warm start: a task may carry a previous solution (w, bias) over the same features (e.g.
// yesterday's model, before 100 new papers arrived). Its dual variables are recovered from the
// optimality conditions (alpha_i = 2 C_i max(0, 1 - y_i w.x_i)), and the descent continues
// from there: an almost unchanged problem converges in a few passes.
//
// Memory: n_rows x tasks floats (the dual variables) + n_features x tasks floats (weights),
// besides the matrix itself, which is only read (it may be a memory-mapped file).
// Thread safety: the functions are pure; one call uses one thread.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace asp::ml {

// How the problem is solved (both minimize the same objective; see the comment above and
// linear_svm_newton.cpp):
// - DualCd: liblinear's dual coordinate descent (-s 1); `tol` is the spread of projected
//   gradients over a pass.
// - Newton: a primal truncated Newton method (liblinear -s 2's objective; Keerthi and DeCoste's
//   finite Newton with an exact line search): every pass over the matrix is a Hessian-vector
//   product for all tasks at once, and the number of passes grows little with the rows.
//   `newton_tol`: a task is done when its gradient's norm is <= newton_tol times the norm at
//   w = 0 (liblinear's primal rule, without its min(n_pos, n_neg) / n factor).
enum class SvmSolver { DualCd, Newton };

struct LinearSvmParams {
    double C = 0.1;
    double tol = 1e-3;   // DualCd: the spread of projected gradients of a pass (the original: 1e-6)
    int max_iter = 1000;  // passes over the matrix
    bool balanced = true;
    uint64_t seed = 1;
    SvmSolver solver = SvmSolver::DualCd;
    double newton_tol = 1e-3;  // Newton: relative gradient norm
};

// Rows of a sparse matrix in CSR form (feature indices < n_features).
struct SparseRows {
    std::span<const uint64_t> row_ptr;
    std::span<const uint32_t> col;
    std::span<const float> val;
    size_t n_features = 0;
    size_t rows() const { return row_ptr.empty() ? 0 : row_ptr.size() - 1; }
};

struct LinearSvmModel {
    std::vector<double> w;  // one weight per feature
    double bias = 0;
    int iterations = 0;  // passes over the matrix
    bool converged = false;
    double decision(const SparseRows& x, size_t row) const;
};

// One model to train: rows of the positive class, rows that are explicit negatives (their C is
// multiplied by negative_weight, e.g. papers a user marked "not interested"), every other row a
// plain negative. Balanced weights count the explicit negatives among the negatives.
struct SvmTask {
    std::vector<uint32_t> positive;
    std::vector<uint32_t> negative;
    double negative_weight = 1.0;
    const LinearSvmModel* warm = nullptr;  // start from this solution (same features), or null
};

// One model per task, in the same passes over x. Every task needs a positive row and a
// negative one (throws std::invalid_argument otherwise); row ids must be < x.rows().
std::vector<LinearSvmModel> train_linear_svms(const SparseRows& x, std::span<const SvmTask> tasks,
                                              const LinearSvmParams& params);
LinearSvmModel train_linear_svm(const SparseRows& x, const SvmTask& task,
                                const LinearSvmParams& params);
// positive[i]: whether row i is of the positive class. Needs both classes present.
LinearSvmModel train_linear_svm(const SparseRows& x, const std::vector<char>& positive,
                                const LinearSvmParams& params);

// Decision values of every row under every model: out[m][row] (one pass over x).
std::vector<std::vector<float>> decision_values(const SparseRows& x,
                                                std::span<const LinearSvmModel> models);

}  // namespace asp::ml
