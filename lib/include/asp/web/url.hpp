// Percent-encoding (RFC 3986), the one home for it: clients building request URLs (fetch,
// the S3 signer) and the server reading them (query strings, paths) use these.
#pragma once

#include <string>
#include <string_view>

namespace asp {

// Percent-encodes every byte but the unreserved characters (A-Z a-z 0-9 - _ . ~), upper-case
// hex; with `keep_slash`, '/' stays as it is (a path of segments).
std::string url_encode(std::string_view s, bool keep_slash = false);

}  // namespace asp
