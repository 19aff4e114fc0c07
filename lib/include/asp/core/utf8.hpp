// UTF-8 decoding and encoding, the one implementation (clean_text, the ML tokenizer).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace asp {

inline constexpr char32_t kReplacementChar = 0xFFFD;

// Decodes one code point at text[i] and advances i past it. Invalid input (a stray
// continuation byte, an overlong form, a surrogate, beyond U+10FFFF, a cut sequence) gives
// U+FFFD and consumes one byte, as Python's "replace" error handler does.
char32_t decode_utf8(std::string_view text, size_t& i);

// Appends the UTF-8 form of `cp` (a valid code point) to out.
void append_utf8(char32_t cp, std::string& out);

}  // namespace asp
