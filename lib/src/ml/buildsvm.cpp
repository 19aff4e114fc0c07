#include <asp/ml/buildsvm.hpp>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <set>

#include <spdlog/spdlog.h>

#include <asp/core/atomic_file.hpp>
#include <asp/core/time.hpp>
#include <asp/ml/recs.hpp>
#include <asp/store/user_store.hpp>

#include "ml/generation.hpp"
#include "ml/parallel.hpp"

namespace asp::ml {
namespace {

namespace fs = std::filesystem;

std::vector<ScoredPaper> top_papers(const Generation& g, const SparseRows& x,
                                    const LinearSvmModel& m, size_t top) {
    std::vector<std::pair<double, uint32_t>> s(x.rows());
    for (size_t i = 0; i < x.rows(); ++i) s[i] = {m.decision(x, i), static_cast<uint32_t>(i)};
    const size_t k = std::min(top, s.size());
    std::partial_sort(s.begin(), s.begin() + static_cast<ptrdiff_t>(k), s.end(),
                      [](const auto& a, const auto& b) {
                          return a.first != b.first ? a.first > b.first : a.second < b.second;
                      });
    std::vector<ScoredPaper> out;
    out.reserve(k);
    for (size_t i = 0; i < k; ++i) out.push_back({std::string(g.ids[s[i].second]), s[i].first});
    return out;
}

}  // namespace

BuildSvmReport run_buildsvm(const DataDir& data_dir, const BuildSvmParams& params) {
    const auto start = std::chrono::steady_clock::now();
    BuildSvmReport report;
    const auto gen = read_current_generation(data_dir.index_dir());
    if (!gen) throw std::runtime_error("no index in " + data_dir.index_dir().string() +
                                       ": run analyze first");
    const Generation g(data_dir.index_dir(), *gen);
    report.generation = *gen;
    const SparseRows x{g.matrix.row_ptr, g.matrix.col, g.matrix.val, g.terms.size()};

    std::vector<UserLibrary> libraries;
    if (!params.users_db.empty() || fs::exists(data_dir.users_db())) {
        auto store = open_user_store(params.users_db, data_dir);
        libraries = store->all_libraries();
    }
    const fs::path recs_dir = data_dir.recs_dir();
    fs::create_directories(recs_dir);
    remove_stale_temp_files(recs_dir);

    std::vector<size_t> todo;
    std::vector<std::pair<std::string, int64_t>> have;
    for (size_t u = 0; u < libraries.size(); ++u) {
        const auto& lib = libraries[u];
        if (!params.force) {
            try {
                auto old = read_recommendations(recs_dir, lib.user_id);
                if (old && old->library_rev == lib.library_rev && old->index_generation == *gen &&
                    old->username == lib.username) {
                    ++report.summary.skipped;
                    have.emplace_back(lib.username, lib.user_id);
                    continue;
                }
            } catch (const std::exception& e) {
                spdlog::warn("{}; rebuilding it", e.what());
            }
        }
        todo.push_back(u);
    }
    spdlog::info("{} users with a library, {} to train, index generation {} ({} papers)",
                 libraries.size(), todo.size(), *gen, g.size());

    std::mutex mu;
    Progress progress("users", todo.size());
    parallel_for(
        todo.size(), params.jobs,
        [&](size_t k, size_t) {
            const auto& lib = libraries[todo[k]];
            std::vector<char> positive(g.size(), 0);
            size_t found = 0;
            for (const auto& id : lib.paper_ids)
                if (auto d = g.find(id)) {
                    found += positive[*d] == 0;
                    positive[*d] = 1;
                }
            if (found == 0 || found == g.size()) {
                spdlog::warn("user {}: {} of {} saved papers are in the index; no SVM",
                             lib.username, found, lib.paper_ids.size());
                std::lock_guard lock(mu);
                ++report.summary.failed;
                progress.advance();
                return;
            }
            const LinearSvmModel m = train_linear_svm(x, positive, params.svm);
            if (!m.converged)
                spdlog::debug("user {}: stopped after {} iterations (max_iter)", lib.username,
                              m.iterations);
            Recommendations r;
            r.user_id = lib.user_id;
            r.username = lib.username;
            r.library_rev = lib.library_rev;
            r.index_generation = *gen;
            r.library_size = found;
            r.created_at = utc_now_iso8601();
            r.papers = top_papers(g, x, m, params.top);
            write_recommendations(recs_dir, r);
            std::lock_guard lock(mu);
            ++report.summary.done;
            have.emplace_back(lib.username, lib.user_id);
            progress.advance();
        },
        1);
    progress.finish();

    // Files of users who no longer have a library (or no longer exist).
    std::set<int64_t> keep;
    for (const auto& [_, id] : have) keep.insert(id);
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(recs_dir, ec)) {
        const std::string name = e.path().filename().string();
        if (name.rfind("user-", 0) != 0 || e.path().extension() != ".bin") continue;
        try {
            const int64_t id = std::stoll(name.substr(5));
            if (!keep.count(id) && fs::remove(e.path(), ec)) ++report.removed;
        } catch (const std::exception&) {
        }
    }
    write_recommendation_users(recs_dir, have);
    report.summary.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return report;
}

}  // namespace asp::ml
