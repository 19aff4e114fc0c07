// SHA-256 and HMAC-SHA256, the one home for them, over one crypto library (OpenSSL's libcrypto):
// the S3 signer (SigV4's key chain), sync's content hashes and serve's session and CSRF MACs all
// use these, so the bytes they produce are the same wherever they are computed.
//
// Nothing here fails on input; a failure inside OpenSSL (out of memory, no SHA-256 provider)
// throws std::runtime_error. Sha256 is not thread-safe (one object per stream); the free
// functions are.
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace asp {

using Sha256Digest = std::array<unsigned char, 32>;

// Lower-case hex SHA-256 of `bytes`.
std::string sha256_hex(std::string_view bytes);

// HMAC-SHA256 (RFC 2104) of `data` under `key` (any length, including empty).
Sha256Digest hmac_sha256(std::string_view key, std::string_view data);
// The same, as lower-case hex.
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

// The digest as bytes, e.g. to key the next HMAC of a chain.
inline std::string_view as_bytes(const Sha256Digest& digest) {
    return {reinterpret_cast<const char*>(digest.data()), digest.size()};
}

// Incremental SHA-256 (for files streamed through in pieces).
class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;
    void update(std::string_view bytes);
    std::string hex_digest();  // finishes; the object is spent afterwards

private:
    void* ctx_;  // EVP_MD_CTX
};

// The hex SHA-256 of no bytes.
inline constexpr std::string_view kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

}  // namespace asp
