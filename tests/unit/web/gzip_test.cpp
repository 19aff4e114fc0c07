// gzip for responses: Accept-Encoding parsing and a round trip through zlib.
#include <asp/web/gzip.hpp>

#include <zlib.h>

#include "unit/catch_compat.hpp"

using namespace asp::web;

namespace {
bool accepts(std::string value) {
    Request r;
    r.headers = {{"accept-encoding", std::move(value)}};
    return accepts_gzip(r);
}

std::string gunzip(const std::string& gz) {
    z_stream z{};
    REQUIRE(inflateInit2(&z, 15 + 16) == Z_OK);
    std::string out(1 << 20, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
    z.avail_in = static_cast<uInt>(gz.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    int rc = inflate(&z, Z_FINISH);
    out.resize(z.total_out);
    inflateEnd(&z);
    REQUIRE(rc == Z_STREAM_END);
    return out;
}
}  // namespace

TEST_CASE("Accept-Encoding: gzip unless absent or refused", "[web]") {
    CHECK(accepts("gzip"));
    CHECK(accepts("gzip, deflate, br"));
    CHECK(accepts("br;q=1.0, GZIP;q=0.5"));
    CHECK(accepts("deflate,gzip"));
    CHECK_FALSE(accepts("gzip;q=0"));
    CHECK_FALSE(accepts("gzip; q=0.000"));
    CHECK_FALSE(accepts("deflate, br"));
    CHECK_FALSE(accepts("x-gzip"));
    CHECK_FALSE(accepts(""));
    CHECK_FALSE(accepts_gzip(Request{}));
}

TEST_CASE("gzip_compress round-trips and shrinks a page", "[web]") {
    std::string page;
    for (int i = 0; i < 2000; ++i) page += "<article class=\"paper\"><h2>Title " + std::to_string(i) + "</h2></article>\n";
    auto gz = gzip_compress(page);
    CHECK(gz.size() < page.size() / 4);
    CHECK(static_cast<unsigned char>(gz[0]) == 0x1f);
    CHECK(static_cast<unsigned char>(gz[1]) == 0x8b);
    CHECK(gunzip(gz) == page);
    CHECK(gunzip(gzip_compress("")).empty());
}
