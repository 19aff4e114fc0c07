// Hexadecimal digits, the one home for them: bytes -> lower-case hex (digests, tokens) and one
// hex digit -> its value (percent-decoding). Pure functions; they never fail.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace asp {

inline constexpr char kHexDigitsLower[] = "0123456789abcdef";
inline constexpr char kHexDigitsUpper[] = "0123456789ABCDEF";

// "0aff..": two lower-case digits per byte.
std::string to_hex(const unsigned char* bytes, size_t size);
std::string to_hex(std::string_view bytes);

// The value of one hex digit (either case), or -1 for any other character.
int hex_digit_value(char c);

}  // namespace asp
