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
#include "ml/svm_rank_impl.hpp"

namespace asp::ml {
namespace {

namespace fs = std::filesystem;

// One model to train: a user's whole library (tag < 0) or one of their tags.
struct Job {
    size_t user;
    int tag = -1;
};

}  // namespace

BuildSvmReport run_buildsvm(const DataDir& data_dir, const BuildSvmParams& params) {
    const auto start = std::chrono::steady_clock::now();
    BuildSvmReport report;
    const auto gen = read_current_generation(data_dir.index_dir());
    if (!gen) throw std::runtime_error("no index in " + data_dir.index_dir().string() +
                                       ": run analyze first");
    const Generation g(data_dir.index_dir(), *gen);
    report.generation = *gen;

    std::vector<UserLibrary> libraries;
    if (!params.users_db.empty() || fs::exists(data_dir.users_db())) {
        auto store = open_user_store(params.users_db, data_dir);
        libraries = store->all_libraries();
    }
    const fs::path recs_dir = data_dir.recs_dir();
    fs::create_directories(recs_dir);
    remove_stale_temp_files(recs_dir);

    std::vector<Job> todo;
    std::vector<std::pair<std::string, int64_t>> have;
    std::set<std::string> keep_tag_files;
    for (size_t u = 0; u < libraries.size(); ++u) {
        const auto& lib = libraries[u];
        // Each non-empty tag: its own list, retrained when its inputs (model_key) changed.
        for (size_t t = 0; t < lib.tags.size(); ++t) {
            const auto& tag = lib.tags[t];
            keep_tag_files.insert(tag_recommendations_path(recs_dir, lib.user_id, tag.id).filename().string());
            if (!params.force) {
                try {
                    auto old = read_tag_recommendations(recs_dir, lib.user_id, tag.id);
                    if (old && old->index_generation == *gen && old->tag == tag.name &&
                        old->model_key == model_key({tag.paper_ids, lib.not_interested})) {
                        ++report.tags_skipped;
                        continue;
                    }
                } catch (const std::exception& e) {
                    spdlog::warn("{}; rebuilding it", e.what());
                }
            }
            todo.push_back({u, static_cast<int>(t)});
        }
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
        todo.push_back({u});
    }
    spdlog::info("{} users with a library, {} models to train, index generation {} ({} papers)",
                 libraries.size(), todo.size(), *gen, g.size());

    std::mutex mu;
    Progress progress("users", todo.size());
    parallel_for(
        todo.size(), params.jobs,
        [&](size_t k, size_t) {
            const auto& lib = libraries[todo[k].user];
            const UserTag* tag = todo[k].tag >= 0 ? &lib.tags[static_cast<size_t>(todo[k].tag)] : nullptr;
            RankInputs in{tag ? tag->paper_ids : lib.paper_ids, lib.not_interested};
            RankParams rp{params.svm, params.top, /*list_positives=*/tag == nullptr};
            const RankResult ranked = rank_by_svm(g, in, rp);
            const size_t found = ranked.positives_found;
            if (found == 0 || found == g.size()) {
                spdlog::warn("user {}{}: {} of {} papers are in the index; no SVM", lib.username,
                             tag ? " tag " + tag->name : std::string(), found, in.positives.size());
                std::lock_guard lock(mu);
                if (tag) ++report.tags_failed; else ++report.summary.failed;
                progress.advance();
                return;
            }
            Recommendations r;
            r.user_id = lib.user_id;
            r.username = lib.username;
            r.library_rev = lib.library_rev;
            r.index_generation = *gen;
            r.library_size = found;
            r.created_at = utc_now_iso8601();
            r.model_key = model_key(in);
            if (tag) {
                r.tag_id = tag->id;
                r.tag = tag->name;
            }
            r.papers = ranked.papers;
            write_recommendations(recs_dir, r);
            std::lock_guard lock(mu);
            if (tag) {
                ++report.tags_done;
            } else {
                ++report.summary.done;
                have.emplace_back(lib.username, lib.user_id);
            }
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
        if (name.rfind("tag-", 0) == 0 && e.path().extension() == ".bin") {
            if (!keep_tag_files.count(name) && fs::remove(e.path(), ec)) ++report.removed;
            continue;
        }
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
