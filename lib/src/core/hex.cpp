#include <asp/core/hex.hpp>

namespace asp {

std::string to_hex(const unsigned char* bytes, size_t size) {
    std::string out(size * 2, '0');
    for (size_t i = 0; i < size; ++i) {
        out[2 * i] = kHexDigitsLower[bytes[i] >> 4];
        out[2 * i + 1] = kHexDigitsLower[bytes[i] & 15];
    }
    return out;
}

std::string to_hex(std::string_view bytes) {
    return to_hex(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
}

int hex_digit_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace asp
