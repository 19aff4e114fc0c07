#include <asp/store/user_store.hpp>

#include "unit/catch_compat.hpp"

#include "unit/test_support.hpp"

using namespace asp;

TEST_CASE("users are unique by name; libraries bump a revision", "[store]") {
    test::TempDir tmp;
    auto store = open_sqlite_user_store((tmp / "users.db").string());
    auto ada = store->create_user("ada", "hash1");
    REQUIRE(ada);
    CHECK_FALSE(store->create_user("ada", "hash2"));
    CHECK(store->save_paper(ada->id, "2101.00001"));
    CHECK_FALSE(store->save_paper(ada->id, "2101.00001"));
    CHECK(store->save_paper(ada->id, "cs/0112017"));
    CHECK(store->find_user("ada")->library_rev == 2);
    CHECK(store->in_library(ada->id, "cs/0112017"));
    CHECK(store->library(ada->id).size() == 2);
    CHECK(store->unsave_paper(ada->id, "cs/0112017"));
    CHECK_FALSE(store->unsave_paper(ada->id, "cs/0112017"));
    auto bob = store->create_user("bob", "h");
    store->save_paper(bob->id, "2101.00001");
    auto counts = store->save_counts("");
    REQUIRE(counts.size() == 1);
    CHECK(counts[0] == std::pair<std::string, int64_t>{"2101.00001", 2});
    auto libs = store->all_libraries();
    REQUIRE(libs.size() == 2);
    CHECK(libs[0].username == "ada");
    CHECK(store->delete_user(ada->id));
    CHECK_FALSE(store->find_user("ada"));
    CHECK(store->save_counts("")[0].second == 1);
}

TEST_CASE("session revisions end sessions", "[store]") {
    test::TempDir tmp;
    auto store = open_sqlite_user_store((tmp / "users.db").string());
    auto ada = store->create_user("ada", "h");
    REQUIRE(ada);
    CHECK(ada->session_rev == 0);
    CHECK(store->bump_session_rev(ada->id));
    CHECK(store->find_user("ada")->session_rev == 1);
    CHECK(store->find_user_by_id(ada->id)->session_rev == 1);
    CHECK_FALSE(store->bump_session_rev(ada->id + 100));
}
