// Field search (serve/search_query.hpp): the syntax, exact field matching, the boolean
// operators, bare categories and ids, and the errors a query can give.
#include "serve/search_query.hpp"

#include <algorithm>

#include <asp/store/papers_db.hpp>

#include "unit/catch_compat.hpp"
#include "unit/test_support.hpp"

using namespace asp;
using namespace asp::serve;

namespace {

Paper paper(std::string id, std::string title, std::vector<std::string> authors,
            std::vector<std::string> categories, std::string abstract, int version = 1,
            std::string published = "2021-01-01T00:00:00Z") {
    Paper p;
    p.id = std::move(id);
    p.version = version;
    p.title = std::move(title);
    p.abstract = std::move(abstract);
    p.authors = std::move(authors);
    p.categories = std::move(categories);
    p.primary_category = p.categories.empty() ? "" : p.categories[0];
    p.published = published;
    p.updated = published;
    return p;
}

// Free words through a tiny stand-in index: a word matches papers whose title has it.
class TitleIndex final : public Analysis {
public:
    explicit TitleIndex(const Catalog& c) : c_(c) {}
    std::string generation() const override { return "1"; }
    bool has_index() const override { return true; }
    std::vector<Scored> similar(std::string_view, size_t) const override { return {}; }
    std::pair<std::vector<Scored>, size_t> search(std::string_view q, size_t,
                                                  size_t) const override {
        std::vector<Scored> out;
        auto want = field_words(q);
        for (uint32_t i = 0; i < c_.size(); ++i) {
            auto words = field_words(c_.at(i).title);
            double s = 0;
            for (const auto& w : want) s += static_cast<double>(std::count(words.begin(), words.end(), w));
            if (s > 0) out.push_back({std::string(c_.at(i).id), s});
        }
        return {out, out.size()};
    }
    std::vector<Scored> recommendations(int64_t) const override { return {}; }

private:
    const Catalog& c_;
};

struct Fixture {
    test::TempDir tmp;
    std::shared_ptr<const Catalog> catalog;
    std::unique_ptr<TitleIndex> index;
    Fixture() {
        auto path = tmp.path() / "papers.db";
        {
            PapersDb db(path, OpenMode::ReadWrite);
            db.upsert(paper("2101.00001", "Graph neural networks at scale",
                            {"Geoffrey E. Hinton", "Ada Lovelace"}, {"cs.LG", "stat.ML"},
                            "We scale graph neural networks.", 1, "2021-01-01T00:00:00Z"));
            db.upsert(paper("2101.00002", "Distributed graph processing", {"Adriano Del Maestro"},
                            {"cs.DC"}, "Message passing on clusters; neural nets not used.", 2,
                            "2021-01-02T00:00:00Z"));
            db.upsert(paper("hep-th/9901001", "Strings and neural branes", {"Eve O'Hara"},
                            {"hep-th", "gr-qc"}, "A phrase: graph neural here.", 1,
                            "1999-01-01T00:00:00Z"));
            db.upsert(paper("2101.00003", "Fluid dynamics", {"Hinton Smith"},
                            {"physics.flu-dyn"}, "Turbulence.", 1, "2021-01-03T00:00:00Z"));
        }
        catalog = Catalog::load(path);
        index = std::make_unique<TitleIndex>(*catalog);
    }
    std::vector<std::string> ids(std::string_view q, SearchFilter f = {}) {
        auto r = run_search(*catalog, *index, q, f);
        REQUIRE(std::holds_alternative<SearchOutcome>(r));
        std::vector<std::string> out;
        for (const auto& h : std::get<SearchOutcome>(r).hits) out.emplace_back(catalog->at(h.position).id);
        return out;
    }
    std::string error(std::string_view q) {
        auto r = run_search(*catalog, *index, q, {});
        return std::holds_alternative<SearchError>(r) ? std::get<SearchError>(r).message : "";
    }
};

using V = std::vector<std::string>;

}  // namespace

TEST_CASE("au: matches every author whose name has the words, newest first", "[serve]") {
    Fixture f;
    CHECK(f.ids("au:hinton") == V{"2101.00003", "2101.00001"});
    CHECK(f.ids("au:\"Geoffrey Hinton\"") == V{"2101.00001"});
    CHECK(f.ids("au:del_maestro") == V{"2101.00002"});
    CHECK(f.ids("au:O'Hara") == V{"hep-th/9901001"});
    CHECK(f.ids("AU:LOVELACE") == V{"2101.00001"});
    CHECK(f.ids("au:nobody").empty());
}

