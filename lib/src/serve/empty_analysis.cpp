#include <asp/serve/catalog.hpp>

namespace asp::serve {
namespace {

class EmptyAnalysis final : public Analysis {
public:
    std::string generation() const override { return ""; }
    bool has_index() const override { return false; }
    std::vector<Scored> similar(std::string_view, size_t) const override { return {}; }
    std::pair<std::vector<Scored>, size_t> search(std::string_view, size_t,
                                                  size_t) const override {
        return {};
    }
    std::vector<Scored> recommendations(int64_t) const override { return {}; }
};

class EmptyAnalysisSource final : public AnalysisSource {
public:
    bool changed() override { return false; }
    std::shared_ptr<const Analysis> load() override { return std::make_shared<EmptyAnalysis>(); }
};

}  // namespace

std::unique_ptr<AnalysisSource> make_empty_analysis_source() {
    return std::make_unique<EmptyAnalysisSource>();
}

}  // namespace asp::serve
