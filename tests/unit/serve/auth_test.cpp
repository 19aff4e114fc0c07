#include <asp/serve/auth.hpp>

#include "unit/catch_compat.hpp"
#include "unit/fake_clock.hpp"

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

// The MAC moved from libsodium to core's OpenSSL HMAC: cookies issued before must still verify,
// so the bytes are pinned (RFC 2104 HMAC-SHA256, as libsodium's crypto_auth_hmacsha256 gave).
TEST_CASE("session cookies keep their bytes across the crypto library change", "[serve]") {
    SessionCodec codec(std::string(40, 'k'));
    const std::string cookie =
        "42.3.2000.6677b9a59201a91d56013bfca0d271c069449a4adc00bea332a75f79de106e9c";
    CHECK(codec.encode({42, 3, 2000}) == cookie);
    REQUIRE(codec.decode(cookie, 1000));
    CHECK(codec.decode(cookie, 1000)->user_id == 42);
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

TEST_CASE("csrf tokens are bound to the session after log-in", "[serve]") {
    SessionCodec codec(std::string(40, 'k'));
    std::string session = codec.encode({42, 3, 2000});
    auto binding = SessionCodec::session_binding(session);
    CHECK(binding.size() == 64);
    auto anonymous = codec.new_csrf_token();
    auto bound = codec.new_csrf_token(binding);
    CHECK(codec.valid_csrf_token(bound, binding));
    CHECK_FALSE(codec.valid_csrf_token(anonymous, binding));  // from before log-in
    CHECK_FALSE(codec.valid_csrf_token(bound));               // after log-out
    std::string other = codec.encode({42, 4, 2000});          // another session of the user
    CHECK_FALSE(codec.valid_csrf_token(bound, SessionCodec::session_binding(other)));
}

TEST_CASE("the account limiter delays guesses at one name, known or not", "[serve]") {
    asp::test::FakeClock clock;
    AccountLoginLimiter limiter(3, std::chrono::seconds(1), std::chrono::seconds(60), clock);
    for (int i = 0; i < 3; ++i) CHECK(limiter.begin("ada") == 0);
    int wait = limiter.begin("ada");  // the 3rd attempt started a 1 s delay
    CHECK(wait >= 1);
    CHECK(wait <= 1);
    CHECK(limiter.begin("ADA") > 0);       // names are case-folded
    CHECK(limiter.begin("grace") == 0);    // other names are not affected
    limiter.succeeded("grace");
    clock.advance(std::chrono::milliseconds(1100));
    CHECK(limiter.begin("ada") == 0);      // the 4th: the next waits 2 s
    CHECK(limiter.begin("ada") == 2);
    limiter.succeeded("ada");              // a success forgets the name
    CHECK(limiter.begin("ada") == 0);
}

TEST_CASE("passwords: length, NUL, whitespace and the most common ones are refused", "[serve]") {
    CHECK(password_problem("short"));
    CHECK(password_problem(std::string(1025, 'x')));
    CHECK(password_problem(std::string_view("long enough\0x", 13)));
    CHECK(password_problem("        "));
    CHECK(password_problem(" \t \t \t \t"));
    // From zxcvbn-c's dictionaries (Debian libzxcvbn): whole-password common entries.
    for (const char* common : {"12345678", "password", "Password1", "P@ssw0rd", "iloveyou",
                               "sunshine", "qwertyuiop", "football", "trustno1", "abcdefgh",
                               "aaaaaaaa", "1q2w3e4r", "monkey12", "zaq12wsx"})
        CHECK(password_problem(common));
    for (const char* fine : {"correct horse", "battery staple", "a long one", "long enough",
                             "s3cret-pass word", "whatever1 and more"})
        CHECK_FALSE(password_problem(fine));
}
