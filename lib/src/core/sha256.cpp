#include <asp/core/sha256.hpp>

#include <stdexcept>

#include <openssl/evp.h>

#include <asp/core/hex.hpp>

namespace asp {

std::string sha256_hex(std::string_view bytes) {
    Sha256 h;
    h.update(bytes);
    return h.hex_digest();
}

Sha256Digest hmac_sha256(std::string_view key, std::string_view data) {
    Sha256Digest out{};
    size_t len = 0;
    if (!EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(),
                   reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(),
                   out.size(), &len) ||
        len != out.size())
        throw std::runtime_error("OpenSSL HMAC-SHA256 failed");
    return out;
}

std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
    const Sha256Digest mac = hmac_sha256(key, data);
    return to_hex(mac.data(), mac.size());
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
    return to_hex(md, n);
}

}  // namespace asp
