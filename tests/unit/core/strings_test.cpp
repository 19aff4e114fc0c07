// core's small helpers: strings, hex, SHA-256/HMAC (RFC 4231 vectors), the time stamps, the
// error codes, CFile.
#include <asp/core/c_file.hpp>
#include <asp/core/hex.hpp>
#include <asp/core/result.hpp>
#include <asp/core/sha256.hpp>
#include <asp/core/strings.hpp>
#include <asp/core/time.hpp>

#include <fstream>

#include "unit/catch_compat.hpp"
#include "unit/fake_clock.hpp"
#include "unit/test_support.hpp"

using namespace asp;

TEST_CASE("trim and fold_whitespace", "[core]") {
    CHECK(trim(" \tgzip ;") == "gzip ;");
    CHECK(trim("  ") == "");
    CHECK(trim("") == "");
    CHECK(trim("\r key \r", " \r") == "key");
    CHECK(trim("\nx\n") == "\nx\n");  // only blanks by default
    CHECK(fold_whitespace("  Quantum Criticality for\n  Extended Nodes ") ==
          "Quantum Criticality for Extended Nodes");
    CHECK(fold_whitespace("\n\t ") == "");
    CHECK(fold_whitespace("a\vb") == "a b");
    CHECK(fold_whitespace("a\vb", " \t\r\n") == "a\vb");
}

TEST_CASE("ASCII case", "[core]") {
    CHECK(to_lower_ascii("X-Amz-Date \xC3\x9C") == "x-amz-date \xC3\x9C");
    CHECK(iequals_ascii("GZip", "gzip"));
    CHECK_FALSE(iequals_ascii("gzip", "gzip2"));
}

TEST_CASE("hex", "[core]") {
    CHECK(to_hex(std::string_view("\x00\x0f\xa0\xff", 4)) == "000fa0ff");
    CHECK(to_hex("") == "");
    CHECK(hex_digit_value('7') == 7);
    CHECK(hex_digit_value('b') == 11);
    CHECK(hex_digit_value('F') == 15);
    CHECK(hex_digit_value('g') == -1);
    CHECK(hex_digit_value('%') == -1);
}

TEST_CASE("SHA-256 and HMAC-SHA256", "[core]") {
    CHECK(sha256_hex("") == kEmptySha256);
    CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    Sha256 h;
    h.update("ab");
    h.update("c");
    CHECK(h.hex_digest() == sha256_hex("abc"));
    // RFC 4231 test case 1, and an empty key and message.
    CHECK(hmac_sha256_hex(std::string(20, '\x0b'), "Hi There") ==
          "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    CHECK(hmac_sha256_hex("", "") ==
          "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
    const auto mac = hmac_sha256(std::string(20, '\x0b'), "Hi There");
    CHECK(to_hex(as_bytes(mac)) == hmac_sha256_hex(std::string(20, '\x0b'), "Hi There"));
}

TEST_CASE("UTC time stamps come from the clock", "[core]") {
    test::FakeClock clock;
    CHECK(format_iso8601(to_unix_seconds(clock.wall_now())) == "2026-01-01T00:00:00Z");
    clock.sleep_for(std::chrono::milliseconds(61500));
    CHECK(format_iso8601_basic(to_unix_seconds(clock.wall_now())) == "20260101T000101Z");
}

TEST_CASE("an Error carries a code", "[core]") {
    Status missing = fail(ErrorCode::not_found, "no such paper");
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().code == ErrorCode::not_found);
    CHECK(to_string(missing.error().code) == "not_found");
    Status plain = fail("something");
    CHECK(plain.error().code == ErrorCode::unknown);
}

TEST_CASE("CFile closes itself and is empty when the file cannot be opened", "[core]") {
    test::TempDir tmp;
    CHECK_FALSE(open_c_file(tmp / "missing", "rb"));
    {
        std::ofstream(tmp / "f") << "abc";
    }
    CFile f = open_c_file(tmp / "f", "rb");
    REQUIRE(f);
    char buf[4] = {};
    CHECK(std::fread(buf, 1, 3, f.get()) == 3);
    CHECK(std::string(buf) == "abc");
}
