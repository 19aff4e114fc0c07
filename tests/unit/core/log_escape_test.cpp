#include <asp/core/log.hpp>

#include "unit/catch_compat.hpp"

TEST_CASE("log_escape leaves no control character and no invalid UTF-8", "[core]") {
    using asp::log_escape;
    CHECK(log_escape("/api/search") == "/api/search");
    CHECK(log_escape("caf\xC3\xA9 \xE2\x9C\x93 \xF0\x9F\x98\x80") ==
          "caf\xC3\xA9 \xE2\x9C\x93 \xF0\x9F\x98\x80");
    // A forged access-log line: newline, carriage return, ESC sequences, NUL, DEL.
    CHECK(log_escape("/x\n127.0.0.1 GET /admin 200\r\x1b[2J") ==
          "/x\\x0a127.0.0.1 GET /admin 200\\x0d\\x1b[2J");
    CHECK(log_escape(std::string_view("a\0b\x7f", 4)) == "a\\x00b\\x7f");
    CHECK(log_escape("back\\slash") == "back\\x5cslash");  // an escape cannot be faked
    // C1 controls (U+0085 NEL, U+009B CSI) and invalid UTF-8 are escaped byte by byte.
    CHECK(log_escape("\xC2\x85\xC2\x9B") == "\\xc2\\x85\\xc2\\x9b");
    CHECK(log_escape("\xFF\xC0\xAF\xED\xA0\x80\xE2\x9C") ==
          "\\xff\\xc0\\xaf\\xed\\xa0\\x80\\xe2\\x9c");
    for (int c = 0; c < 256; ++c) {
        std::string one(1, static_cast<char>(c));
        for (unsigned char out : log_escape(one)) CHECK((out >= 0x20 && out != 0x7f));
    }
}
