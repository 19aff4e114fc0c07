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

void tags_and_feedback(UserStore& store) {
    auto u = store.create_user("tagger", "h");
    auto other = store.create_user("other", "h");
    REQUIRE(u);
    REQUIRE(other);
    CHECK(store.tags(u->id).empty());
    // Tagging saves the paper (a library change) and creates the tag.
    CHECK(store.tag_paper(u->id, "graphs", "2101.00001", 200) == TagOutcome::Changed);
    CHECK(store.in_library(u->id, "2101.00001"));
    CHECK(store.find_user_by_id(u->id)->library_rev == 1);
    CHECK(store.tag_paper(u->id, "graphs", "2101.00001", 200) == TagOutcome::Unchanged);
    CHECK(store.save_paper(u->id, "2101.00002"));
    CHECK(store.tag_paper(u->id, "graphs", "2101.00002", 200) == TagOutcome::Changed);
    CHECK(store.find_user_by_id(u->id)->library_rev == 2);  // tagging a saved paper: no bump
    CHECK(store.tag_paper(u->id, "rl", "2101.00002", 200) == TagOutcome::Changed);
    CHECK(store.tag_paper(u->id, "more", "2101.00003", 2) == TagOutcome::TooManyTags);
    CHECK_FALSE(store.in_library(u->id, "2101.00003"));
    CHECK(store.tag_paper(other->id, "graphs", "2101.00009", 200) == TagOutcome::Changed);

    auto tags = store.tags(u->id);
    REQUIRE(tags.size() == 2);
    CHECK(tags[0].name == "graphs");
    CHECK(tags[0].count == 2);
    CHECK(tags[1].name == "rl");
    CHECK(tags[1].count == 1);
    auto graphs = store.find_tag(u->id, "graphs");
    REQUIRE(graphs);
    CHECK(store.tag_papers(graphs->id) == std::vector<std::string>{"2101.00002", "2101.00001"});
    CHECK_FALSE(store.find_tag(u->id, "GRAPHS"));  // byte for byte
    CHECK(store.paper_tags(u->id).size() == 3);

    CHECK(store.untag_paper(u->id, "graphs", "2101.00001") == TagOutcome::Changed);
    CHECK(store.untag_paper(u->id, "graphs", "2101.00001") == TagOutcome::Unchanged);
    CHECK(store.untag_paper(u->id, "nope", "2101.00001") == TagOutcome::NoSuchTag);
    CHECK(store.in_library(u->id, "2101.00001"));  // untagging keeps it saved

    CHECK(store.rename_tag(u->id, "graphs", "rl") == TagOutcome::NameTaken);
    CHECK(store.rename_tag(u->id, "nope", "x") == TagOutcome::NoSuchTag);
    CHECK(store.rename_tag(u->id, "graphs", "graph nets") == TagOutcome::Changed);
    REQUIRE(store.find_tag(u->id, "graph nets"));
    CHECK(store.find_tag(u->id, "graph nets")->id == graphs->id);  // the id stays

    // Unsaving removes the paper from every tag.
    CHECK(store.unsave_paper(u->id, "2101.00002"));
    CHECK(store.find_tag(u->id, "graph nets")->count == 0);
    CHECK(store.find_tag(u->id, "rl")->count == 0);

    CHECK(store.delete_tag(u->id, "rl"));
    CHECK_FALSE(store.delete_tag(u->id, "rl"));
    CHECK(store.tags(u->id).size() == 1);
    CHECK(store.tags(other->id).size() == 1);  // another user's tag of the same name stays

    // Feedback bumps library_rev; all_libraries carries tags and feedback.
    int64_t rev = store.find_user_by_id(u->id)->library_rev;
    CHECK(store.set_feedback(u->id, "2101.00007", -1));
    CHECK_FALSE(store.set_feedback(u->id, "2101.00007", -1));
    CHECK(store.find_user_by_id(u->id)->library_rev == rev + 1);
    CHECK(store.set_feedback(u->id, "2101.00008", -1));
    auto fb = store.feedback(u->id);
    REQUIRE(fb.size() == 2);
    CHECK(fb[0].paper_id == "2101.00008");
    CHECK(fb[0].value == -1);
    CHECK(store.clear_feedback(u->id, "2101.00008"));
    CHECK_FALSE(store.clear_feedback(u->id, "2101.00008"));
    CHECK(store.tag_paper(u->id, "graph nets", "2101.00001", 200) == TagOutcome::Changed);
    for (const auto& lib : store.all_libraries()) {
        if (lib.user_id != u->id) continue;
        REQUIRE(lib.tags.size() == 1);
        CHECK(lib.tags[0].name == "graph nets");
        CHECK(lib.tags[0].paper_ids == std::vector<std::string>{"2101.00001"});
        CHECK(lib.not_interested == std::vector<std::string>{"2101.00007"});
    }

    // Deleting the account removes its tags and feedback.
    CHECK(store.delete_user(u->id));
    CHECK(store.tags(u->id).empty());
    CHECK(store.feedback(u->id).empty());
    CHECK(store.paper_tags(u->id).empty());
    CHECK(store.tags(other->id).size() == 1);
}

}  // namespace

TEST_CASE("tags and feedback (SQLite)", "[store]") {
    test::TempDir tmp;
    auto store = open_sqlite_user_store((tmp / "users.db").string());
    tags_and_feedback(*store);
}

TEST_CASE("tags and feedback (PostgreSQL)", "[store][postgres]") {
    auto* pg = test::PgTestServer::get();
    if (!pg) {
        WARN("PostgreSQL test server unavailable (needs root and /usr/lib/postgresql/15/bin): skipped");
        return;
    }
    test::TempDir tmp;
    auto store = open_user_store(pg->create_database(), DataDir(tmp.path()));
    tags_and_feedback(*store);
}

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
