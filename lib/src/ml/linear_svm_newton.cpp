// The primal solver of train_linear_svms (SvmSolver::Newton): the L2-regularized squared-hinge
// SVM, min_w 0.5 |w|^2 + sum_i C_i max(0, 1 - y_i w.x_i)^2 (the intercept a feature of value 1,
// regularized like the others: the same problem as the dual solver), by Keerthi and DeCoste's
// modified finite Newton method (JMLR 2005): on the rows inside the margin (the active set) the
// loss is quadratic, so a Newton step is the solution of
//   (I + 2 X_A^T C_A X_A) w' = 2 X_A^T C_A y_A,
// found by conjugate gradients (Jacobi-preconditioned, stopped early: a truncated Newton step),
// then an exact line search along w' - w (the objective is a piecewise quadratic in the step).
//
// Why: with C = 0.1 and balanced weights nearly every negative row stays inside the margin, so
// the dual's coordinates are all free and dual coordinate descent needs more passes as the rows
// grow (the dual's conditioning worsens with n). Here one conjugate-gradient step costs one pass
// over the matrix (x_i.p and the update of H p row by row, for all tasks at once: the
// feature-major block of all tasks' vectors stays in cache), and the steps needed depend on the
// Hessian's spectrum (a few large eigenvalues: the intercept, the positives) more than on n.
//
// All vectors are float (the kernels of svm_kernels.hpp); sums over features and rows are double.
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "ml/svm_kernels.hpp"

