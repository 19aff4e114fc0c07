// AWS Signature Version 4, written here rather than through libcurl's CURLOPT_AWS_SIGV4
// (which signs the query string as written, encodes no keys and adds no
// x-amz-content-sha256; see PLATFORM.md). Pure functions over a request description, so the
// unit tests can check every step against AWS's published test suite.
//
// The steps (AWS's names): canonical request -> string to sign -> signature (an HMAC chain
// over date, region, service) -> Authorization header. Nothing here fails: malformed input
// is signed as given and the server rejects it.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace asp::s3 {

struct Credentials {
    std::string access_key_id;
    std::string secret_access_key;
    std::string session_token;  // empty for long-term keys
};

// What a signature covers. `path` holds the raw (decoded) path bytes, e.g. "/my key/ü";
// `query` holds decoded name/value pairs (any order: they are sorted and encoded here);
// `headers` holds every header to sign, names in any case, duplicates allowed (values of one
// name are joined with ',' in the order given).
struct SignableRequest {
    std::string method;
    std::string path;
    std::vector<std::pair<std::string, std::string>> query;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string payload_sha256_hex;
};

enum class PathNormalization {
    Normalize,  // remove "." and ".." segments and repeated slashes (every service but S3)
    AsIs,       // S3: object keys may hold "//" and "..", signed exactly as they are
};

struct SigningScope {
    std::string amz_date;  // "20150830T123600Z"
    std::string region;    // "us-east-1"
    std::string service;   // "s3"
    std::string date() const { return amz_date.substr(0, 8); }
    std::string credential_scope() const;  // "20150830/us-east-1/s3/aws4_request"
};

// Percent-encoding is asp::url_encode (<asp/web/url.hpp>): exactly RFC 3986 as SigV4 wants it.

// The canonical path for `path` (raw bytes), encoded once.
std::string canonical_uri(std::string_view path, PathNormalization normalization);
// "a=1&b=2": names and values encoded, sorted by name, then value.
std::string canonical_query(const std::vector<std::pair<std::string, std::string>>& query);

std::string canonical_request(const SignableRequest& request, PathNormalization normalization);
// "host;x-amz-date": lower-cased, sorted, unique.
std::string signed_headers(const SignableRequest& request);
std::string string_to_sign(const SigningScope& scope, std::string_view canonical_request);
// Hex HMAC-SHA256 of the string to sign under the derived key.
std::string signature(std::string_view secret_access_key, const SigningScope& scope,
                      std::string_view string_to_sign);
// "AWS4-HMAC-SHA256 Credential=AKID/scope, SignedHeaders=..., Signature=..."
std::string authorization_header(const Credentials& credentials, const SigningScope& scope,
                                 const SignableRequest& request, PathNormalization normalization);

// SHA-256 and HMAC-SHA256 (the key chain, payload hashes): <asp/core/sha256.hpp>.

}  // namespace asp::s3
