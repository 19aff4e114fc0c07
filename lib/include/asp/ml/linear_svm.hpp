// A linear SVM as scikit-learn's LinearSVC(loss='squared_hinge', penalty='l2', dual=True,
// fit_intercept=True, intercept_scaling=1, class_weight='balanced') fits it: liblinear's dual
// coordinate descent for the L2-regularized L2-loss SVM (Hsieh et al., ICML 2008; liblinear
// solver L2R_L2LOSS_SVC_DUAL), with shrinking, a random order of coordinates each pass, and the
// intercept as an extra feature of constant value 1 that is regularized like the others.
// Balanced class weights: C_c = C * n / (2 * n_c).
//
// The stopping rule is liblinear's: the spread of projected gradients of one pass <= tol, or
// max_iter passes. The coordinate order comes from a seeded generator (liblinear's differs), so
// solutions agree with scikit-learn's to the tolerance, not bit for bit.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace asp::ml {

struct LinearSvmParams {
    double C = 0.1;
    double tol = 1e-6;
    int max_iter = 10000;
    bool balanced = true;
    uint64_t seed = 1;
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
    int iterations = 0;
    bool converged = false;
    double decision(const SparseRows& x, size_t row) const;
};

// positive[i]: whether row i is of the positive class. Needs both classes present.
// row_weight (empty, or one per row): multiplies row i's C, as scikit-learn's sample_weight
// (C_i = C * class weight * row_weight[i]); class weights count rows, not weights.
LinearSvmModel train_linear_svm(const SparseRows& x, const std::vector<char>& positive,
                                const LinearSvmParams& params,
                                std::span<const float> row_weight = {});

}  // namespace asp::ml
