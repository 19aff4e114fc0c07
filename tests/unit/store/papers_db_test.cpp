#include <asp/store/papers_db.hpp>

#include <algorithm>

#include "unit/catch_compat.hpp"
#include <SQLiteCpp/SQLiteCpp.h>

#include "unit/store/papers_db_test_access.hpp"
#include "unit/test_support.hpp"

using namespace asp;

namespace {
Paper sample(std::string id, int version) {
    Paper p;
    p.id = std::move(id);
    p.version = version;
    p.title = "A title";
    p.abstract = "An abstract.";
    p.authors = {"Ada Lovelace", "Alan Turing"};
    p.categories = {"cs.DC", "cs.LG"};
    p.primary_category = "cs.DC";
    p.published = "2021-01-01T00:00:00Z";
    p.updated = "2021-01-02T00:00:00Z";
    p.links = {{"http://arxiv.org/abs/" + p.id, "alternate", "text/html", ""}};
    return p;
}
}  // namespace

TEST_CASE("papers.db keeps the newest version of each paper", "[store]") {
    test::TempDir tmp;
    PapersDb db(tmp / "papers.db", OpenMode::ReadWrite);
    CHECK(db.upsert(sample("2101.00001", 1)) == UpsertOutcome::Added);
    CHECK(db.upsert(sample("2101.00001", 1)) == UpsertOutcome::Unchanged);
    CHECK(db.upsert(sample("2101.00001", 3)) == UpsertOutcome::NewVersion);
    CHECK(db.upsert(sample("2101.00001", 2)) == UpsertOutcome::Unchanged);  // older: ignored
    auto changed = sample("2101.00001", 3);
    changed.journal_ref = "J. Foo 1 (2021)";
    CHECK(db.upsert(changed) == UpsertOutcome::MetadataChanged);
    auto got = db.get("2101.00001");
    REQUIRE(got);
    CHECK(got->version == 3);
    CHECK(*got == changed);
    CHECK(db.count() == 1);
}

TEST_CASE("papers.db round-trips old-style ids and empty optional fields as NULL", "[store]") {
    test::TempDir tmp;
    {
        PapersDb db(tmp / "papers.db", OpenMode::ReadWrite);
        auto counts = db.upsert_all({sample("cs/0112017", 1), sample("math.GT/0309136", 2)});
        CHECK(counts.added == 2);
    }
    PapersDb ro(tmp / "papers.db", OpenMode::ReadOnly);
    CHECK(ro.get("cs/0112017"));
    CHECK(ro.get("math.GT/0309136")->version == 2);
    SQLite::Statement q(PapersDbTestAccess::database(ro), "SELECT comment IS NULL, json_array_length(authors) FROM papers WHERE id = 'cs/0112017'");
    REQUIRE(q.executeStep());
    CHECK(q.getColumn(0).getInt() == 1);
    CHECK(q.getColumn(1).getInt() == 2);
}

TEST_CASE("papers.db change_seq lists what changed since a point", "[store]") {
    test::TempDir tmp;
    PapersDb db(tmp / "papers.db", OpenMode::ReadWrite);
    db.upsert(sample("2101.00001", 1));
    auto seq = db.change_seq();
    db.upsert(sample("2101.00002", 1));
    db.upsert(sample("2101.00001", 1));  // unchanged: no bump
    auto changed = db.changed_since(seq);
    REQUIRE(changed.size() == 1);
    CHECK(changed[0].id == "2101.00002");
}

