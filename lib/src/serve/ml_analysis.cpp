// serve's view of analyze's index/ (asp/ml/index_reader.hpp) and buildsvm's recs/.
#include <asp/ml/index_reader.hpp>
#include <asp/ml/recs.hpp>
#include <asp/ml/svm_rank.hpp>
#include <asp/serve/server.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <list>
#include <mutex>
#include <unordered_map>

#include <spdlog/spdlog.h>

namespace asp::serve {
namespace {

std::vector<Scored> scored(const std::vector<ml::ScoredPaper>& in) {
    std::vector<Scored> out;
    out.reserve(in.size());
    for (const auto& p : in) out.push_back({p.id, p.score});
    return out;
}

// The reduced problem of an instant answer (asp/ml/svm_rank.hpp; why and how well it agrees
// with the full one: docs/tools/serve.md, "Recommendations"). ASP_INSTANT_SAMPLE="random,hard"
// overrides the sizes (benchmarks; "0,0": the full problem).
ml::RankParams instant_params() {
    ml::RankParams p;
    p.sample_random = 3000;
    p.sample_hard = 1000;
    if (const char* env = std::getenv("ASP_INSTANT_SAMPLE")) {
        unsigned long r = 0, h = 0;
        char w = 'h';
        if (std::sscanf(env, "%lu,%lu,%c", &r, &h, &w) >= 2) {
            p.sample_random = r;
            p.sample_hard = h;
            p.sample_weights = w == 'u' ? ml::SampleWeights::uniform : ml::SampleWeights::horvitz_thompson;
        }
    }
    return p;
}

class MlAnalysis final : public Analysis {
public:
    MlAnalysis(std::shared_ptr<const ml::IndexReader> index, std::filesystem::path recs_dir)
        : index_(std::move(index)), recs_dir_(std::move(recs_dir)) {}

    std::string generation() const override {
        return index_ ? std::to_string(index_->generation()) : "";
    }
    bool has_index() const override { return index_ != nullptr; }
    std::vector<Scored> similar(std::string_view id, size_t k) const override {
        return index_ ? scored(index_->similar(id, k)) : std::vector<Scored>{};
    }
    std::pair<std::vector<Scored>, size_t> search(std::string_view query, size_t offset,
                                                  size_t limit) const override {
        if (!index_) return {};
        auto page = index_->search(query, offset, limit);
        return {scored(page.papers), page.total};
    }
    size_t indexed_count() const override { return index_ ? index_->paper_count() : 0; }
    std::vector<std::pair<std::string, double>> terms_of(std::string_view id) const override {
        return index_ ? index_->terms_of(id) : std::vector<std::pair<std::string, double>>{};
    }
    // Read per request: a small file that buildsvm replaces atomically, so a new run shows
    // at once.
    std::vector<Scored> recommendations(int64_t user_id) const override {
        try {
            auto recs = ml::read_recommendations(recs_dir_, user_id);
            return recs ? scored(recs->papers) : std::vector<Scored>{};
        } catch (const std::exception& e) {
            spdlog::warn("recommendations of user {}: {}", user_id, e.what());
            return {};
        }
    }

