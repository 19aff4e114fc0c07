#include <asp/ml/linear_svm.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <stdexcept>

#include "ml/svm_kernels.hpp"

namespace asp::ml {
namespace {

using namespace svm_detail;

// Per-task label data: every row is a plain negative unless listed.
struct TaskInfo {
    double diag_pos = 0, diag_neg = 0, diag_strong = 0;  // D_ii = 1 / (2 C_i)
    double c_pos = 0, c_neg = 0, c_strong = 0;
};

struct Special {
    uint32_t task;
    int8_t y;      // +1 positive, -1 explicit negative
};

// Single-task versions (no padding to a lane).
inline float row_dot1(const SparseRows& x, size_t row, const float* w, float wb) {
    float acc = wb * static_cast<float>(kBias);
    const uint64_t b = x.row_ptr[row], e = x.row_ptr[row + 1];
    for (uint64_t p = b; p < e; ++p) acc += x.val[p] * w[x.col[p]];
    return acc;
}

}  // namespace

namespace svm_detail {

TaskWeights task_weights(const SvmTask& task, size_t rows, const LinearSvmParams& params) {
    TaskWeights tw;
    tw.positive = task.positive;
    std::sort(tw.positive.begin(), tw.positive.end());
    tw.positive.erase(std::unique(tw.positive.begin(), tw.positive.end()), tw.positive.end());
    for (uint32_t r : task.negative)
        if (!std::binary_search(tw.positive.begin(), tw.positive.end(), r)) tw.negative.push_back(r);
    std::sort(tw.negative.begin(), tw.negative.end());
    tw.negative.erase(std::unique(tw.negative.begin(), tw.negative.end()), tw.negative.end());
    if (!tw.positive.empty() && tw.positive.back() >= rows)
        throw std::invalid_argument("positive row out of range");
    if (!tw.negative.empty() && tw.negative.back() >= rows)
        throw std::invalid_argument("negative row out of range");
    const size_t n_pos = tw.positive.size();
    if (n_pos == 0 || n_pos == rows) throw std::invalid_argument("an SVM needs both classes");
    tw.c_pos = tw.c_neg = params.C;
    if (params.balanced) {
        tw.c_pos = params.C * static_cast<double>(rows) / (2.0 * static_cast<double>(n_pos));
        tw.c_neg = params.C * static_cast<double>(rows) / (2.0 * static_cast<double>(rows - n_pos));
    }
    tw.c_strong = tw.c_neg * task.negative_weight;
    return tw;
}

}  // namespace svm_detail

double LinearSvmModel::decision(const SparseRows& x, size_t row) const {
    double s = bias;
    for (uint64_t p = x.row_ptr[row]; p < x.row_ptr[row + 1]; ++p)
        s += w[x.col[p]] * static_cast<double>(x.val[p]);
    return s;
}

std::vector<LinearSvmModel> train_linear_svms(const SparseRows& x, std::span<const SvmTask> tasks,
                                              const LinearSvmParams& params) {
    const size_t l = x.rows();
    const size_t n_tasks = tasks.size();
    if (n_tasks == 0) return {};
    if (n_tasks > kMaxWidth) {
        auto out = train_linear_svms(x, tasks.first(kMaxWidth), params);
        auto rest = train_linear_svms(x, tasks.subspan(kMaxWidth), params);
        for (auto& m : rest) out.push_back(std::move(m));
        return out;
    }
    for (uint32_t c : x.col)
        if (c >= x.n_features) throw std::runtime_error("tf-idf feature index out of range");
    if (params.solver == SvmSolver::Newton) return train_newton(x, tasks, params);

    // Labels: per row, the tasks for which it is not a plain negative.
    std::vector<TaskInfo> info(n_tasks);
    std::vector<TaskWeights> weights;
    std::vector<uint32_t> sp_count(l + 1, 0);
    for (size_t t = 0; t < n_tasks; ++t) {
        weights.push_back(task_weights(tasks[t], l, params));
        const TaskWeights& tw = weights.back();
        info[t] = {0.5 / tw.c_pos, 0.5 / tw.c_neg, 0.5 / tw.c_strong, tw.c_pos, tw.c_neg, tw.c_strong};
        for (uint32_t r : tw.positive) ++sp_count[r + 1];
        for (uint32_t r : tw.negative) ++sp_count[r + 1];
    }
    for (size_t i = 0; i < l; ++i) sp_count[i + 1] += sp_count[i];
    std::vector<Special> specials(sp_count[l]);
    {
        std::vector<uint32_t> fill(sp_count.begin(), sp_count.end() - 1);
        for (size_t t = 0; t < n_tasks; ++t) {
            for (uint32_t r : weights[t].positive) specials[fill[r]++] = {static_cast<uint32_t>(t), 1};
            for (uint32_t r : weights[t].negative) specials[fill[r]++] = {static_cast<uint32_t>(t), -1};
        }
    }
    weights.clear();
    // Tasks live in slots (columns of w and alpha); converged tasks leave, and the rest are
    // packed into fewer columns when a whole lane frees up.
    const auto padded = [&](size_t k) { return n_tasks == 1 ? size_t{1} : (k + kLane - 1) / kLane * kLane; };
    size_t width = padded(n_tasks);
    std::vector<uint32_t> slot_task(n_tasks);
    std::iota(slot_task.begin(), slot_task.end(), 0u);
    std::vector<int32_t> slot_of(n_tasks);
    std::iota(slot_of.begin(), slot_of.end(), 0);
    size_t n_active = n_tasks;

    // y and D of row i for every slot (defaults: plain negative).
    std::vector<float> ybuf(width, -1.0f);
    std::vector<double> dbuf(width, 0.0), cbuf(width, 0.0);
    auto labels_of = [&](size_t i) {
        for (size_t k = 0; k < n_active; ++k) {
            const TaskInfo& ti = info[slot_task[k]];
            ybuf[k] = -1.0f;
            dbuf[k] = ti.diag_neg;
            cbuf[k] = ti.c_neg;
        }
        for (uint32_t s = sp_count[i]; s < sp_count[i + 1]; ++s) {
            const Special& sp = specials[s];
            const int32_t k = slot_of[sp.task];
            if (k < 0) continue;
            const TaskInfo& ti = info[sp.task];
            ybuf[k] = sp.y;
            dbuf[k] = sp.y > 0 ? ti.diag_pos : ti.diag_strong;
            cbuf[k] = sp.y > 0 ? ti.c_pos : ti.c_strong;
        }
    };

    std::vector<float> xsq(l);
    for (size_t i = 0; i < l; ++i) {
        double sq = kBias * kBias;
        for (uint64_t p = x.row_ptr[i]; p < x.row_ptr[i + 1]; ++p)
            sq += static_cast<double>(x.val[p]) * static_cast<double>(x.val[p]);
        xsq[i] = static_cast<float>(sq);
    }

    std::vector<float> w(x.n_features * width, 0.0f), wb(width, 0.0f);
    std::vector<float> alpha(l * width, 0.0f);
    std::vector<float> acc(width, 0.0f), d(width, 0.0f);
    auto dot = [&](size_t i) {
        if (width == 1)
            acc[0] = row_dot1(x, i, w.data(), wb[0]);
        else
            row_dot(x, i, w.data(), wb.data(), width, acc.data());
    };
    auto update = [&](size_t i) {
        if (width == 1) {
            wb[0] += d[0] * static_cast<float>(kBias);
            for (uint64_t p = x.row_ptr[i]; p < x.row_ptr[i + 1]; ++p) w[x.col[p]] += d[0] * x.val[p];
        } else {
            row_update(x, i, w.data(), wb.data(), width, d.data());
        }
    };

    // Warm starts: alpha from the previous solution's margins, then w = sum alpha_i y_i x_i.
    bool any_warm = false;
    for (size_t t = 0; t < n_tasks; ++t) {
        const LinearSvmModel* m = tasks[t].warm;
        if (!m) continue;
        if (m->w.size() != x.n_features) continue;
        any_warm = true;
        for (size_t f = 0; f < x.n_features; ++f) w[f * width + t] = static_cast<float>(m->w[f]);
        wb[t] = static_cast<float>(m->bias / kBias);
    }
    if (any_warm) {
        for (size_t i = 0; i < l; ++i) {
            dot(i);
            labels_of(i);
            for (size_t t = 0; t < n_tasks; ++t) {
                const LinearSvmModel* m = tasks[t].warm;
                if (!m || m->w.size() != x.n_features) continue;
                const double margin = 1.0 - ybuf[t] * static_cast<double>(acc[t]);
                alpha[i * width + t] = static_cast<float>(2.0 * cbuf[t] * std::max(margin, 0.0));
            }
        }
        std::fill(w.begin(), w.end(), 0.0f);
        std::fill(wb.begin(), wb.end(), 0.0f);
        for (size_t i = 0; i < l; ++i) {
            labels_of(i);
            bool any = false;
            for (size_t t = 0; t < width; ++t) {
                d[t] = t < n_tasks ? alpha[i * width + t] * ybuf[t] : 0.0f;
                any |= d[t] != 0.0f;
            }
            if (any) update(i);
        }
    }

    std::vector<LinearSvmModel> out(n_tasks);
    auto extract = [&](size_t k) {
        LinearSvmModel& m = out[slot_task[k]];
        m.w.resize(x.n_features);
        for (size_t f = 0; f < x.n_features; ++f) m.w[f] = w[f * width + k];
        m.bias = static_cast<double>(wb[k]) * kBias;
    };
    std::vector<uint32_t> order(l);
    std::iota(order.begin(), order.end(), 0u);
    std::mt19937_64 rng(params.seed);
    const double inf = std::numeric_limits<double>::infinity();
    std::vector<double> pg_max(width), pg_min(width);
    // Shrinking (liblinear's): a coordinate at alpha = 0 whose gradient exceeds the largest
    // projected gradient of the previous pass is set aside (shrunk[i][slot]) until the task
    // looks converged on the rest; then everything is checked again in one full pass. A row
    // shrunk for every active task is skipped whole (live[i] == 0): no dot product, no update.
    std::vector<uint8_t> shrunk(l * width, 0);
    std::vector<uint32_t> live(l, static_cast<uint32_t>(n_active));
    std::vector<size_t> n_shrunk(width, 0);
    std::vector<double> pg_max_old(width, inf);
    int iter = 0;
    while (iter < params.max_iter && n_active > 0) {
        std::shuffle(order.begin(), order.end(), rng);
        std::fill(pg_max.begin(), pg_max.end(), -inf);
        std::fill(pg_min.begin(), pg_min.end(), inf);
        for (const uint32_t i : order) {
            if (live[i] == 0) continue;
            dot(i);
            labels_of(i);
            bool any = false;
            float* a = &alpha[static_cast<size_t>(i) * width];
            uint8_t* sh = &shrunk[static_cast<size_t>(i) * width];
            for (size_t k = 0; k < n_active; ++k) {
                d[k] = 0.0f;
                if (sh[k]) continue;
                const double y = ybuf[k], diag = dbuf[k];
                const double g = y * static_cast<double>(acc[k]) - 1.0 + a[k] * diag;
                double pg = g;
                if (a[k] == 0.0f) {
                    if (g > pg_max_old[k]) {
                        sh[k] = 1;
                        --live[i];
                        ++n_shrunk[k];
                        continue;
                    }
                    pg = std::min(g, 0.0);
                }
                pg_max[k] = std::max(pg_max[k], pg);
                pg_min[k] = std::min(pg_min[k], pg);
                if (std::fabs(pg) > 1e-12) {
                    const double old = a[k];
                    const double nw = std::max(old - g / (static_cast<double>(xsq[i]) + diag), 0.0);
                    a[k] = static_cast<float>(nw);
                    d[k] = static_cast<float>((static_cast<double>(a[k]) - old) * y);
                    any |= d[k] != 0.0f;
                }
            }
            if (any) update(i);
        }
        ++iter;
        // Converged tasks leave; the others move down into the freed slots. A task that looks
        // converged with coordinates set aside gets them back and one more full pass.
        std::vector<size_t> keep;
        for (size_t k = 0; k < n_active; ++k) {
            if (pg_max[k] - pg_min[k] <= params.tol) {
                if (n_shrunk[k] > 0) {
                    for (size_t i = 0; i < l; ++i)
                        if (shrunk[i * width + k]) {
                            shrunk[i * width + k] = 0;
                            ++live[i];
                        }
                    n_shrunk[k] = 0;
                    pg_max_old[k] = inf;
                    keep.push_back(k);
                    continue;
                }
                extract(k);
                out[slot_task[k]].converged = true;
                out[slot_task[k]].iterations = iter;
                slot_of[slot_task[k]] = -1;
            } else {
                pg_max_old[k] = pg_max[k] <= 0 ? inf : pg_max[k];
                keep.push_back(k);
            }
        }
        if (keep.size() == n_active) continue;
        const size_t nw = padded(keep.size());
        std::vector<float> w2(x.n_features * nw, 0.0f), wb2(nw, 0.0f), alpha2(l * nw, 0.0f);
        std::vector<uint8_t> shrunk2(l * nw, 0);
        std::vector<size_t> n_shrunk2(nw, 0);
        std::vector<double> pg_old2(nw, inf);
        std::vector<uint32_t> st2(keep.size());
        for (size_t j = 0; j < keep.size(); ++j) {
            const size_t k = keep[j];
            for (size_t f = 0; f < x.n_features; ++f) w2[f * nw + j] = w[f * width + k];
            wb2[j] = wb[k];
            for (size_t i = 0; i < l; ++i) {
                alpha2[i * nw + j] = alpha[i * width + k];
                shrunk2[i * nw + j] = shrunk[i * width + k];
            }
            n_shrunk2[j] = n_shrunk[k];
            pg_old2[j] = pg_max_old[k];
            st2[j] = slot_task[k];
            slot_of[st2[j]] = static_cast<int32_t>(j);
        }
        w.swap(w2);
        wb.swap(wb2);
        alpha.swap(alpha2);
        shrunk.swap(shrunk2);
        n_shrunk.swap(n_shrunk2);
        pg_max_old.swap(pg_old2);
        slot_task = std::move(st2);
        width = nw;
        n_active = keep.size();
        for (size_t i = 0; i < l; ++i) {
            uint32_t c = 0;
            for (size_t j = 0; j < n_active; ++j) c += shrunk[i * width + j] == 0;
            live[i] = c;
        }
        pg_max.assign(width, -inf);
        pg_min.assign(width, inf);
        ybuf.assign(width, -1.0f);
        dbuf.assign(width, 0.0);
        cbuf.assign(width, 0.0);
        acc.assign(width, 0.0f);
        d.assign(width, 0.0f);
    }
    for (size_t k = 0; k < n_active; ++k) {
        extract(k);
        out[slot_task[k]].iterations = iter;
    }
    return out;
}

LinearSvmModel train_linear_svm(const SparseRows& x, const SvmTask& task,
                                const LinearSvmParams& params) {
    return std::move(train_linear_svms(x, std::span<const SvmTask>(&task, 1), params)[0]);
}

LinearSvmModel train_linear_svm(const SparseRows& x, const std::vector<char>& positive,
                                const LinearSvmParams& params) {
    if (positive.size() != x.rows()) throw std::invalid_argument("labels and rows differ in number");
    SvmTask task;
    for (size_t i = 0; i < positive.size(); ++i)
        if (positive[i]) task.positive.push_back(static_cast<uint32_t>(i));
    return train_linear_svm(x, task, params);
}

std::vector<std::vector<float>> decision_values(const SparseRows& x,
                                                std::span<const LinearSvmModel> models) {
    if (models.size() > kMaxWidth) {
        auto out = decision_values(x, models.first(kMaxWidth));
        auto rest = decision_values(x, models.subspan(kMaxWidth));
        for (auto& v : rest) out.push_back(std::move(v));
        return out;
    }
    const size_t n = models.size(), l = x.rows();
    std::vector<std::vector<float>> out(n, std::vector<float>(l));
    if (n == 0) return out;
    const size_t width = (n + kLane - 1) / kLane * kLane;
    std::vector<float> w(x.n_features * width, 0.0f), wb(width, 0.0f), acc(width);
    for (size_t t = 0; t < n; ++t) {
        if (models[t].w.size() != x.n_features)
            throw std::invalid_argument("model and matrix differ in features");
        for (size_t f = 0; f < x.n_features; ++f) w[f * width + t] = static_cast<float>(models[t].w[f]);
        wb[t] = static_cast<float>(models[t].bias / kBias);
    }
    for (size_t i = 0; i < l; ++i) {
        row_dot(x, i, w.data(), wb.data(), width, acc.data());
        for (size_t t = 0; t < n; ++t) out[t][i] = acc[t];
    }
    return out;
}

}  // namespace asp::ml