TEST_CASE("papers.db stage records count failed attempts per version", "[store]") {
    test::TempDir tmp;
    PapersDb db(tmp / "papers.db", OpenMode::ReadWrite);
    db.record_failure("download", "2101.00001", 1, "HTTP 404");
    db.record_failure("download", "2101.00001", 1, "HTTP 404");
    auto r = db.stage_record("download", "2101.00001");
    REQUIRE(r);
    CHECK(r->state == StageState::Failed);
    CHECK(r->attempts == 2);
    CHECK(r->reason == "HTTP 404");
    db.record_failure("download", "2101.00001", 2, "HTTP 503");  // a new version starts over
    CHECK(db.stage_record("download", "2101.00001")->attempts == 1);
    db.record_done("download", "2101.00001", 2);
    CHECK(db.stage_record("download", "2101.00001")->state == StageState::Done);
    CHECK(db.stage_records("download").size() == 1);
    CHECK_FALSE(db.stage_record("thumb", "2101.00001"));
}

TEST_CASE("papers.db refuses a file from a newer program", "[store]") {
    test::TempDir tmp;
    {
        SQLite::Database raw((tmp / "papers.db").string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
        raw.exec("PRAGMA user_version = 99");
    }
    CHECK_THROWS_WITH(PapersDb(tmp / "papers.db", OpenMode::ReadWrite), Catch::Contains("newer"));
}

// Regression: every fetch rerun rewrote its resume key with the same value, so a pipeline rerun
// with nothing new still changed papers.db. An unchanged value must not write at all.
TEST_CASE("papers.db set_meta with an unchanged value writes nothing", "[store]") {
    test::TempDir tmp;
    PapersDb db(tmp / "papers.db", OpenMode::ReadWrite);
    db.set_meta("fetch.resume", "{}");
    auto wal = tmp / "papers.db-wal";
    REQUIRE(std::filesystem::exists(wal));
    auto size = std::filesystem::file_size(wal);
    db.set_meta("fetch.resume", "{}");
    CHECK(std::filesystem::file_size(wal) == size);
    CHECK(db.meta("fetch.resume") == std::optional<std::string>("{}"));
    db.set_meta("fetch.resume", "{\"next_start\": 100}");
    CHECK(std::filesystem::file_size(wal) > size);
    CHECK(db.meta("fetch.resume") == std::optional<std::string>("{\"next_start\": 100}"));
}

TEST_CASE("papers.db serves listings, details and meta prefixes without SQL outside store",
          "[store]") {
    test::TempDir tmp;
    PapersDb db(tmp / "papers.db", OpenMode::ReadWrite);
    Paper a = sample("2101.00001", 2);
    a.doi = "10.1/x";
    db.upsert_all({a, sample("2101.00002", 1)});
    db.set_meta("fetch.resume:cat:cs.LG", "1");
    db.set_meta("fetch.resume:cat:cs.AI", "1");
    db.set_meta("analyze.fingerprint", "f");
    CHECK(db.meta_key_suffixes("fetch.resume:") ==
          std::vector<std::string>{"cat:cs.AI", "cat:cs.LG"});
    CHECK(db.change_seq_and_count() == std::pair<int64_t, int64_t>{db.change_seq(), 2});

    PapersDb ro(tmp / "papers.db", OpenMode::ReadOnly);
    ro.use_memory_map();
    std::vector<std::string> ids;
    ro.for_each_listing_row([&](const PaperListingRow& row) {
        ids.emplace_back(row.id);
        if (row.id == "2101.00001") {
            CHECK(row.version == 2);
            CHECK(row.title == a.title);
            CHECK(row.authors_json.front() == '[');
        }
    });
    std::sort(ids.begin(), ids.end());
    CHECK(ids == std::vector<std::string>{"2101.00001", "2101.00002"});
    size_t abstracts = 0;
    ro.for_each_abstract([&](std::string_view, std::string_view abstract) {
        CHECK(abstract == "An abstract.");
        ++abstracts;
    });
    CHECK(abstracts == 2);
    auto details = ro.details({"2101.00001", "nope"});
    REQUIRE(details.size() == 2);
    CHECK(details[0].abstract == "An abstract.");
    CHECK(details[0].doi == "10.1/x");
    CHECK(details[1].abstract.empty());
    CHECK(ro.details({"2101.00002"})[0].abstract == "An abstract.");  // prepared once, reused
}
