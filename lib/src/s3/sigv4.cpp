#include <asp/s3/sigv4.hpp>

#include <algorithm>
#include <map>
#include <stdexcept>

#include <openssl/evp.h>

namespace asp::s3 {

std::string SigningScope::credential_scope() const {
    return date() + "/" + region + "/" + service + "/aws4_request";
}

std::string uri_encode(std::string_view bytes, bool keep_slash) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(bytes.size() * 3);
    for (unsigned char c : bytes) {
        bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                          (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
        if (unreserved || (keep_slash && c == '/')) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
    }
    return out;
}

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string to_lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// Trim, and fold every run of whitespace (including obsolete line folding) into one space.
std::string canonical_header_value(std::string_view v) {
    std::string out;
    bool pending_space = false;
    for (char c : v) {
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            pending_space = !out.empty();
            continue;
        }
        if (pending_space) out += ' ';
        pending_space = false;
        out += c;
    }
    return out;
}

// lower-case name -> values joined by ',' in the order given; sorted by name.
std::map<std::string, std::string> canonical_headers_map(const SignableRequest& request) {
    std::map<std::string, std::string> m;
    for (const auto& [name, value] : request.headers) {
        auto key = to_lower(name);
        auto it = m.find(key);
        if (it == m.end())
            m.emplace(key, canonical_header_value(value));
        else
            it->second += "," + canonical_header_value(value);
    }
    return m;
}

}  // namespace

std::string uri_decode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size()) {
            int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out += static_cast<char>(hi * 16 + lo);
                i += 2;
                continue;
            }
        }
        out += s[i];
    }
    return out;
}

std::string canonical_uri(std::string_view path, PathNormalization normalization) {
    if (path.empty()) return "/";
    if (normalization == PathNormalization::AsIs) {
        std::string out = uri_encode(path, true);
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
    for (auto seg : segments) out += "/" + uri_encode(seg, false);
    bool trailing = path.back() == '/';
    if (out.empty()) return "/";
    if (trailing) out += '/';
    return out;
}

std::string canonical_query(const std::vector<std::pair<std::string, std::string>>& query) {
    std::vector<std::pair<std::string, std::string>> encoded;
    encoded.reserve(query.size());
    for (const auto& [k, v] : query) encoded.emplace_back(uri_encode(k, false), uri_encode(v, false));
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
    auto as_view = [](const std::array<unsigned char, 32>& a) {
        return std::string_view(reinterpret_cast<const char*>(a.data()), a.size());
    };
    auto k_date = hmac_sha256("AWS4" + std::string(secret_access_key), scope.date());
    auto k_region = hmac_sha256(as_view(k_date), scope.region);
    auto k_service = hmac_sha256(as_view(k_region), scope.service);
    auto k_signing = hmac_sha256(as_view(k_service), "aws4_request");
    auto sig = hmac_sha256(as_view(k_signing), string_to_sign);
    return hex(sig.data(), sig.size());
}

std::string authorization_header(const Credentials& credentials, const SigningScope& scope,
                                 const SignableRequest& request, PathNormalization normalization) {
    auto sts = string_to_sign(scope, canonical_request(request, normalization));
    return "AWS4-HMAC-SHA256 Credential=" + credentials.access_key_id + "/" +
           scope.credential_scope() + ", SignedHeaders=" + signed_headers(request) +
           ", Signature=" + signature(credentials.secret_access_key, scope, sts);
}

std::string hex(const unsigned char* bytes, size_t n) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out(n * 2, '0');
    for (size_t i = 0; i < n; ++i) {
        out[2 * i] = kHex[bytes[i] >> 4];
        out[2 * i + 1] = kHex[bytes[i] & 15];
    }
    return out;
}

std::string sha256_hex(std::string_view bytes) {
    Sha256 h;
    h.update(bytes);
    return h.hex_digest();
}

std::array<unsigned char, 32> hmac_sha256(std::string_view key, std::string_view data) {
    std::array<unsigned char, 32> out{};
    size_t len = 0;
    if (!EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(),
                   reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(),
                   out.size(), &len) ||
        len != out.size())
        throw std::runtime_error("OpenSSL HMAC-SHA256 failed");
    return out;
}

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
    if (!ctx_ || !EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), EVP_sha256(), nullptr))
        throw std::runtime_error("OpenSSL SHA-256 init failed");
}

Sha256::~Sha256() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

void Sha256::update(std::string_view bytes) {
    if (!EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), bytes.data(), bytes.size()))
        throw std::runtime_error("OpenSSL SHA-256 update failed");
}

std::string Sha256::hex_digest() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (!EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), md, &n))
        throw std::runtime_error("OpenSSL SHA-256 final failed");
    return hex(md, n);
}

}  // namespace asp::s3
