#include <asp/arxiv/id.hpp>

#include "unit/catch_compat.hpp"

using asp::parse_arxiv_id;

TEST_CASE("new-style ids with and without versions", "[arxiv]") {
    auto a = parse_arxiv_id("2101.00001v2");
    REQUIRE(a);
    CHECK(a->raw == "2101.00001");
    CHECK(a->version == 2);
    auto b = parse_arxiv_id("0704.0001");
    REQUIRE(b);
    CHECK(b->raw == "0704.0001");
    CHECK(b->version == 0);
    CHECK(b->file_stem() == "0704.0001");
}

TEST_CASE("old-style ids, with subject classes", "[arxiv]") {
    auto a = parse_arxiv_id("cs/0112017v1");
    REQUIRE(a);
    CHECK(a->raw == "cs/0112017");
    CHECK(a->version == 1);
    CHECK(a->file_stem() == "cs_0112017v1");
    auto b = parse_arxiv_id("math.GT/0309136");
    REQUIRE(b);
    CHECK(b->raw == "math.GT/0309136");
    auto c = parse_arxiv_id("hep-th/9901001v3");
    REQUIRE(c);
    CHECK(c->raw == "hep-th/9901001");
}

TEST_CASE("ids inside arXiv URLs", "[arxiv]") {
    auto a = parse_arxiv_id("http://arxiv.org/abs/1605.08386v1");
    REQUIRE(a);
    CHECK(a->versioned() == "1605.08386v1");
    auto b = parse_arxiv_id("https://arxiv.org/pdf/quant-ph/0201082v1.pdf");
    REQUIRE(b);
    CHECK(b->raw == "quant-ph/0201082");
}

TEST_CASE("malformed ids are rejected", "[arxiv]") {
    for (const char* bad : {"", "abc", "0000.0000", "2113.00001", "1234.567", "cs/12345",
                            "CS/0112017", "2101.00001v", "2101.00001v0", "../etc/passwd",
                            "2101.000011"})
        CHECK_FALSE(parse_arxiv_id(bad));
}
