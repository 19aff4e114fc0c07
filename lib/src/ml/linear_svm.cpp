#include <asp/ml/linear_svm.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <stdexcept>

namespace asp::ml {

double LinearSvmModel::decision(const SparseRows& x, size_t row) const {
    double s = bias;
    for (uint64_t p = x.row_ptr[row]; p < x.row_ptr[row + 1]; ++p)
        s += w[x.col[p]] * static_cast<double>(x.val[p]);
    return s;
}

LinearSvmModel train_linear_svm(const SparseRows& x, const std::vector<char>& positive,
                                const LinearSvmParams& params, std::span<const float> row_weight) {
    const size_t l = x.rows();
    if (positive.size() != l) throw std::invalid_argument("labels and rows differ in number");
    if (!row_weight.empty() && row_weight.size() != l)
        throw std::invalid_argument("row weights and rows differ in number");
    const size_t n_pos = static_cast<size_t>(std::count(positive.begin(), positive.end(), 1));
    if (n_pos == 0 || n_pos == l) throw std::invalid_argument("an SVM needs both classes");
    for (uint32_t c : x.col)
        if (c >= x.n_features) throw std::runtime_error("tf-idf feature index out of range");

    double cp = params.C, cn = params.C;
    if (params.balanced) {
        cp = params.C * static_cast<double>(l) / (2.0 * static_cast<double>(n_pos));
        cn = params.C * static_cast<double>(l) / (2.0 * static_cast<double>(l - n_pos));
    }
    // L2 loss: the dual has no upper bound; D_ii = 1 / (2 C_i).
    const double diag_p = 0.5 / cp, diag_n = 0.5 / cn;
    constexpr double kBias = 1.0;  // intercept_scaling
    // D_ii of row i (1 / (2 C_i)).
    std::vector<double> diag_w;
    if (!row_weight.empty()) {
        diag_w.resize(l);
        for (size_t i = 0; i < l; ++i)
            diag_w[i] = (positive[i] ? diag_p : diag_n) / static_cast<double>(row_weight[i]);
    }
    auto diag = [&](size_t i) { return diag_w.empty() ? (positive[i] ? diag_p : diag_n) : diag_w[i]; };

    LinearSvmModel m;
    m.w.assign(x.n_features, 0.0);
    double& wb = m.bias;  // weight of the constant feature (value kBias)
    std::vector<double> alpha(l, 0.0), qd(l);
    std::vector<uint32_t> index(l);
    for (size_t i = 0; i < l; ++i) {
        double sq = kBias * kBias;
        for (uint64_t p = x.row_ptr[i]; p < x.row_ptr[i + 1]; ++p)
            sq += static_cast<double>(x.val[p]) * static_cast<double>(x.val[p]);
        qd[i] = sq + diag(i);
        index[i] = static_cast<uint32_t>(i);
    }

    std::mt19937_64 rng(params.seed);
    const double inf = std::numeric_limits<double>::infinity();
    double pg_max_old = inf;  // (the lower bound of liblinear's shrinking is never used: no upper bound)
    size_t active = l;
    int iter = 0;
    while (iter < params.max_iter) {
        double pg_max_new = -inf, pg_min_new = inf;
        for (size_t i = 0; i + 1 < active; ++i) {
            std::uniform_int_distribution<size_t> pick(i, active - 1);
            std::swap(index[i], index[pick(rng)]);
        }
        for (size_t s = 0; s < active;) {
            const uint32_t i = index[s];
            const double y = positive[i] ? 1.0 : -1.0;
            double wx = wb * kBias;
            const uint64_t b = x.row_ptr[i], e = x.row_ptr[i + 1];
            for (uint64_t p = b; p < e; ++p) wx += m.w[x.col[p]] * static_cast<double>(x.val[p]);
            const double g = y * wx - 1.0 + alpha[i] * diag(i);
            double pg = 0;
            if (alpha[i] == 0) {
                if (g > pg_max_old) {
                    // Shrink: this coordinate is at its bound and likely to stay there.
                    --active;
                    std::swap(index[s], index[active]);
                    continue;
                }
                if (g < 0) pg = g;
            } else {
                pg = g;
            }
            pg_max_new = std::max(pg_max_new, pg);
            pg_min_new = std::min(pg_min_new, pg);
            if (std::fabs(pg) > 1e-12) {
                const double old = alpha[i];
                alpha[i] = std::max(alpha[i] - g / qd[i], 0.0);
                const double d = (alpha[i] - old) * y;
                for (uint64_t p = b; p < e; ++p) m.w[x.col[p]] += d * static_cast<double>(x.val[p]);
                wb += d * kBias;
            }
            ++s;
        }
        ++iter;
        if (pg_max_new - pg_min_new <= params.tol) {
            if (active == l) {
                m.converged = true;
                break;
            }
            // Converged on the shrunk problem: check all coordinates once more.
            active = l;
            pg_max_old = inf;
            continue;
        }
        pg_max_old = pg_max_new;
        if (pg_max_old <= 0) pg_max_old = inf;
    }
    m.bias = wb * kBias;
    m.iterations = iter;
    return m;
}

}  // namespace asp::ml