TEST_CASE("ti:, abs: and phrases match consecutive words", "[serve]") {
    Fixture f;
    CHECK(f.ids("ti:graph") == V{"2101.00002", "2101.00001"});
    CHECK(f.ids("ti:\"graph neural\"") == V{"2101.00001"});
    CHECK(f.ids("ti:\"neural graph\"").empty());
    CHECK(f.ids("abs:\"graph neural\"") == V{"2101.00001", "hep-th/9901001"});
    CHECK(f.ids("abs:turbulence") == V{"2101.00003"});
}

TEST_CASE("cat: matches any category; an archive matches its subjects; bare names are cat:", "[serve]") {
    Fixture f;
    CHECK(f.ids("cat:cs.DC") == V{"2101.00002"});
    CHECK(f.ids("cat:cs") == V{"2101.00002", "2101.00001"});
    CHECK(f.ids("cat:stat.ml") == V{"2101.00001"});
    CHECK(f.ids("cat:physics") == V{"2101.00003"});
    CHECK(f.ids("cs.DC") == V{"2101.00002"});
    CHECK(f.ids("hep-th") == V{"hep-th/9901001"});
    CHECK(f.ids("cs") == V{"2101.00002", "2101.00001"});
    CHECK(is_category_name("cond-mat.stat-mech"));
    CHECK_FALSE(is_category_name("graph.neural"));
}

TEST_CASE("a bare arXiv id, with or without version, finds the paper", "[serve]") {
    Fixture f;
    CHECK(f.ids("2101.00002") == V{"2101.00002"});
    CHECK(f.ids("2101.00002v1") == V{"2101.00002"});
    CHECK(f.ids("hep-th/9901001v3") == V{"hep-th/9901001"});
    CHECK(f.ids("id:2101.00001") == V{"2101.00001"});
    CHECK(f.ids("https://arxiv.org/abs/2101.00003") == V{"2101.00003"});
    CHECK(f.ids("arXiv:2101.00003") == V{"2101.00003"});
}

TEST_CASE("AND is the default; OR, ANDNOT and parentheses combine", "[serve]") {
    Fixture f;
    CHECK(f.ids("graph neural") == V{"2101.00001"});
    CHECK(f.ids("graph AND neural") == V{"2101.00001"});
    CHECK(f.ids("au:hinton ANDNOT cat:physics") == V{"2101.00001"});
    CHECK(f.ids("cat:cs.DC OR cat:hep-th") == V{"2101.00002", "hep-th/9901001"});
    CHECK(f.ids("(cat:cs.DC OR cat:hep-th) AND ti:strings") == V{"hep-th/9901001"});
    CHECK(f.ids("neural ANDNOT au:hinton") == V{"hep-th/9901001"});
    // Free words rank: the title with more of them first.
    CHECK(f.ids("graph OR neural").front() == "2101.00001");
}

TEST_CASE("the time and v1 filters apply to search", "[serve]") {
    Fixture f;
    SearchFilter v1;
    v1.only_v1 = true;
    CHECK(f.ids("cat:cs", v1) == V{"2101.00001"});
    SearchFilter recent;
    recent.published_since = 1609459200 + 86400;  // 2021-01-02
    CHECK(f.ids("au:hinton OR cat:cs", recent) == V{"2101.00003", "2101.00002"});
}

TEST_CASE("queries that cannot be read give a reason, never a crash", "[serve]") {
    Fixture f;
    CHECK(f.error("xx:foo").find("unknown field") != std::string::npos);
    CHECK(f.error("ti:\"graph").find("unbalanced quote") != std::string::npos);
    CHECK(f.error("(graph").find("parenthesis") != std::string::npos);
    CHECK(f.error("graph)").find("parenthesis") != std::string::npos);
    CHECK(f.error("graph AND").find("operator") != std::string::npos);
    CHECK(f.error("OR graph").find("operator") != std::string::npos);
    CHECK(f.error("au: hinton").find("nothing after") != std::string::npos);
    std::string many;
    for (int i = 0; i < 100; ++i) many += "w ";
    CHECK(f.error(many).find("too many") != std::string::npos);
    CHECK(f.ids("").empty());
    CHECK(f.ids("   ").empty());
}
