// The shared parts of the linear SVM solvers (linear_svm.cpp, linear_svm_newton.cpp): one sparse
// row against the weights of many tasks at once. Weights are feature-major (w[feature * width +
// task]), width a multiple of 4 (one SSE register per four tasks) and <= kMaxWidth, rows of
// 16-byte aligned buffers (width * 4 bytes; buffers come from operator new).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <asp/ml/linear_svm.hpp>

namespace asp::ml::svm_detail {

constexpr size_t kLane = 4;        // tasks are padded to a multiple of this (vector lanes)
constexpr size_t kMaxWidth = 128;  // tasks per call of the kernels (more: split into calls)
constexpr double kBias = 1.0;      // intercept_scaling

// Four floats in one SSE register (GCC vector extension).
typedef float v4f __attribute__((vector_size(16)));

// acc[task] = bias + w[.][task] . x_row for all tasks.
inline void row_dot(const SparseRows& x, size_t row, const float* __restrict w,
                    const float* __restrict wb, size_t width, float* __restrict acc) {
    const size_t nv = width / 4;
    v4f a[kMaxWidth / 4];
    for (size_t k = 0; k < nv; ++k) a[k] = *reinterpret_cast<const v4f*>(wb + 4 * k);
    const uint64_t b = x.row_ptr[row], e = x.row_ptr[row + 1];
    for (uint64_t p = b; p < e; ++p) {
        const float v = x.val[p];
        const v4f vv = {v, v, v, v};
        const v4f* wf = reinterpret_cast<const v4f*>(w + static_cast<size_t>(x.col[p]) * width);
        for (size_t k = 0; k < nv; ++k) a[k] += vv * wf[k];
    }
    for (size_t k = 0; k < nv; ++k) *reinterpret_cast<v4f*>(acc + 4 * k) = a[k];
}

// w[.][task] += d[task] * x_row (or x_row squared, element-wise), bias likewise.
template <bool Squared = false>
inline void row_update(const SparseRows& x, size_t row, float* __restrict w, float* __restrict wb,
                       size_t width, const float* __restrict d) {
    const size_t nv = width / 4;
    v4f dv[kMaxWidth / 4];
    for (size_t k = 0; k < nv; ++k) {
        dv[k] = *reinterpret_cast<const v4f*>(d + 4 * k);
        *reinterpret_cast<v4f*>(wb + 4 * k) += dv[k];
    }
    const uint64_t b = x.row_ptr[row], e = x.row_ptr[row + 1];
    for (uint64_t p = b; p < e; ++p) {
        const float v = Squared ? x.val[p] * x.val[p] : x.val[p];
        const v4f vv = {v, v, v, v};
        v4f* wf = reinterpret_cast<v4f*>(w + static_cast<size_t>(x.col[p]) * width);
        for (size_t k = 0; k < nv; ++k) wf[k] += vv * dv[k];
    }
}

// A task's rows (sorted, unique; an explicit negative that is also positive is positive) and
// per-row C (balanced or not). Throws std::invalid_argument for rows out of range or a single
// class.
struct TaskWeights {
    std::vector<uint32_t> positive, negative;
    double c_pos = 0, c_neg = 0, c_strong = 0;  // positives, plain negatives, explicit negatives
};
TaskWeights task_weights(const SvmTask& task, size_t rows, const LinearSvmParams& params);

// SvmSolver::Newton (linear_svm_newton.cpp), at most kMaxWidth tasks.
std::vector<LinearSvmModel> train_newton(const SparseRows& x, std::span<const SvmTask> tasks,
                                         const LinearSvmParams& params);

}  // namespace asp::ml::svm_detail
