#include <asp/web/server.hpp>

#include "unit/catch_compat.hpp"

using namespace asp::web;

namespace {
int status_of(const Fields& headers) {
    auto e = framing_error(headers, 64 * 1024);
    return e ? e->first : 0;
}
}  // namespace

TEST_CASE("request framing follows RFC 9112 section 6", "[web]") {
    CHECK(status_of({}) == 0);
    CHECK(status_of({{"content-length", "12"}}) == 0);
    CHECK(status_of({{"content-length", "12"}, {"content-length", "12"}}) == 0);
    CHECK(status_of({{"content-length", "12, 12"}}) == 0);
    // Smuggling: both framings, conflicting lengths, chunked not last.
    CHECK(status_of({{"content-length", "4"}, {"transfer-encoding", "chunked"}}) == 400);
    CHECK(status_of({{"transfer-encoding", "chunked"}, {"content-length", "4"}}) == 400);
    CHECK(status_of({{"content-length", "3"}, {"content-length", "30"}}) == 400);
    CHECK(status_of({{"content-length", "3, 30"}}) == 400);
    CHECK(status_of({{"transfer-encoding", "chunked, identity"}}) == 400);
    CHECK(status_of({{"transfer-encoding", "gzip, chunked"}}) == 400);
    CHECK(status_of({{"transfer-encoding", "chunked"}, {"transfer-encoding", "chunked"}}) == 400);
    CHECK(status_of({{"transfer-encoding", "identity"}}) == 400);
    // Malformed lengths.
    for (const char* bad : {"", "-1", "+1", "1x", "0x10", "99999999999999999999999", " , "})
        CHECK(status_of({{"content-length", bad}}) == 400);
    // A lone chunked body is refused at its head too (400, issue 15 point 2), whatever its
    // chunk extensions would have been.
    CHECK(status_of({{"transfer-encoding", "chunked"}}) == 400);
    CHECK(status_of({{"transfer-encoding", " Chunked "}}) == 400);
    CHECK(status_of({{"content-length", "70000"}}) == 413);
}
