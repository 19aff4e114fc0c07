// Small string helpers, the one home for them (ARCHITECTURE.md, "One home per helper"): trimming,
// whitespace folding and ASCII case. Pure functions over bytes; they never fail and never throw
// but for std::bad_alloc. Prefix and suffix tests are C++20's starts_with / ends_with.
#pragma once

#include <string>
#include <string_view>

namespace asp {

// HTTP's optional white space (RFC 9110 OWS): space and tab.
inline constexpr std::string_view kBlanks = " \t";
// What std::isspace accepts in the "C" locale.
inline constexpr std::string_view kWhitespace = " \t\n\v\f\r";

// `s` without leading and trailing characters of `chars`.
std::string_view trim(std::string_view s, std::string_view chars = kBlanks);

// Trims `s` and folds every run of characters of `spaces` inside it into one space.
std::string fold_whitespace(std::string_view s, std::string_view spaces = kWhitespace);

// ASCII lower case (bytes >= 0x80 are kept as they are).
std::string to_lower_ascii(std::string_view s);
// Equal but for ASCII case.
bool iequals_ascii(std::string_view a, std::string_view b);

}  // namespace asp
