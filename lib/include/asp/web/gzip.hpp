// gzip for responses: whether a request accepts it, and compressing a body (zlib).
#pragma once

#include <string>
#include <string_view>

#include <asp/web/http.hpp>

namespace asp::web {

// Accept-Encoding names gzip (any case) without q=0.
bool accepts_gzip(const Request& request);
// The gzip member (RFC 1952) of `data`. Throws std::runtime_error when zlib fails.
std::string gzip_compress(std::string_view data, int level = 6);

}  // namespace asp::web
