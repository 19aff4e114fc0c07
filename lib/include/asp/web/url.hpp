// Percent-encoding (RFC 3986), the one home for it: clients building request URLs (fetch,
// the S3 signer) and the server reading them (query strings, paths) use these.
#pragma once

#include <string>
#include <string_view>

namespace asp {

// Percent-encodes every byte but the unreserved characters (A-Z a-z 0-9 - _ . ~), upper-case
// hex; with `keep_slash`, '/' stays as it is (a path of segments).
std::string url_encode(std::string_view s, bool keep_slash = false);
// Percent-decoding ("%41" -> "A"; "+" -> " " when `plus_is_space`, as in form fields and
// query strings); an invalid escape ("%", "%2x") is kept as it is.
std::string url_decode(std::string_view s, bool plus_is_space);

}  // namespace asp
