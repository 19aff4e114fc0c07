// gzip for responses: whether a request accepts it, and compressing a body (asp/core/gzip.hpp).
#pragma once

#include <string>
#include <string_view>

#include <asp/core/gzip.hpp>
#include <asp/web/http.hpp>

namespace asp::web {

// Accept-Encoding names gzip (any case) without q=0.
bool accepts_gzip(const Request& request);
// The gzip member (RFC 1952) of `data` (the one home is asp/core/gzip.hpp).
using asp::gzip_compress;

}  // namespace asp::web
