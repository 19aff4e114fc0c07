// The user store's behaviour, checked on both back ends: SQLite always, PostgreSQL when a
// throw-away server can be started (root and PostgreSQL 15 installed; else a WARN).
#include <asp/core/data_dir.hpp>
#include <asp/store/user_store.hpp>

#include <thread>

#include "unit/catch_compat.hpp"
#include "unit/store/pg_test_server.hpp"
#include "unit/test_support.hpp"

using namespace asp;

namespace {

void users_unique_libraries_bump_revision(UserStore& store) {
    auto ada = store.create_user("ada", "hash1");
    REQUIRE(ada);
    CHECK(ada->username == "ada");
    CHECK(ada->library_rev == 0);
    CHECK_FALSE(store.create_user("ada", "hash2"));
    CHECK(store.find_user("ada")->password_hash == "hash1");
    CHECK(store.save_paper(ada->id, "2101.00001"));
    CHECK_FALSE(store.save_paper(ada->id, "2101.00001"));
    CHECK(store.save_paper(ada->id, "cs/0112017"));
    CHECK(store.find_user("ada")->library_rev == 2);
    CHECK(store.in_library(ada->id, "cs/0112017"));
    CHECK(store.library(ada->id).size() == 2);
    CHECK(store.library(ada->id)[0].paper_id == "cs/0112017");  // newest first
    CHECK(store.unsave_paper(ada->id, "cs/0112017"));
    CHECK_FALSE(store.unsave_paper(ada->id, "cs/0112017"));
    CHECK(store.find_user("ada")->library_rev == 3);
    auto bob = store.create_user("bob", "h");
    store.save_paper(bob->id, "2101.00001");
    store.save_paper(bob->id, "2101.00002");
    auto counts = store.save_counts("");
    REQUIRE(counts.size() == 2);
    CHECK(counts[0] == std::pair<std::string, int64_t>{"2101.00001", 2});
    CHECK(store.save_counts("9999-01-01T00:00:00Z").empty());
    auto libs = store.all_libraries();
    REQUIRE(libs.size() == 2);
    CHECK(libs[0].username == "ada");
    CHECK(libs[1].paper_ids == std::vector<std::string>{"2101.00001", "2101.00002"});
    CHECK(store.set_password_hash(bob->id, "h2"));
    CHECK(store.find_user_by_id(bob->id)->password_hash == "h2");
    CHECK(store.delete_user(ada->id));
    CHECK_FALSE(store.delete_user(ada->id));
    CHECK_FALSE(store.find_user("ada"));
    CHECK_FALSE(store.find_user_by_id(ada->id));
    CHECK(store.library(ada->id).empty());  // cascade
    CHECK(store.save_counts("")[0].second == 1);
}

// Each of two "instances" (stores on one database) sees what the other wrote.
void two_instances_share_users(UserStore& a, UserStore& b) {
    auto u = a.create_user("carol", "x");
    REQUIRE(u);
    CHECK_FALSE(b.create_user("carol", "y"));
    CHECK(b.find_user("carol")->id == u->id);
    CHECK(b.save_paper(u->id, "2201.00001"));
    CHECK(a.in_library(u->id, "2201.00001"));
    CHECK(a.find_user("carol")->library_rev == 1);
}

void session_revisions_end_sessions(UserStore& store) {
    auto eve = store.create_user("eve", "h");
    REQUIRE(eve);
    CHECK(eve->session_rev == 0);
    CHECK(store.bump_session_rev(eve->id));
    CHECK(store.find_user("eve")->session_rev == 1);
    CHECK(store.find_user_by_id(eve->id)->session_rev == 1);
    CHECK_FALSE(store.bump_session_rev(eve->id + 100));
}

}  // namespace

TEST_CASE("users are unique by name, libraries bump a revision (SQLite)", "[store]") {
    test::TempDir tmp;
    auto store = open_sqlite_user_store((tmp / "users.db").string());
    users_unique_libraries_bump_revision(*store);
    session_revisions_end_sessions(*store);
    auto other = open_user_store((tmp / "users.db").string(), DataDir(tmp.path()));
    auto again = open_sqlite_user_store((tmp / "users.db").string());
    two_instances_share_users(*other, *again);
}

TEST_CASE("users are unique by name, libraries bump a revision (PostgreSQL)", "[store][postgres]") {
    auto* pg = test::PgTestServer::get();
    if (!pg) {
        ASP_SKIP("PostgreSQL test server unavailable (needs root and /usr/lib/postgresql/15/bin): skipped");
    }
    test::TempDir tmp;
    std::string url = pg->create_database();
    auto store = open_user_store(url, DataDir(tmp.path()));
    users_unique_libraries_bump_revision(*store);
    session_revisions_end_sessions(*store);
    auto other = open_user_store(url, DataDir(tmp.path()));  // migrating again changes nothing
    two_instances_share_users(*store, *other);
}

TEST_CASE("PostgreSQL user store: concurrent first opens migrate once and it survives a restart",
          "[store][postgres]") {
    auto* pg = test::PgTestServer::get();
    if (!pg) {
        ASP_SKIP("PostgreSQL test server unavailable: skipped");
    }
    std::string url = pg->create_database();
    std::vector<std::unique_ptr<UserStore>> stores(4);
    std::vector<std::thread> threads;
    for (auto& s : stores) threads.emplace_back([&s, &url] { s = open_postgres_user_store(url); });
    for (auto& t : threads) t.join();
    for (auto& s : stores) REQUIRE(s);
    auto u = stores[0]->create_user("dave", "h");
    REQUIRE(u);
    pg->restart();
    CHECK(stores[1]->find_user("dave"));  // reconnects once
    CHECK(stores[2]->save_paper(u->id, "2101.00009"));
    CHECK_THROWS_AS(open_postgres_user_store(pg->url("no_such_database")), std::runtime_error);
}
