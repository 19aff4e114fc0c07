// Discussions, follows and activity in the user store, the same checks on SQLite and on
// PostgreSQL (through the throw-away test server, which the test suite requires).
#include <asp/core/data_dir.hpp>
#include <asp/store/user_store.hpp>

#include "unit/catch_compat.hpp"
#include "unit/store/pg_test_server.hpp"
#include "unit/test_support.hpp"

using namespace asp;

namespace {

void comments_tags_and_moderation(UserStore& store) {
    auto& d = store.discussions();
    auto ada = *store.create_user("ada", "h");
    auto bob = *store.create_user("bob", "h");
    auto cy = *store.create_user("cy", "h");
    CommentLimits limits;
    auto posted = d.add_comment(ada.id, "2101.00001", 2, "first\n\nsecond paragraph", limits);
    REQUIRE(posted.outcome == CommentOutcome::Changed);
    REQUIRE(posted.comment);
    const int64_t cid = posted.comment->id;
    CHECK(posted.comment->username == "ada");
    CHECK(posted.comment->version == 2);
    CHECK(posted.comment->text == "first\n\nsecond paragraph");
    CHECK(posted.comment->edited_at.empty());
    auto second = d.add_comment(bob.id, "2101.00001", 2, "reply", limits);
    d.add_comment(bob.id, "cs/0112017", 1, "elsewhere", limits);

    auto list = d.comments("2101.00001", 0, false);
    REQUIRE(list.size() == 2);
    CHECK(list[0].id == cid);  // oldest first
    CHECK(d.comment_counts() == std::map<std::string, int64_t>{{"2101.00001", 2}, {"cs/0112017", 1}});
    CHECK(d.discussed_papers().size() == 2);

    // Only the author edits or deletes; nobody tags their own comment.
    CHECK(d.edit_comment(cid, bob.id, "hijack", limits) == CommentOutcome::Forbidden);
    CHECK(d.delete_comment(cid, bob.id) == CommentOutcome::Forbidden);
    CHECK(d.edit_comment(cid, ada.id, "first, edited", limits) == CommentOutcome::Changed);
    CHECK(d.edit_comment(cid, ada.id, "first, edited", limits) == CommentOutcome::Unchanged);
    CHECK_FALSE(d.comment(cid, 0)->edited_at.empty());
    CommentLimits no_edits = limits;
    no_edits.edit_seconds = -1;
    CHECK(d.edit_comment(cid, ada.id, "late", no_edits) == CommentOutcome::TooLate);
    CHECK(d.edit_comment(999999, ada.id, "x", limits) == CommentOutcome::NotFound);
    CHECK(d.tag_comment(cid, ada.id, "insightful!", true) == CommentOutcome::OwnComment);

    // Tags: counted per user; the viewer sees their own; spam/troll flaggers are distinct users.
    CHECK(d.tag_comment(cid, bob.id, "insightful!", true) == CommentOutcome::Changed);
    CHECK(d.tag_comment(cid, bob.id, "insightful!", true) == CommentOutcome::Unchanged);
    CHECK(d.tag_comment(cid, bob.id, "spam", true) == CommentOutcome::Changed);
    CHECK(d.tag_comment(cid, bob.id, "troll", true) == CommentOutcome::Changed);
    CHECK(d.tag_comment(cid, cy.id, "spam", true) == CommentOutcome::Changed);
    auto tagged = *d.comment(cid, bob.id);
    CHECK(tagged.tags == std::map<std::string, int64_t>{{"insightful!", 1}, {"spam", 2}, {"troll", 1}});
    CHECK(tagged.my_tags == std::vector<std::string>{"insightful!", "troll", "spam"});
    CHECK(tagged.flaggers == 2);
    CHECK(d.tag_comment(cid, bob.id, "spam", false) == CommentOutcome::Changed);
    CHECK(d.tag_comment(cid, bob.id, "spam", false) == CommentOutcome::Unchanged);
    CHECK(d.comment(cid, 0)->flaggers == 2);  // bob still says troll
    for (int i = 0; i < 200; ++i) d.tag_comment(cid, cy.id, "agree", i % 2 == 0);
    CHECK(d.comment(cid, 0)->tags.count("agree") == 0);

    // Admins hide, unhide and delete any comment; each action is logged.
    const int64_t rev = d.revision();
    CHECK(d.moderate(second.comment->id, "root", ModerationAction::Hide) == CommentOutcome::Changed);
    CHECK(d.moderate(second.comment->id, "root", ModerationAction::Hide) == CommentOutcome::Unchanged);
    CHECK(d.revision() > rev);
    CHECK(d.comments("2101.00001", 0, false).size() == 1);
    CHECK(d.comments("2101.00001", 0, true).size() == 2);
    CHECK(d.comment_counts()["2101.00001"] == 1);
    CHECK(d.moderate(second.comment->id, "root", ModerationAction::Unhide) == CommentOutcome::Changed);
    CHECK(d.moderate(second.comment->id, "root", ModerationAction::Delete) == CommentOutcome::Changed);
    CHECK(d.moderate(second.comment->id, "root", ModerationAction::Delete) == CommentOutcome::NotFound);
    CHECK_FALSE(d.comment(second.comment->id, 0));
    auto log = d.moderation_log(10);
    REQUIRE(log.size() == 3);
    CHECK(log[0].action == "delete");
    CHECK(log[2].action == "hide");
    CHECK(log[0].admin == "root");
    CHECK(log[0].comment_id == second.comment->id);
    CHECK(log[0].paper_id == "2101.00001");

    // The author's delete.
    auto third = d.add_comment(cy.id, "2101.00001", 2, "mine", limits);
    CHECK(d.delete_comment(third.comment->id, cy.id) == CommentOutcome::Changed);
    CHECK(d.delete_comment(third.comment->id, cy.id) == CommentOutcome::NotFound);

    // A deleted account leaves "[deleted]": no author, no text; its tags go.
    CHECK(store.delete_user(bob.id));
    auto after = d.comments("cs/0112017", 0, false);
    REQUIRE(after.size() == 1);
    CHECK(after[0].user_id == 0);
    CHECK(after[0].username.empty());
    CHECK(after[0].text.empty());
    CHECK(d.comment(cid, 0)->tags == std::map<std::string, int64_t>{{"spam", 1}});
}

void rate_limits(UserStore& store) {
    auto& d = store.discussions();
    auto ada = *store.create_user("ada", "h");
    CommentLimits limits;
    limits.per_minute = 3;
    limits.per_day = 4;
    for (int i = 0; i < 3; ++i)
        CHECK(d.add_comment(ada.id, "2101.00001", 1, "c" + std::to_string(i), limits).outcome ==
              CommentOutcome::Changed);
    auto limited = d.add_comment(ada.id, "2101.00001", 1, "one more", limits);
    CHECK(limited.outcome == CommentOutcome::RateLimited);
    CHECK_FALSE(limited.comment);
    CHECK(limited.retry_after >= 1);
    CHECK(limited.retry_after <= 61);
    // Deleting does not give the slot back.
    CHECK(d.delete_comment(d.comments("2101.00001", 0, false)[0].id, ada.id) == CommentOutcome::Changed);
    CHECK(d.add_comment(ada.id, "2101.00001", 1, "again", limits).outcome == CommentOutcome::RateLimited);
    limits.per_minute = 10;
    CHECK(d.add_comment(ada.id, "2101.00001", 1, "fourth", limits).outcome == CommentOutcome::Changed);
    auto daily = d.add_comment(ada.id, "2101.00001", 1, "fifth", limits);
    CHECK(daily.outcome == CommentOutcome::RateLimited);
    CHECK(daily.retry_after > 86000);
    CHECK(d.comments("2101.00001", 0, false).size() == 3);
}

void follows_and_activity(UserStore& store) {
    auto& d = store.discussions();
    auto ada = *store.create_user("ada", "h");
    auto bob = *store.create_user("bob", "h");
    auto cy = *store.create_user("cy", "h");
    CHECK_FALSE(d.public_library(bob.id));
    CHECK(d.follow(ada.id, bob.id));
    CHECK_FALSE(d.follow(ada.id, bob.id));
    CHECK(d.follow(ada.id, cy.id));
    store.save_paper(bob.id, "2101.00001");
    store.save_paper(cy.id, "2101.00002");
    store.save_paper(cy.id, "2101.00001");
    // Private libraries show nothing.
    CHECK(d.friends_saves(ada.id, "").empty());
    CHECK(d.set_public_library(bob.id, true));
    CHECK(d.public_library(bob.id));
    auto saves = d.friends_saves(ada.id, "");
    REQUIRE(saves.size() == 1);
    CHECK(saves[0].saved_by == std::vector<std::string>{"bob"});
    d.set_public_library(cy.id, true);
    saves = d.friends_saves(ada.id, "");
    REQUIRE(saves.size() == 2);
    CHECK(saves[0].paper_id == "2101.00001");  // cy saved it last
    CHECK(saves[0].saved_by == std::vector<std::string>{"cy", "bob"});
    CHECK(d.friends_saves(ada.id, "9999-01-01T00:00:00Z").empty());
    auto following = d.following(ada.id);
    REQUIRE(following.size() == 2);
    CHECK(following[0].username == "bob");
    CHECK(following[0].public_library);
    CHECK(d.unfollow(ada.id, cy.id));
    CHECK_FALSE(d.unfollow(ada.id, cy.id));
    CHECK(d.friends_saves(ada.id, "").size() == 1);

    // Activity: each reader once per paper, saves and comments together.
    d.add_comment(bob.id, "2101.00001", 1, "saved and commented", CommentLimits{});
    d.add_comment(ada.id, "2101.00003", 1, "just a comment", CommentLimits{});
    auto hot = d.activity("");
    REQUIRE(hot.size() == 3);
    CHECK(hot[0] == std::pair<std::string, int64_t>{"2101.00001", 2});
    CHECK(d.activity("9999-01-01T00:00:00Z").empty());

    // A deleted account's follows go with it.
    CHECK(store.delete_user(bob.id));
    CHECK(d.following(ada.id).empty());
}

template <class Check>
void on_both(Check check) {
    {
        test::TempDir tmp;
        auto store = open_sqlite_user_store((tmp / "users.db").string());
        check(*store);
    }
    auto* pg = test::PgTestServer::get();
    REQUIRE(pg);  // the test suite installs PostgreSQL and runs as root
    test::TempDir tmp;
    auto store = open_user_store(pg->create_database(), DataDir(tmp.path()));
    check(*store);
}

}  // namespace

TEST_CASE("comments, comment tags and moderation (SQLite, PostgreSQL)", "[store][discuss][postgres]") {
    on_both(comments_tags_and_moderation);
}

TEST_CASE("comment rate limits per minute and per day (SQLite, PostgreSQL)", "[store][discuss][postgres]") {
    on_both(rate_limits);
}

TEST_CASE("follows, public libraries and activity (SQLite, PostgreSQL)", "[store][discuss][postgres]") {
    on_both(follows_and_activity);
}

TEST_CASE("the original's comment tags", "[store][discuss]") {
    CHECK(is_comment_tag("insightful!"));
    CHECK(is_comment_tag("not constructive"));
    CHECK_FALSE(is_comment_tag("Spam"));
    CHECK_FALSE(is_comment_tag(""));
}