namespace asp::ml::svm_detail {
namespace {

constexpr int kMaxCgSteps = 250;     // per Newton step
constexpr double kCgForcing = 0.1;   // a CG solve stops at |r| <= this x the gradient's norm
constexpr int kLineSearchSteps = 60;

// Vectors of all tasks: (n_features + 1) rows of `width` floats, the last row the intercept.
struct Block {
    size_t nf, width;
    std::vector<float> v;
    Block(size_t n_features, size_t w) : nf(n_features), width(w), v((n_features + 1) * w, 0.0f) {}
    float* w() { return v.data(); }
    float* b() { return v.data() + nf * width; }
    const float* w() const { return v.data(); }
    const float* b() const { return v.data() + nf * width; }
};

// Per task: sum over features (and the intercept) of a[.][k] * b[.][k].
std::vector<double> lane_dots(const Block& a, const Block& b) {
    std::vector<double> out(a.width, 0.0);
    const size_t rows = a.nf + 1, width = a.width;
    for (size_t f = 0; f < rows; ++f)
        for (size_t k = 0; k < width; ++k)
            out[k] += static_cast<double>(a.v[f * width + k]) * static_cast<double>(b.v[f * width + k]);
    return out;
}

// out[i][k] = x_i . v[.][k] + intercept, every row.
void forward(const SparseRows& x, const Block& v, std::vector<float>& out) {
    const size_t l = x.rows(), width = v.width;
    for (size_t i = 0; i < l; ++i) row_dot(x, i, v.w(), v.b(), width, &out[i * width]);
}

}  // namespace

std::vector<LinearSvmModel> train_newton(const SparseRows& x, std::span<const SvmTask> tasks,
                                         const LinearSvmParams& params) {
    const size_t l = x.rows(), nf = x.n_features, n_tasks = tasks.size();
    const size_t width = (n_tasks + kLane - 1) / kLane * kLane;
    // y and C of every (row, task); padding lanes have C = 0 (no loss: their w stays 0).
    std::vector<float> ys(l * width, -1.0f), cs(l * width, 0.0f);
    for (size_t t = 0; t < n_tasks; ++t) {
        const TaskWeights tw = task_weights(tasks[t], l, params);
        for (size_t i = 0; i < l; ++i) cs[i * width + t] = static_cast<float>(tw.c_neg);
        for (uint32_t r : tw.negative) cs[r * width + t] = static_cast<float>(tw.c_strong);
        for (uint32_t r : tw.positive) {
            ys[r * width + t] = 1.0f;
            cs[r * width + t] = static_cast<float>(tw.c_pos);
        }
    }

    Block w(nf, width);
    for (size_t t = 0; t < n_tasks; ++t) {
        const LinearSvmModel* m = tasks[t].warm;
        if (!m || m->w.size() != nf) continue;
        for (size_t f = 0; f < nf; ++f) w.w()[f * width + t] = static_cast<float>(m->w[f]);
        w.b()[t] = static_cast<float>(m->bias / kBias);
    }
    std::vector<float> o(l * width), ca(l * width), o_new(l * width), d(width), d2(width);
    forward(x, w, o);
    int passes = 1;

    // The gradient's norm at w = 0 (every row active): the scale of the stopping rule.
    std::vector<double> g0(width);
    {
        Block g(nf, width);
        for (size_t i = 0; i < l; ++i) {
            for (size_t k = 0; k < width; ++k) d[k] = 2.0f * cs[i * width + k] * ys[i * width + k];
            row_update(x, i, g.w(), g.b(), width, d.data());
        }
        ++passes;
        g0 = lane_dots(g, g);
        for (auto& v : g0) v = std::sqrt(v);
    }

    std::vector<char> done(width, 0);
    for (size_t k = n_tasks; k < width; ++k) done[k] = 1;
    std::vector<LinearSvmModel> out(n_tasks);
    Block r(nf, width), m(nf, width), p(nf, width), hp(nf, width), wc(nf, width);
    const double inf = std::numeric_limits<double>::infinity();

    while (passes < params.max_iter) {
        // Active set, gradient (r = -grad = 2 X_A^T C_A (y - o) - w) and the Jacobi diagonal.
        std::fill(r.v.begin(), r.v.end(), 0.0f);
        std::fill(m.v.begin(), m.v.end(), 0.0f);
        for (size_t i = 0; i < l; ++i) {
            const size_t row = i * width;
            for (size_t k = 0; k < width; ++k) {
                const bool active = ys[row + k] * o[row + k] < 1.0f;
                const float c = active ? cs[row + k] : 0.0f;
                ca[row + k] = c;
                d[k] = 2.0f * c * (ys[row + k] - o[row + k]);
                d2[k] = 2.0f * c;
            }
            row_update(x, i, r.w(), r.b(), width, d.data());
            row_update<true>(x, i, m.w(), m.b(), width, d2.data());
        }
        ++passes;
        for (size_t j = 0; j < r.v.size(); ++j) {
            r.v[j] -= w.v[j];
            m.v[j] += 1.0f;
        }
        const std::vector<double> rr = lane_dots(r, r);
        bool any = false;
        for (size_t k = 0; k < n_tasks; ++k) {
            if (done[k]) continue;
            const double gnorm = std::sqrt(rr[k]);
            if (gnorm <= params.newton_tol * g0[k]) {
                done[k] = 1;
                out[k].converged = true;
                out[k].iterations = passes;
                continue;
            }
            any = true;
        }
        if (!any) break;

        // Preconditioned CG on H s = r (s: the step from w), H v = v + 2 X_A^T C_A X_A v.
        std::vector<double> target(width);
        for (size_t k = 0; k < width; ++k) target[k] = kCgForcing * std::sqrt(rr[k]);
        std::vector<char> in_cg(width);
        for (size_t k = 0; k < width; ++k) in_cg[k] = !done[k];
        Block s(nf, width), z(nf, width);
        for (size_t j = 0; j < z.v.size(); ++j) z.v[j] = in_cg[j % width] ? r.v[j] / m.v[j] : 0.0f;
        p.v = z.v;
        std::vector<double> rz = lane_dots(r, z);
        int steps = 0;
        while (steps < kMaxCgSteps && passes < params.max_iter &&
               std::any_of(in_cg.begin(), in_cg.end(), [](char c) { return c != 0; })) {
            std::fill(hp.v.begin(), hp.v.end(), 0.0f);
            for (size_t i = 0; i < l; ++i) {
                row_dot(x, i, p.w(), p.b(), width, d.data());
                bool nz = false;
                for (size_t k = 0; k < width; ++k) {
                    d[k] *= 2.0f * ca[i * width + k];
                    nz |= d[k] != 0.0f;
                }
                if (nz) row_update(x, i, hp.w(), hp.b(), width, d.data());
            }
            ++passes;
            ++steps;
            for (size_t j = 0; j < hp.v.size(); ++j) hp.v[j] += p.v[j];
            const std::vector<double> php = lane_dots(p, hp);
            std::vector<float> alpha(width, 0.0f);
            for (size_t k = 0; k < width; ++k)
                if (in_cg[k] && php[k] > 0) alpha[k] = static_cast<float>(rz[k] / php[k]);
            for (size_t j = 0; j < s.v.size(); ++j) {
                const float a = alpha[j % width];
                s.v[j] += a * p.v[j];
                r.v[j] -= a * hp.v[j];
            }
            const std::vector<double> rn = lane_dots(r, r);
            for (size_t k = 0; k < width; ++k)
                if (in_cg[k] && (std::sqrt(rn[k]) <= target[k] || php[k] <= 0)) in_cg[k] = 0;
            for (size_t j = 0; j < z.v.size(); ++j) z.v[j] = in_cg[j % width] ? r.v[j] / m.v[j] : 0.0f;
            const std::vector<double> rz2 = lane_dots(r, z);
            for (size_t j = 0; j < p.v.size(); ++j) {
                const size_t k = j % width;
                p.v[j] = in_cg[k] ? z.v[j] + static_cast<float>(rz2[k] / rz[k]) * p.v[j] : 0.0f;
            }
            rz = rz2;
        }

        // Exact line search along s: o(t) = o + t (o_new - o); f'(t) is increasing and piecewise
        // linear, so a safeguarded Newton iteration on it ends in its root.
        for (size_t j = 0; j < wc.v.size(); ++j) wc.v[j] = w.v[j] + s.v[j];
        forward(x, wc, o_new);
        ++passes;
        for (size_t j = 0; j < o_new.size(); ++j) o_new[j] -= o[j];  // now the change of o
        const std::vector<double> ws = lane_dots(w, s), ss = lane_dots(s, s);
        std::vector<double> t(width, 1.0), lo(width, 0.0), hi(width, inf);
        std::vector<char> searching(width);
        for (size_t k = 0; k < width; ++k) searching[k] = !done[k] && ss[k] > 0;
        for (int it = 0; it < kLineSearchSteps; ++it) {
            if (std::none_of(searching.begin(), searching.end(), [](char c) { return c != 0; })) break;
            std::vector<double> g1(width), g2(width);
            for (size_t k = 0; k < width; ++k) {
                g1[k] = ws[k] + t[k] * ss[k];
                g2[k] = ss[k];
            }
            for (size_t i = 0; i < l; ++i) {
                const size_t row = i * width;
                for (size_t k = 0; k < width; ++k) {
                    const double dk = o_new[row + k], y = ys[row + k];
                    const double margin = 1.0 - y * (static_cast<double>(o[row + k]) + t[k] * dk);
                    if (margin > 0) {
                        const double c = cs[row + k];
                        g1[k] -= 2.0 * c * y * dk * margin;
                        g2[k] += 2.0 * c * dk * dk;
                    }
                }
            }
            for (size_t k = 0; k < width; ++k) {
                if (!searching[k]) continue;
                if (std::fabs(g1[k]) <= 1e-12 * (std::fabs(ws[k]) + ss[k]) + 1e-300) {
                    searching[k] = 0;
                    continue;
                }
                (g1[k] < 0 ? lo[k] : hi[k]) = t[k];
                double tn = t[k] - g1[k] / g2[k];
                if (!(tn > lo[k] && tn < hi[k])) tn = std::isinf(hi[k]) ? 2.0 * t[k] : 0.5 * (lo[k] + hi[k]);
                if (std::fabs(tn - t[k]) <= 1e-12 * t[k]) searching[k] = 0;
                t[k] = tn;
            }
        }
        std::vector<float> tf(width);
        for (size_t k = 0; k < width; ++k) tf[k] = done[k] ? 0.0f : static_cast<float>(t[k]);
        for (size_t j = 0; j < w.v.size(); ++j) w.v[j] += tf[j % width] * s.v[j];
        for (size_t j = 0; j < o.size(); ++j) o[j] += tf[j % width] * o_new[j];
    }
    for (size_t k = 0; k < n_tasks; ++k) {
        LinearSvmModel& mo = out[k];
        mo.w.resize(nf);
        for (size_t f = 0; f < nf; ++f) mo.w[f] = w.w()[f * width + k];
        mo.bias = static_cast<double>(w.b()[k]) * kBias;
        if (!mo.converged) mo.iterations = passes;
    }
    return out;
}

}  // namespace asp::ml::svm_detail
