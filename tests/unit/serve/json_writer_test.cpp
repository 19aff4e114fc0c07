// serve's direct JSON writer gives what nlohmann::json's dump (replace mode) gives.
#include "serve/json_writer.hpp"

#include <limits>

#include <nlohmann/json.hpp>

#include "unit/catch_compat.hpp"

using namespace asp::serve;

namespace {
std::string written(std::string_view s) {
    std::string out;
    json_out::append_string(out, s);
    return out;
}
std::string nlohmann_dump(const std::string& s) {
    return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}
}  // namespace

TEST_CASE("JSON strings are escaped as nlohmann::json escapes them", "[serve]") {
    const std::vector<std::string> samples = {
        "",
        "plain text",
        "quote \" backslash \\ slash /",
        "controls \x01\x1f\b\f\n\r\t and \x7f",
        std::string("nul \0 inside", 12),
        "Gödel, Schrödinger, 日本語, emoji \xf0\x9f\x98\x80",
        "<script>alert(1)</script> javascript:",
    };
    for (const auto& s : samples) {
        CAPTURE(s);
        CHECK(written(s) == nlohmann_dump(s));
        CHECK(nlohmann::json::parse(written(s)).get<std::string>() == s);
    }
}

TEST_CASE("invalid UTF-8 becomes U+FFFD and the output stays valid JSON", "[serve]") {
    const std::vector<std::string> bad = {
        "lone \x80 continuation", "truncated \xc3", "overlong \xc0\xaf", "surrogate \xed\xa0\x80",
        "too big \xf4\x90\x80\x80", "end \xe2\x82",
    };
    for (const auto& s : bad) {
        CAPTURE(s);
        auto out = written(s);
        auto back = nlohmann::json::parse(out).get<std::string>();
        CHECK(back.find("\xef\xbf\xbd") != std::string::npos);
        // Only the bad bytes change: the ASCII text around them stays.
        CHECK(back.substr(0, 3) == s.substr(0, 3));
    }
}

TEST_CASE("JSON numbers read back as the same value", "[serve]") {
    for (double v : {0.0, 1.0, -2.5, 0.1, 1e-9, 123456.789, 1e300}) {
        std::string out;
        json_out::append_number(out, v);
        CHECK(nlohmann::json::parse(out).get<double>() == v);
    }
    std::string out;
    json_out::append_number(out, std::numeric_limits<double>::quiet_NaN());
    CHECK(out == "null");
    out.clear();
    json_out::append_number(out, int64_t{-42});
    CHECK(out == "-42");
}
