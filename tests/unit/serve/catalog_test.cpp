// Catalog: the compact in-memory view of papers.db serve shows (fields, lookup, recent order,
// abstracts read on demand).
#include <asp/serve/catalog.hpp>

#include <asp/core/time.hpp>
#include <asp/store/papers_db.hpp>

#include "unit/catch_compat.hpp"
#include "unit/test_support.hpp"

using namespace asp;
using namespace asp::serve;

namespace {

Paper paper(std::string id, int version, std::string updated) {
    Paper p;
    p.id = std::move(id);
    p.version = version;
    p.title = "Title of " + p.id;
    p.abstract = "Abstract of " + p.id;
    p.authors = {"Ada Lovelace", "Alan Turing"};
    p.categories = {"cs.DC", "cs.LG"};
    p.primary_category = "cs.DC";
    p.published = "2020-01-01T00:00:00Z";
    p.updated = std::move(updated);
    return p;
}

}  // namespace

TEST_CASE("the catalog holds every paper's short fields and finds papers by id", "[serve]") {
    test::TempDir tmp;
    auto db_path = tmp.path() / "papers.db";
    {
        PapersDb db(db_path, OpenMode::ReadWrite);
        db.upsert(paper("2101.00001", 1, "2021-01-05T10:00:00Z"));
        db.upsert(paper("2101.00002", 2, "2021-01-07T10:00:00Z"));
        auto odd = paper("cs/0112017", 1, "2001-12-01T00:00:00+02:00");
        // Escapes, a quote, a control character, non-ASCII and an empty name (dropped).
        odd.authors = {"Ada \"Countess\" Lovelace", "Back\\slash", "Tab\there", "Gödel", ""};
        odd.categories = {};
        db.upsert(odd);
    }
    auto catalog = Catalog::load(db_path);
    REQUIRE(catalog->size() == 3);

    auto p = catalog->find("2101.00002");
    REQUIRE(p);
    CHECK(p->id == "2101.00002");
    CHECK(p->version == 2);
    CHECK(p->title == "Title of 2101.00002");
    CHECK(p->authors.to_vector() == std::vector<std::string>{"Ada Lovelace", "Alan Turing"});
    CHECK(p->categories.to_vector() == std::vector<std::string>{"cs.DC", "cs.LG"});
    CHECK(p->published == "2020-01-01T00:00:00Z");
    CHECK(p->updated == "2021-01-07T10:00:00Z");
    CHECK(p->published_at == *parse_iso8601("2020-01-01T00:00:00Z"));
    CHECK(p->updated_at == *parse_iso8601("2021-01-07T10:00:00Z"));

    auto odd = catalog->find("cs/0112017");
    REQUIRE(odd);
    CHECK(odd->authors.to_vector() ==
          std::vector<std::string>{"Ada \"Countess\" Lovelace", "Back\\slash", "Tab here", "Gödel"});
    CHECK(odd->categories.empty());
    // Not the fast form: parsed by parse_iso8601, offset applied.
    CHECK(odd->updated_at == *parse_iso8601("2001-11-30T22:00:00Z"));

    CHECK_FALSE(catalog->find("2101.00003"));
    CHECK_FALSE(catalog->find(""));
    CHECK_FALSE(catalog->find("2101.0000"));

    // Newest updated first; v1 only leaves out the paper at version 2.
    std::vector<std::string> recent, recent_v1;
    for (uint32_t i : catalog->recent(false)) recent.emplace_back(catalog->at(i).id);
    for (uint32_t i : catalog->recent(true)) recent_v1.emplace_back(catalog->at(i).id);
    CHECK(recent == std::vector<std::string>{"2101.00002", "2101.00001", "cs/0112017"});
    CHECK(recent_v1 == std::vector<std::string>{"2101.00001", "cs/0112017"});
}

TEST_CASE("the catalog reads abstracts from papers.db on demand", "[serve]") {
    test::TempDir tmp;
    auto db_path = tmp.path() / "papers.db";
    {
        PapersDb db(db_path, OpenMode::ReadWrite);
        for (int i = 1; i <= 300; ++i) {
            char id[16];
            std::snprintf(id, sizeof id, "2101.%05d", i);
            db.upsert(paper(id, 1, "2021-01-05T10:00:00Z"));
        }
    }
    auto catalog = Catalog::load(db_path);
    REQUIRE(catalog->size() == 300);
    auto got = catalog->abstracts({"2101.00007", "9999.99999", "2101.00300"});
    CHECK(got == std::vector<std::string>{"Abstract of 2101.00007", "", "Abstract of 2101.00300"});
    // Connections are pooled and reused; a paper changed after the load shows its new abstract.
    {
        PapersDb db(db_path, OpenMode::ReadWrite);
        auto p = paper("2101.00007", 2, "2021-02-01T00:00:00Z");
        p.abstract = "A revised abstract";
        db.upsert(p);
    }
    CHECK(catalog->abstracts({"2101.00007"}) == std::vector<std::string>{"A revised abstract"});
    CHECK(catalog->abstracts({}).empty());

    auto empty = Catalog::load(tmp.path() / "missing.db");
    CHECK(empty->size() == 0);
    CHECK(empty->abstracts({"2101.00007"}) == std::vector<std::string>{""});
}