    ModelAnswer recommend(const ModelQuery& q) const override {
        if (!index_) return Analysis::recommend(q);
        const std::string key = ml::model_key({q.positives, q.not_interested});
        // buildsvm's list, when it was trained on exactly these inputs and this index.
        if (q.nightly_tag >= 0) {
            try {
                auto recs = q.nightly_tag == 0
                                ? ml::read_recommendations(recs_dir_, q.user_id)
                                : ml::read_tag_recommendations(recs_dir_, q.user_id, q.nightly_tag);
                if (recs && recs->model_key == key && recs->index_generation == index_->generation())
                    return {scored(recs->papers), true};
            } catch (const std::exception& e) {
                spdlog::warn("recommendations of user {}: {}", q.user_id, e.what());
            }
        }
        const std::string slot = std::to_string(q.user_id) + "/" + q.cache_key;
        if (auto hit = cached(slot, key)) return {std::move(*hit), false};
        if (!q.may_train) return {{}, false, true};
        // One model trains at a time (a core stays for the other pages); whoever waited for
        // the same model finds it in the cache.
        std::lock_guard train(train_mu_);
        if (auto hit = cached(slot, key)) return {std::move(*hit), false};
        const auto start = std::chrono::steady_clock::now();
        // The slot's previous model (before this change) is the warm start, and its ranking
        // names the hard negatives of the reduced problem.
        ml::RankParams params = instant_params();
        const auto warm = previous(slot, params.hard_candidates);
        params.warm = warm.get();
        auto ranked = ml::rank_by_svm(*index_, {q.positives, q.not_interested}, params);
        spdlog::debug("user {} model '{}': {} positives, {} rows, {} iterations{}, {:.1f} ms", q.user_id,
                      q.cache_key, ranked.positives_found, ranked.trained_rows, ranked.iterations,
                      warm ? " (warm)" : "",
                      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                          .count());
        auto out = scored(ranked.papers);
        remember(slot, key, out, std::move(ranked.model));
        return {std::move(out), false};
    }

private:
    // Computed rankings by "<user>/<cache_key>", each with the model_key it was trained on;
    // the least recently used goes when there are more than kCacheSlots.
    static constexpr size_t kCacheSlots = 256;
    struct Slot {
        std::string model_key;
        std::vector<Scored> ranked;
        std::shared_ptr<const ml::LinearSvmModel> model;  // n_features doubles
        std::list<std::string>::iterator lru;
    };

    // The slot's last model and (into `ranked`) the ids of its ranking, best first.
    std::shared_ptr<const ml::LinearSvmModel> previous(const std::string& slot,
                                                       std::vector<std::string>& ranked) const {
        std::lock_guard lock(cache_mu_);
        auto it = cache_.find(slot);
        if (it == cache_.end()) return nullptr;
        for (const auto& p : it->second.ranked) ranked.push_back(p.id);
        return it->second.model;
    }

    std::optional<std::vector<Scored>> cached(const std::string& slot, const std::string& key) const {
        std::lock_guard lock(cache_mu_);
        auto it = cache_.find(slot);
        if (it == cache_.end() || it->second.model_key != key) return std::nullopt;
        lru_.splice(lru_.begin(), lru_, it->second.lru);
        return it->second.ranked;
    }

    void remember(const std::string& slot, const std::string& key, const std::vector<Scored>& ranked,
                  std::shared_ptr<const ml::LinearSvmModel> model) const {
        std::lock_guard lock(cache_mu_);
        auto it = cache_.find(slot);
        if (it != cache_.end()) {
            it->second.model_key = key;
            it->second.ranked = ranked;
            it->second.model = std::move(model);
            lru_.splice(lru_.begin(), lru_, it->second.lru);
            return;
        }
        lru_.push_front(slot);
        cache_.emplace(slot, Slot{key, ranked, std::move(model), lru_.begin()});
        while (cache_.size() > kCacheSlots) {
            cache_.erase(lru_.back());
            lru_.pop_back();
        }
    }

    std::shared_ptr<const ml::IndexReader> index_;
    std::filesystem::path recs_dir_;
    mutable std::mutex cache_mu_, train_mu_;
    mutable std::unordered_map<std::string, Slot> cache_;
    mutable std::list<std::string> lru_;
};

class MlAnalysisSource final : public AnalysisSource {
public:
    MlAnalysisSource(std::filesystem::path index_dir, std::filesystem::path recs_dir)
        : index_dir_(std::move(index_dir)), recs_dir_(std::move(recs_dir)) {}

    bool changed() override {
        return ml::IndexReader::current_generation(index_dir_) != loaded_generation_;
    }

    std::shared_ptr<const Analysis> load() override {
        uint64_t generation = ml::IndexReader::current_generation(index_dir_);
        std::shared_ptr<const ml::IndexReader> index;
        if (generation != 0) index = ml::IndexReader::open(index_dir_);
        loaded_generation_ = index ? index->generation() : 0;
        return std::make_shared<MlAnalysis>(std::move(index), recs_dir_);
    }

private:
    std::filesystem::path index_dir_, recs_dir_;
    uint64_t loaded_generation_ = 0;
};

}  // namespace

std::unique_ptr<AnalysisSource> open_analysis_source(const DataDir& data_dir) {
    return std::make_unique<MlAnalysisSource>(data_dir.index_dir(), data_dir.recs_dir());
}

}  // namespace asp::serve
