// IndexReader::search on a few hundred papers: windows, order, totals, and that one query's
// scores never leak into the next (the reader keeps per-thread scratch between queries).
#include <asp/ml/analyze.hpp>
#include <asp/ml/index_reader.hpp>
#include <asp/store/papers_db.hpp>

#include <set>

#include "unit/catch_compat.hpp"
#include "unit/test_support.hpp"

using namespace asp;

namespace {

const char* kWords[] = {"consensus", "gpu", "sparse", "raft", "kernel", "cache"};

// Paper i holds word w when bit w of i is set (so the papers of each word are known).
void fill(const DataDir& dir, int n) {
    dir.create_layout();
    PapersDb db(dir.papers_db(), OpenMode::ReadWrite);
    for (int i = 1; i <= n; ++i) {
        Paper p;
        char id[16];
        std::snprintf(id, sizeof id, "2101.%05d", i);
        p.id = id;
        p.title = "Paper";
        for (int w = 0; w < 6; ++w)
            if (i & (1 << w)) p.abstract += std::string(kWords[w]) + " ";
        p.abstract += "common words everywhere";
        p.categories = {"cs.DC"};
        p.primary_category = "cs.DC";
        p.published = p.updated = "2021-01-01T00:00:00Z";
        db.upsert(p);
    }
}

std::set<std::string> ids_with(int n, std::initializer_list<int> words) {
    std::set<std::string> out;
    for (int i = 1; i <= n; ++i)
        for (int w : words)
            if (i & (1 << w)) {
                char id[16];
                std::snprintf(id, sizeof id, "2101.%05d", i);
                out.insert(id);
            }
    return out;
}

}  // namespace

TEST_CASE("index search: totals, windows and order over many papers", "[ml]") {
    test::TempDir tmp;
    const DataDir dir(tmp.path());
    const int n = 200;
    fill(dir, n);
    ml::AnalyzeParams params;
    params.jobs = 2;
    REQUIRE(ml::run_analyze(dir, params).published);
    auto index = ml::IndexReader::open(dir.index_dir());

    auto all = index->search("consensus gpu", 0, 1000);
    auto expected = ids_with(n, {0, 1});
    CHECK(all.total == expected.size());
    REQUIRE(all.papers.size() == expected.size());
    std::set<std::string> got;
    for (const auto& p : all.papers) got.insert(p.id);
    CHECK(got == expected);
    for (size_t i = 1; i < all.papers.size(); ++i) CHECK(all.papers[i - 1].score >= all.papers[i].score);

    // Any window is the same slice of the full order.
    for (size_t offset : {0u, 1u, 7u, 50u, 140u}) {
        auto page = index->search("consensus gpu", offset, 13);
        CHECK(page.total == all.total);
        for (size_t i = 0; i < page.papers.size(); ++i) {
            CHECK(page.papers[i].id == all.papers[offset + i].id);
            CHECK(page.papers[i].score == all.papers[offset + i].score);
        }
    }

    // A narrower query after a wider one: nothing carried over.
    auto one = index->search("raft", 0, 1000);
    CHECK(one.total == ids_with(n, {3}).size());
    for (const auto& p : one.papers) CHECK(ids_with(n, {3}).count(p.id) == 1);
    auto again = index->search("consensus gpu", 0, 1000);
    REQUIRE(again.papers.size() == all.papers.size());
    for (size_t i = 0; i < all.papers.size(); ++i) {
        CHECK(again.papers[i].id == all.papers[i].id);
        CHECK(again.papers[i].score == all.papers[i].score);
    }
    CHECK(index->search("nosuchword", 0, 10).total == 0);
}
