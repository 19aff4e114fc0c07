// serve's view of analyze's index/ (asp/ml/index_reader.hpp) and buildsvm's recs/.
#include <asp/ml/index_reader.hpp>
#include <asp/ml/recs.hpp>
#include <asp/serve/server.hpp>

#include <spdlog/spdlog.h>

namespace asp::serve {
namespace {

std::vector<Scored> scored(const std::vector<ml::ScoredPaper>& in) {
    std::vector<Scored> out;
    out.reserve(in.size());
    for (const auto& p : in) out.push_back({p.id, p.score});
    return out;
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

private:
    std::shared_ptr<const ml::IndexReader> index_;
    std::filesystem::path recs_dir_;
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
