#include <asp/ml/buildsvm.hpp>

#include <algorithm>
#include <chrono>
#include <limits>
#include <mutex>
#include <set>
#include <unordered_map>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <asp/core/atomic_file.hpp>
#include <asp/core/time.hpp>
#include <asp/ml/recs.hpp>
#include <asp/store/user_store.hpp>

#include "ml/generation.hpp"
#include "ml/parallel.hpp"
#include "ml/section_file.hpp"
#include "ml/svm_rank_impl.hpp"
#include "ml/term_hash.hpp"

namespace asp::ml {
namespace {

namespace fs = std::filesystem;

constexpr uint32_t kModelKind = fourcc("SVMM");

// A user's trained model, kept next to their recommendations for the next run.
struct StoredModel {
    LinearSvmModel model;
    uint64_t vocab_fp = 0;
    uint64_t trained_generation = 0;
    uint64_t trained_papers = 0;
    int64_t library_rev = 0;
};

fs::path model_path(const fs::path& recs_dir, int64_t user_id) {
    return recs_dir / ("model-" + std::to_string(user_id) + ".bin");
}

void write_model(const fs::path& recs_dir, int64_t user_id, const StoredModel& s) {
    std::vector<float> w(s.model.w.begin(), s.model.w.end());
    const std::string meta = nlohmann::json{{"bias", s.model.bias},
                                            {"vocab_fp", s.vocab_fp},
                                            {"trained_generation", s.trained_generation},
                                            {"trained_papers", s.trained_papers},
                                            {"library_rev", s.library_rev},
                                            {"iterations", s.model.iterations},
                                            {"converged", s.model.converged}}
                                 .dump();
    SectionFileWriter f(kModelKind);
    f.add("w", w);
    f.add("meta", meta);
    f.write(model_path(recs_dir, user_id));
}

std::optional<StoredModel> read_model(const fs::path& recs_dir, int64_t user_id) {
    const auto path = model_path(recs_dir, user_id);
    std::error_code ec;
    if (!fs::exists(path, ec)) return std::nullopt;
    try {
        SectionFile f(path, kModelKind);
        StoredModel s;
        const auto w = f.array<float>("w");
        s.model.w.assign(w.begin(), w.end());
        const auto meta = nlohmann::json::parse(f.text("meta"));
        s.model.bias = meta.at("bias").get<double>();
        s.vocab_fp = meta.at("vocab_fp").get<uint64_t>();
        s.trained_generation = meta.at("trained_generation").get<uint64_t>();
        s.trained_papers = meta.at("trained_papers").get<uint64_t>();
        s.library_rev = meta.at("library_rev").get<int64_t>();
        return s;
    } catch (const std::exception& e) {
        spdlog::warn("{}: {}; training from scratch", path.string(), e.what());
        return std::nullopt;
    }
}

// Identity of a vocabulary (a refit may renumber features: models do not carry over).
uint64_t vocabulary_fingerprint(const Generation& g) {
    uint64_t h = term_hash(g.params) ^ (g.terms.size() * 0x9e3779b97f4a7c15ULL);
    for (size_t i = 0; i < g.terms.size(); ++i) h = term_hash(g.terms[i]) ^ (h * 0x100000001b3ULL);
    return h;
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
    const uint64_t vocab_fp = vocabulary_fingerprint(g);

    std::vector<UserLibrary> libraries;
    if (!params.users_db.empty() || fs::exists(data_dir.users_db())) {
        auto store = open_user_store(params.users_db, data_dir);
        libraries = store->all_libraries();
    }
    const fs::path recs_dir = data_dir.recs_dir();
    fs::create_directories(recs_dir);
    remove_stale_temp_files(recs_dir);

    struct Todo {
        size_t lib;
        std::optional<Recommendations> old;
        std::optional<StoredModel> model;
        std::vector<uint32_t> positive;
        SvmTask task;  // positives and "not interested" negatives (asp/ml/svm_rank.hpp)
    };
    std::vector<Todo> train, carry;
    std::vector<std::pair<std::string, int64_t>> have;
    for (size_t u = 0; u < libraries.size(); ++u) {
        const auto& lib = libraries[u];
        Todo t{u, std::nullopt, std::nullopt, {}, {}};
        if (!params.force) {
            try {
                t.old = read_recommendations(recs_dir, lib.user_id);
            } catch (const std::exception& e) {
                spdlog::warn("{}; rebuilding it", e.what());
            }
            if (t.old && t.old->library_rev == lib.library_rev && t.old->index_generation == *gen &&
                t.old->username == lib.username) {
                ++report.summary.skipped;
                have.emplace_back(lib.username, lib.user_id);
                continue;
            }
            t.model = read_model(recs_dir, lib.user_id);
            if (t.model && (t.model->vocab_fp != vocab_fp || t.model->model.w.size() != x.n_features))
                t.model.reset();  // another vocabulary: no warm start
        }
        t.task = svm_task(g, {lib.paper_ids, lib.not_interested});
        t.positive = t.task.positive;
        if (t.positive.empty() || t.positive.size() == g.size()) {
            spdlog::warn("user {}: {} of {} saved papers are in the index; no SVM", lib.username,
                         t.positive.size(), lib.paper_ids.size());
            ++report.summary.failed;
            continue;
        }
        // Same library, same model, the index grew little since it was trained: keep the model
        // and only score the papers that are new since the user's list was made.
        const bool can_carry =
            t.old && t.model && t.old->username == lib.username &&
            t.old->library_rev == lib.library_rev && t.model->library_rev == lib.library_rev &&
            t.old->index_generation < *gen && t.old->index_generation >= t.model->trained_generation &&
            static_cast<double>(g.size()) <=
                static_cast<double>(t.model->trained_papers) * (1.0 + params.retrain_growth);
        (can_carry ? carry : train).push_back(std::move(t));
    }
    spdlog::info("{} users with a library: {} to train, {} to update, index generation {} ({} papers)",
                 libraries.size(), train.size(), carry.size(), *gen, g.size());

    std::mutex mu;
    auto finish_user = [&](const Todo& t, std::vector<ScoredPaper> papers, bool trained) {
        const auto& lib = libraries[t.lib];
        Recommendations r;
        r.user_id = lib.user_id;
        r.username = lib.username;
        r.library_rev = lib.library_rev;
        r.index_generation = *gen;
        r.library_size = t.positive.size();
        r.created_at = utc_now_iso8601();
        r.model_key = model_key({lib.paper_ids, lib.not_interested});
        r.papers = std::move(papers);
        write_recommendations(recs_dir, r);
        std::lock_guard lock(mu);
        if (trained)
            ++report.summary.done;
        else
            ++report.updated;
        have.emplace_back(lib.username, lib.user_id);
    };

    // Carried users: score the rows computed since their list was made with their model; a
    // paper enters the list where it ranks (nothing above the threshold: the list stays).
    for (const Todo& t : carry) {
        const LinearSvmModel& m = t.model->model;
        const uint64_t since = t.old->index_generation;
        std::vector<ScoredPaper> papers;
        papers.reserve(t.old->papers.size() + 16);
        for (const auto& p : t.old->papers)
            if (auto d = g.find(p.id); d && g.row_generation(*d) <= since) papers.push_back(p);
        const bool full = t.old->papers.size() >= params.top;
        const double threshold =
            full && !t.old->papers.empty() ? t.old->papers.back().score
                                           : -std::numeric_limits<double>::infinity();
        size_t entered = 0;
        const std::set<uint32_t> not_interested(t.task.negative.begin(), t.task.negative.end());
        for (size_t i = 0; i < g.size(); ++i) {
            if (g.row_generation(i) <= since || not_interested.count(static_cast<uint32_t>(i))) continue;
            const double s = static_cast<float>(m.decision(x, i));
            if (s > threshold) {
                papers.push_back({std::string(g.ids[i]), s});
                ++entered;
            }
        }
        std::stable_sort(papers.begin(), papers.end(),
                         [](const ScoredPaper& a, const ScoredPaper& b) { return a.score > b.score; });
        if (papers.size() > params.top) papers.resize(params.top);
        if (entered) spdlog::debug("user {}: {} new papers enter", libraries[t.lib].username, entered);
        finish_user(t, std::move(papers), false);
    }

    // Trained users: all of them in shared passes over the matrix, `jobs` groups in parallel.
    const size_t groups = std::min<size_t>(train.size(), static_cast<size_t>(std::max(params.jobs, 1)));
    std::vector<SvmTask> tasks(train.size());
    for (size_t k = 0; k < train.size(); ++k) {
        tasks[k] = train[k].task;
        if (train[k].model && !params.force) tasks[k].warm = &train[k].model->model;
    }
    parallel_for(
        groups, params.jobs,
        [&](size_t grp, size_t) {
            const size_t b = train.size() * grp / groups, e = train.size() * (grp + 1) / groups;
            if (b == e) return;
            const std::span<const SvmTask> mine(tasks.data() + b, e - b);
            const auto models = train_linear_svms(x, mine, params.svm);
            int most = 0, sum = 0;
            for (const auto& m : models) {
                most = std::max(most, m.iterations);
                sum += m.iterations;
            }
            spdlog::info("trained {} models: {} passes over the matrix ({:.1f} per model on average)",
                         models.size(), most, static_cast<double>(sum) / static_cast<double>(models.size()));
            const auto scores = decision_values(x, models);
            for (size_t k = 0; k < models.size(); ++k) {
                const Todo& t = train[b + k];
                if (!models[k].converged)
                    spdlog::debug("user {}: stopped after {} passes (max_iter)",
                                  libraries[t.lib].username, models[k].iterations);
                write_model(recs_dir, libraries[t.lib].user_id,
                            {models[k], vocab_fp, *gen, g.size(), libraries[t.lib].library_rev});
                finish_user(t, top_rows(g, scores[k], tasks[b + k], params.top, true), true);
            }
        },
        1);

    // Each non-empty tag: its own list (its papers left out), retrained when its inputs
    // (model_key) or the index changed.
    struct TagTodo {
        size_t lib, tag;
        SvmTask task;
    };
    std::vector<TagTodo> tag_todo;
    std::set<std::string> keep_tag_files;
    for (size_t u = 0; u < libraries.size(); ++u) {
        const auto& lib = libraries[u];
        for (size_t k = 0; k < lib.tags.size(); ++k) {
            const auto& tag = lib.tags[k];
            keep_tag_files.insert(tag_recommendations_path(recs_dir, lib.user_id, tag.id).filename().string());
            const RankInputs in{tag.paper_ids, lib.not_interested};
            if (!params.force) {
                try {
                    auto old = read_tag_recommendations(recs_dir, lib.user_id, tag.id);
                    if (old && old->index_generation == *gen && old->tag == tag.name &&
                        old->model_key == model_key(in)) {
                        ++report.tags_skipped;
                        continue;
                    }
                } catch (const std::exception& e) {
                    spdlog::warn("{}; rebuilding it", e.what());
                }
            }
            SvmTask task = svm_task(g, in);
            if (task.positive.empty() || task.positive.size() == g.size()) {
                spdlog::warn("user {} tag {}: {} of {} papers are in the index; no SVM", lib.username,
                             tag.name, task.positive.size(), tag.paper_ids.size());
                ++report.tags_failed;
                continue;
            }
            tag_todo.push_back({u, k, std::move(task)});
        }
    }
    if (!tag_todo.empty()) {
        const size_t tgroups = std::min<size_t>(tag_todo.size(), static_cast<size_t>(std::max(params.jobs, 1)));
        parallel_for(
            tgroups, params.jobs,
            [&](size_t grp, size_t) {
                const size_t b = tag_todo.size() * grp / tgroups, e = tag_todo.size() * (grp + 1) / tgroups;
                if (b == e) return;
                std::vector<SvmTask> mine;
                for (size_t k = b; k < e; ++k) mine.push_back(tag_todo[k].task);
                const auto models = train_linear_svms(x, mine, params.svm);
                const auto scores = decision_values(x, models);
                for (size_t k = 0; k < models.size(); ++k) {
                    const auto& todo = tag_todo[b + k];
                    const auto& lib = libraries[todo.lib];
                    const auto& tag = lib.tags[todo.tag];
                    Recommendations r;
                    r.user_id = lib.user_id;
                    r.username = lib.username;
                    r.library_rev = lib.library_rev;
                    r.index_generation = *gen;
                    r.library_size = todo.task.positive.size();
                    r.created_at = utc_now_iso8601();
                    r.tag_id = tag.id;
                    r.tag = tag.name;
                    r.model_key = model_key({tag.paper_ids, lib.not_interested});
                    r.papers = top_rows(g, scores[k], todo.task, params.top, false);
                    write_recommendations(recs_dir, r);
                    std::lock_guard lock(mu);
                    ++report.tags_done;
                }
            },
            1);
    }

    // Files of users who no longer have a library (or no longer exist), and of deleted tags.
    std::set<int64_t> keep;
    for (const auto& [_, id] : have) keep.insert(id);
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(recs_dir, ec)) {
        const std::string name = e.path().filename().string();
        if (name.rfind("tag-", 0) == 0 && e.path().extension() == ".bin") {
            if (!keep_tag_files.count(name) && fs::remove(e.path(), ec)) ++report.removed;
            continue;
        }
        const bool recs = name.rfind("user-", 0) == 0, model = name.rfind("model-", 0) == 0;
        if ((!recs && !model) || e.path().extension() != ".bin") continue;
        try {
            const int64_t id = std::stoll(name.substr(recs ? 5 : 6));
            if (!keep.count(id) && fs::remove(e.path(), ec) && recs) ++report.removed;
        } catch (const std::exception&) {
        }
    }
    write_recommendation_users(recs_dir, have);
    report.summary.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return report;
}

}  // namespace asp::ml
