#include <asp/core/clean_text.hpp>

#include "unit/catch_compat.hpp"

using asp::clean_text;
using asp::CleanTextOptions;

TEST_CASE("clean_text removes control characters and NUL, collapses whitespace", "[core]") {
    CHECK(clean_text(std::string("a\0b", 3)) == "ab");
    CHECK(clean_text("  Forged\n[info] line \x1b[31mred\x7f ") == "Forged [info] line [31mred");
    CHECK(clean_text("x\xc2\x85y\xc2\x9b" "z") == "x yz");            // NEL is a space, CSI (C1) dropped
    CHECK(clean_text("a\xe2\x80\xae" "evil") == "aevil");                 // bidi override
    CHECK(clean_text("p1\n\n\np2\nsame", {100, true}) == "p1\n\np2\nsame");
}

TEST_CASE("clean_text turns invalid UTF-8 into U+FFFD and keeps valid text", "[core]") {
    CHECK(clean_text("caf\xc3\xa9 \xe2\x88\x80x") == "caf\xc3\xa9 \xe2\x88\x80x");
    CHECK(clean_text("a\xff" "b") == "a\xef\xbf\xbd" "b");
    CHECK(clean_text("\xc0\xaf") == "\xef\xbf\xbd\xef\xbf\xbd");         // overlong '/'
    CHECK(clean_text("\xed\xa0\x80") == "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");  // surrogate
    CHECK(clean_text("end\xe2\x88") == "end\xef\xbf\xbd\xef\xbf\xbd");  // cut sequence
    CHECK(asp::is_clean_text(clean_text("x\xff\x01y\n")));
    CHECK_FALSE(asp::is_clean_text("x\x01"));
    CHECK_FALSE(asp::is_clean_text("x\xff"));
}

TEST_CASE("clean_text caps the size at a character boundary with an ellipsis", "[core]") {
    std::string big(20 << 20, 'a');
    auto out = clean_text(big, {1000});
    CHECK(out.size() <= 1000);
    CHECK(out.substr(out.size() - 3) == "\xe2\x80\xa6");
    std::string accents;
    for (int i = 0; i < 600; ++i) accents += "\xc3\xa9";
    out = clean_text(accents, {101});
    CHECK(out.size() <= 101);
    CHECK(asp::is_clean_text(out));
    CHECK(clean_text("short", {1000}) == "short");
}
