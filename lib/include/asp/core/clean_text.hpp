// clean_text: makes untrusted text (feeds from the network) safe to store and show: valid
// UTF-8 (an invalid byte becomes U+FFFD), no control characters (C0, DEL, C1, the Unicode
// line/paragraph separators and bidirectional overrides), whitespace runs collapsed to one
// space (a multi-line field keeps single line breaks), trimmed, and cut to at most
// `max_bytes` at a character boundary, ending in "…" when cut.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace asp {

struct CleanTextOptions {
    size_t max_bytes = 1000;
    bool multiline = false;  // keep '\n' (runs of blank lines become one blank line)
};

std::string clean_text(std::string_view text, const CleanTextOptions& options = {});

// True when `text` is valid UTF-8 with no control characters (what clean_text produces).
bool is_clean_text(std::string_view text);

}  // namespace asp
