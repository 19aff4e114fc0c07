// Comment text: what a comment may hold (plain UTF-8 text, 1-5,000 characters, paragraphs
// kept; no NUL or other control characters but line breaks and tabs) and how a page shows it
// (escaped, paragraphs as <p>, line breaks as <br>, http(s) URLs as links with
// rel="nofollow ugc noopener"; never HTML, markdown or images).
#pragma once

#include <string>
#include <string_view>
#include <variant>

namespace asp::serve {

inline constexpr size_t kMaxCommentChars = 5000;

// The text to store (CR LF and CR become LF, trailing whitespace trimmed), or the reason it
// is refused.
struct CommentTextError {
    std::string reason;
};
std::variant<std::string, CommentTextError> check_comment_text(std::string_view text);

// Appends the HTML of a stored comment text.
void append_comment_html(std::string& out, std::string_view text);

}  // namespace asp::serve
