// What sync takes from a data directory, and which manifests it accepts.
#include <asp/sync/sync.hpp>

#include <fstream>
#include <iterator>

#include <sqlite3.h>

#include "sync/sync_internal.hpp"
#include "unit/catch_compat.hpp"
#include "unit/test_support.hpp"

using namespace asp::sync;

TEST_CASE("sync leaves out temporary, SQLite side files, logs and excluded paths", "[sync]") {
    CHECK(is_synced_path("papers.db", {}));
    CHECK(is_synced_path("thumbs/2101.00001v1.jpg", {}));
    CHECK_FALSE(is_synced_path(".papers.db.tmp-asp-abc", {}));
    CHECK_FALSE(is_synced_path("index/.x.tmp-asp-1", {}));
    CHECK_FALSE(is_synced_path("papers.db-wal", {}));
    CHECK_FALSE(is_synced_path("users.db-shm", {}));
    CHECK_FALSE(is_synced_path("x.db-journal", {}));
    CHECK_FALSE(is_synced_path("logs/pipeline-1.log", {}));
    CHECK_FALSE(is_synced_path("../etc/passwd", {}));
    CHECK_FALSE(is_synced_path("/etc/passwd", {}));
    CHECK_FALSE(is_synced_path("pdf/2101.00001v1.pdf", {"pdf"}));
    CHECK_FALSE(is_synced_path("pdf/2101.00001v1.pdf", {"pdf/"}));
    CHECK_FALSE(is_synced_path("txt/2101.00001v1.txt", {"txt/*.txt"}));
    CHECK(is_synced_path("txt/2101.00001v1.txt", {"pdf", "users.db"}));
    CHECK_FALSE(is_synced_path("users.db", {"users.db"}));
}

TEST_CASE("sync manifests round-trip and unsafe ones are refused", "[sync]") {
    Manifest m;
    m.id = "20260101T000000Z-abcdef01";
    m.files = {{"index/meta.json", 15, std::string(64, 'a')}, {"papers.db", 8192, std::string(64, 'b')}};
    auto back = manifest_from_json(manifest_to_json(m));
    REQUIRE(back.ok());
    CHECK(back->id == m.id);
    CHECK(back->files == m.files);

    auto bad_path = manifest_to_json(Manifest{"x", "", "", {{"../escape", 1, std::string(64, 'a')}}});
    CHECK_FALSE(manifest_from_json(bad_path).ok());
    auto bad_sha = manifest_to_json(Manifest{"x", "", "", {{"a", 1, "not-a-sha"}}});
    CHECK_FALSE(manifest_from_json(bad_sha).ok());
    CHECK_FALSE(manifest_from_json("{\"format\": \"something else\", \"version\": 1, \"files\": []}").ok());
    CHECK_FALSE(manifest_from_json("not json").ok());
}

namespace {
sqlite3* open_db(const std::filesystem::path& p) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(p.c_str(), &db) == SQLITE_OK);
    return db;
}
void exec(sqlite3* db, const char* sql) { REQUIRE(sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK); }
int64_t count_rows(const std::filesystem::path& p) {
    sqlite3* db = open_db(p);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM t", -1, &st, nullptr);
    sqlite3_step(st);
    int64_t n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}
std::string bytes_of(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}
}  // namespace

TEST_CASE("a pushed SQLite database is its own bytes, or its rows while a writer holds it", "[sync]") {
    asp::test::TempDir tmp;
    auto path = tmp / "papers.db";
    sqlite3* live = open_db(path);
    exec(live, "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0; CREATE TABLE t (x)");
    exec(live, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500) "
               "INSERT INTO t SELECT i FROM n");
    REQUIRE(std::filesystem::file_size(path.string() + "-wal") > 0);

    SECTION("idle: the WAL is folded in and the copy is byte for byte the database") {
        SqliteSnapshot snap(path, tmp / ".sync");
        CHECK(bytes_of(snap.path()) == bytes_of(path));
        CHECK(count_rows(snap.path()) == 500);
    }
    SECTION("a writer in a transaction: a consistent copy of the committed rows") {
        exec(live, "BEGIN IMMEDIATE; INSERT INTO t VALUES (0)");
        SqliteSnapshot snap(path, tmp / ".sync");
        CHECK(count_rows(snap.path()) == 500);
        exec(live, "COMMIT");
    }
    sqlite3_close(live);
}
