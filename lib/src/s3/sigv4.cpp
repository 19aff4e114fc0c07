#include <asp/s3/sigv4.hpp>

#include <algorithm>
#include <map>

#include <asp/core/hex.hpp>
#include <asp/core/sha256.hpp>
#include <asp/core/strings.hpp>
#include <asp/web/url.hpp>

namespace asp::s3 {

std::string SigningScope::credential_scope() const {
    return date() + "/" + region + "/" + service + "/aws4_request";
}

namespace {

// Trim, and fold every run of whitespace (including obsolete line folding) into one space.
std::string canonical_header_value(std::string_view v) { return fold_whitespace(v, " \t\r\n"); }

// lower-case name -> values joined by ',' in the order given; sorted by name.
std::map<std::string, std::string> canonical_headers_map(const SignableRequest& request) {
    std::map<std::string, std::string> m;
    for (const auto& [name, value] : request.headers) {
        auto key = to_lower_ascii(name);
        auto it = m.find(key);
        if (it == m.end())
            m.emplace(key, canonical_header_value(value));
        else
            it->second += "," + canonical_header_value(value);
    }
    return m;
}

}  // namespace

std::string canonical_uri(std::string_view path, PathNormalization normalization) {
    if (path.empty()) return "/";
    if (normalization == PathNormalization::AsIs) {
        std::string out = url_encode(path, true);
        return out.front() == '/' ? out : "/" + out;
    }
    std::vector<std::string_view> segments;
    size_t pos = 0;
    while (pos <= path.size()) {
        size_t next = path.find('/', pos);
        if (next == std::string_view::npos) next = path.size();
        auto seg = path.substr(pos, next - pos);
        if (seg == "..") {
            if (!segments.empty()) segments.pop_back();
        } else if (!seg.empty() && seg != ".") {
            segments.push_back(seg);
        }
        pos = next + 1;
    }
    std::string out;
    for (auto seg : segments) out += "/" + url_encode(seg, false);
    bool trailing = path.back() == '/';
    if (out.empty()) return "/";
    if (trailing) out += '/';
    return out;
}

std::string canonical_query(const std::vector<std::pair<std::string, std::string>>& query) {
    std::vector<std::pair<std::string, std::string>> encoded;
    encoded.reserve(query.size());
    for (const auto& [k, v] : query) encoded.emplace_back(url_encode(k, false), url_encode(v, false));
    std::sort(encoded.begin(), encoded.end());
    std::string out;
    for (const auto& [k, v] : encoded) {
        if (!out.empty()) out += '&';
        out += k + "=" + v;
    }
    return out;
}

std::string signed_headers(const SignableRequest& request) {
    std::string out;
    for (const auto& [name, value] : canonical_headers_map(request)) {
        if (!out.empty()) out += ';';
        out += name;
    }
    return out;
}

std::string canonical_request(const SignableRequest& request, PathNormalization normalization) {
    std::string out = request.method + "\n" + canonical_uri(request.path, normalization) + "\n" +
                      canonical_query(request.query) + "\n";
    for (const auto& [name, value] : canonical_headers_map(request)) out += name + ":" + value + "\n";
    out += "\n" + signed_headers(request) + "\n" + request.payload_sha256_hex;
    return out;
}

std::string string_to_sign(const SigningScope& scope, std::string_view canonical_request) {
    return "AWS4-HMAC-SHA256\n" + scope.amz_date + "\n" + scope.credential_scope() + "\n" +
           sha256_hex(canonical_request);
}

std::string signature(std::string_view secret_access_key, const SigningScope& scope,
                      std::string_view string_to_sign) {
    auto k_date = hmac_sha256("AWS4" + std::string(secret_access_key), scope.date());
    auto k_region = hmac_sha256(as_bytes(k_date), scope.region);
    auto k_service = hmac_sha256(as_bytes(k_region), scope.service);
    auto k_signing = hmac_sha256(as_bytes(k_service), "aws4_request");
    auto sig = hmac_sha256(as_bytes(k_signing), string_to_sign);
    return to_hex(sig.data(), sig.size());
}

std::string authorization_header(const Credentials& credentials, const SigningScope& scope,
                                 const SignableRequest& request, PathNormalization normalization) {
    auto sts = string_to_sign(scope, canonical_request(request, normalization));
    return "AWS4-HMAC-SHA256 Credential=" + credentials.access_key_id + "/" +
           scope.credential_scope() + ", SignedHeaders=" + signed_headers(request) +
           ", Signature=" + signature(credentials.secret_access_key, scope, sts);
}

}  // namespace asp::s3
