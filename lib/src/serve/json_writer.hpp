// A small JSON writer for serve's hot listings (a page of papers is ~200 objects): appends to
// one string, no document tree. Strings are escaped as nlohmann::json's dump does (", \,
// control characters), and invalid UTF-8 becomes U+FFFD (error_handler_t::replace), so both
// writers give the same text for the same values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace asp::serve::json_out {

// A JSON string literal, quotes included.
void append_string(std::string& out, std::string_view text);
// A number: the shortest text that reads back as the same double; null when not finite.
void append_number(std::string& out, double value);
void append_number(std::string& out, int64_t value);

}  // namespace asp::serve::json_out
