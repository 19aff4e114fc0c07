#include <asp/serve/auth.hpp>

#include "unit/catch_compat.hpp"

using namespace asp::serve;

TEST_CASE("session cookies verify only untampered and unexpired", "[serve]") {
    SessionCodec codec(std::string(40, 'k'));
    auto cookie = codec.encode({42, 3, 2000});
    auto claims = codec.decode(cookie, 1000);
    REQUIRE(claims);
    CHECK(claims->user_id == 42);
    CHECK(claims->session_rev == 3);
    CHECK_FALSE(codec.decode(cookie, 2000));  // expired
    std::string forged = cookie;
    forged[0] = '7';  // another user id, same signature
    CHECK_FALSE(codec.decode(forged, 1000));
    std::string flipped = cookie;
    flipped.back() = flipped.back() == 'a' ? 'b' : 'a';
    CHECK_FALSE(codec.decode(flipped, 1000));
    CHECK_FALSE(codec.decode("", 1000));
    CHECK_FALSE(codec.decode("1.2.3", 1000));
    CHECK_FALSE(codec.decode(std::string(5000, '.'), 1000));
    SessionCodec other(std::string(40, 'o'));
    CHECK_FALSE(other.decode(cookie, 1000));  // another secret
    CHECK_THROWS(SessionCodec("short"));
}

TEST_CASE("csrf tokens are signed", "[serve]") {
    SessionCodec codec(std::string(40, 'k'));
    auto token = codec.new_csrf_token();
    CHECK(codec.valid_csrf_token(token));
    CHECK(token != codec.new_csrf_token());
    std::string bad = token;
    bad[0] = bad[0] == '0' ? '1' : '0';
    CHECK_FALSE(codec.valid_csrf_token(bad));
    CHECK_FALSE(codec.valid_csrf_token("attacker-chosen"));
    CHECK_FALSE(SessionCodec(std::string(40, 'o')).valid_csrf_token(token));
}

TEST_CASE("passwords hash with argon2id and verify", "[serve]") {
    PasswordHasher hasher(1);
    auto h = hasher.hash("correct horse");
    REQUIRE(h);
    CHECK(h->rfind("$argon2id$", 0) == 0);
    CHECK(hasher.verify(*h, "correct horse") == std::pair{HashOutcome::Ok, true});
    CHECK(hasher.verify(*h, "wrong horse") == std::pair{HashOutcome::Ok, false});
    CHECK(hasher.verify("", "x").second == false);
    CHECK(hasher.verify("garbage", "x").second == false);
}

TEST_CASE("login attempts are limited per client", "[serve]") {
    LoginRateLimiter limiter(3, std::chrono::seconds(60));
    CHECK(limiter.allow("10.0.0.1"));
    CHECK(limiter.allow("10.0.0.1"));
    CHECK(limiter.allow("10.0.0.1"));
    CHECK_FALSE(limiter.allow("10.0.0.1"));
    CHECK(limiter.retry_after("10.0.0.1") > 0);
    CHECK(limiter.allow("10.0.0.2"));  // another client has its own budget
}
