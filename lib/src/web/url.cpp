#include <asp/web/url.hpp>

#include <asp/core/hex.hpp>

namespace asp {
namespace {

bool unreserved(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '.' || c == '~';
}

}  // namespace

std::string url_encode(std::string_view s, bool keep_slash) {
    std::string out;
    out.reserve(s.size() * 3);
    for (unsigned char c : s) {
        if (unreserved(c) || (keep_slash && c == '/')) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += kHexDigitsUpper[c >> 4];
            out += kHexDigitsUpper[c & 15];
        }
    }
    return out;
}

std::string url_decode(std::string_view s, bool plus_is_space) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        const int hi = i + 2 < s.size() ? hex_digit_value(s[i + 1]) : -1;
        const int lo = i + 2 < s.size() ? hex_digit_value(s[i + 2]) : -1;
        if (c == '+' && plus_is_space) {
            out += ' ';
        } else if (c == '%' && hi >= 0 && lo >= 0) {
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
}

}  // namespace asp
