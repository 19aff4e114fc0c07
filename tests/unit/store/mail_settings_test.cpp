// E-mail settings, digest bookkeeping and feed tokens in both user stores (SQLite always;
// PostgreSQL through the throw-away test server, which the test suite requires).
#include <asp/core/data_dir.hpp>
#include <asp/store/user_store.hpp>

#include "unit/catch_compat.hpp"
#include "unit/store/pg_test_server.hpp"
#include "unit/test_support.hpp"

using namespace asp;

namespace {

const std::string kToken1(48, 'a');
const std::string kToken2(48, 'b');

void mail_settings_round_trip(UserStore& store) {
    auto ann = store.create_user("ann", "h");
    REQUIRE(ann);
    MailSettings fresh = store.mail_settings(ann->id);
    CHECK(fresh.email.empty());
    CHECK(fresh.frequency == "off");
    CHECK_FALSE(fresh.verified);

    CHECK(store.set_email(ann->id, "ann@example.org", "nonce1", kToken1));
    CHECK_FALSE(store.set_email(ann->id + 1000, "x@example.org", "n", kToken2));  // no such user
    CHECK_FALSE(store.verify_email(ann->id, "ann@example.org", "wrong"));
    CHECK_FALSE(store.verify_email(ann->id, "other@example.org", "nonce1"));
    CHECK_FALSE(store.verify_email(ann->id, "ann@example.org", ""));
    CHECK(store.verify_email(ann->id, "ann@example.org", "nonce1"));
    CHECK_FALSE(store.verify_email(ann->id, "ann@example.org", "nonce1"));  // single use
    CHECK(store.mail_settings(ann->id).verified);

    CHECK(store.digest_recipients().empty());  // frequency still off
    CHECK(store.set_digest(ann->id, "daily", {"ml", "systems"}));
    auto recipients = store.digest_recipients();
    REQUIRE(recipients.size() == 1);
    CHECK(recipients[0].username == "ann");
    CHECK(recipients[0].mail.tags == std::vector<std::string>{"ml", "systems"});
    CHECK(recipients[0].mail.unsubscribe_token == kToken1);

    store.record_digest(ann->id, {"2101.00001", "2101.00002"}, {"2101.00003"}, "2026-12-01T06:00:00Z");
    store.record_digest(ann->id, {"2101.00001"}, {}, "2026-12-02T06:00:00Z");  // no duplicate row
    auto seen = store.digest_seen(ann->id);
    std::sort(seen.begin(), seen.end());
    CHECK(seen == std::vector<std::string>{"2101.00001", "2101.00002", "2101.00003"});
    CHECK(store.mail_settings(ann->id).last_digest_at == "2026-12-02T06:00:00Z");
    // Remembered papers older than 60 days are dropped.
    store.record_digest(ann->id, {"2102.00009"}, {}, "2027-03-01T06:00:00Z");
    CHECK(store.digest_seen(ann->id) == std::vector<std::string>{"2102.00009"});

    // Unsubscribe by token turns the digest off, and only for its owner.
    CHECK_FALSE(store.unsubscribe(kToken2));
    CHECK(store.unsubscribe(kToken1) == ann->id);
    CHECK(store.mail_settings(ann->id).frequency == "off");
    CHECK(store.digest_recipients().empty());

    // Three permanent failures disable the address; a new address clears that.
    store.set_digest(ann->id, "weekly", {});
    CHECK(store.record_mail_failure(ann->id) == 1);
    CHECK(store.record_mail_failure(ann->id) == 2);
    CHECK_FALSE(store.mail_settings(ann->id).disabled);
    CHECK(store.record_mail_failure(ann->id) == 3);
    CHECK(store.mail_settings(ann->id).disabled);
    CHECK(store.digest_recipients().empty());
    CHECK(store.set_email(ann->id, "ann@example.net", "nonce2", kToken2));
    CHECK_FALSE(store.mail_settings(ann->id).disabled);
    CHECK_FALSE(store.mail_settings(ann->id).verified);  // a new address is unverified

    // Feed token: set, found, replaced, revoked.
    CHECK_FALSE(store.find_user_by_feed_token(kToken1));
    CHECK(store.set_feed_token(ann->id, kToken1));
    CHECK(store.find_user_by_feed_token(kToken1)->id == ann->id);
    CHECK(store.set_feed_token(ann->id, kToken2));
    CHECK_FALSE(store.find_user_by_feed_token(kToken1));
    CHECK(store.set_feed_token(ann->id, ""));
    CHECK_FALSE(store.find_user_by_feed_token(kToken2));
    CHECK_FALSE(store.find_user_by_feed_token(""));

    // Deleting the account removes its mail settings and digest memory.
    CHECK(store.delete_user(ann->id));
    CHECK(store.mail_settings(ann->id).email.empty());
    CHECK(store.digest_seen(ann->id).empty());
}

}  // namespace

TEST_CASE("mail settings, digest memory and feed tokens (SQLite)", "[store][mail]") {
    test::TempDir tmp;
    auto store = open_sqlite_user_store((tmp / "users.db").string());
    mail_settings_round_trip(*store);
}

TEST_CASE("mail settings, digest memory and feed tokens (PostgreSQL)", "[store][mail][postgres]") {
    auto* pg = test::PgTestServer::get();
    REQUIRE(pg);  // the test suite installs PostgreSQL and runs as root
    test::TempDir tmp;
    auto store = open_user_store(pg->create_database(), DataDir(tmp.path()));
    mail_settings_round_trip(*store);
}
