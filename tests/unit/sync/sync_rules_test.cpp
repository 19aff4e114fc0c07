// What sync takes from a data directory, and which manifests it accepts.
#include <asp/sync/sync.hpp>

#include "sync/sync_internal.hpp"
#include "unit/catch_compat.hpp"

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
