#include "serve/comment_text.hpp"

#include <asp/core/utf8.hpp>

#include "serve/html.hpp"

namespace asp::serve {
namespace {

bool allowed(char32_t cp) {
    if (cp == '\n' || cp == '\t') return true;
    if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0)) return false;
    // Bidirectional overrides and isolates would let a comment reorder the page around it.
    if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069)) return false;
    return true;
}

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\t'; }

// The end of a URL starting at `from`: up to whitespace or a character that cannot end one
// in running text, without trailing punctuation.
size_t url_end(std::string_view text, size_t from) {
    size_t end = from;
    while (end < text.size() && !is_space(text[end]) && text[end] != '<' && text[end] != '>' &&
           text[end] != '"' && text[end] != '\'')
        ++end;
    while (end > from && std::string_view(".,;:!?)]").find(text[end - 1]) != std::string_view::npos) --end;
    return end;
}

void append_line(std::string& out, std::string_view line) {
    size_t at = 0;
    while (at < line.size()) {
        size_t http = line.find("http", at);
        if (http == std::string_view::npos) break;
        auto rest = line.substr(http);
        size_t scheme = rest.rfind("https://", 0) == 0 ? 8 : rest.rfind("http://", 0) == 0 ? 7 : 0;
        size_t end = scheme ? url_end(line, http) : http;
        if (!scheme || end <= http + scheme) {
            html::append_escaped(out, line.substr(at, http + 4 - at));
            at = http + 4;
            continue;
        }
        html::append_escaped(out, line.substr(at, http - at));
        out += "<a href=\"";
        html::append_escaped(out, line.substr(http, end - http));
        out += "\" rel=\"nofollow ugc noopener\">";
        html::append_escaped(out, line.substr(http, end - http));
        out += "</a>";
        at = end;
    }
    html::append_escaped(out, line.substr(at));
}

}  // namespace

std::variant<std::string, CommentTextError> check_comment_text(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    size_t chars = 0;
    for (size_t i = 0; i < text.size();) {
        size_t start = i;
        char32_t cp = decode_utf8(text, i);
        if (cp == kReplacementChar && i - start != 3) return CommentTextError{"the text is not valid UTF-8"};
        if (cp == '\r') {
            if (i < text.size() && text[i] == '\n') ++i;
            cp = '\n';
        }
        if (!allowed(cp)) return CommentTextError{"the text holds a control character"};
        out.append(text.substr(start, i - start) == "\r\n" || text.substr(start, i - start) == "\r"
                       ? std::string_view("\n")
                       : text.substr(start, i - start));
        ++chars;
    }
    while (!out.empty() && is_space(out.back())) out.pop_back();
    size_t lead = 0;
    while (lead < out.size() && (out[lead] == '\n')) ++lead;
    out.erase(0, lead);
    if (out.find_first_not_of(" \n\t") == std::string::npos) return CommentTextError{"the text is empty"};
    if (chars > kMaxCommentChars)
        return CommentTextError{"a comment is at most " + std::to_string(kMaxCommentChars) + " characters"};
    return out;
}

void append_comment_html(std::string& out, std::string_view text) {
    size_t at = 0;
    while (at < text.size()) {
        size_t blank = text.find("\n\n", at);
        std::string_view para = text.substr(at, blank == std::string_view::npos ? std::string_view::npos : blank - at);
        out += "<p>";
        size_t line_at = 0;
        while (true) {
            size_t nl = para.find('\n', line_at);
            append_line(out, para.substr(line_at, nl == std::string_view::npos ? std::string_view::npos : nl - line_at));
            if (nl == std::string_view::npos) break;
            out += "<br>";
            line_at = nl + 1;
        }
        out += "</p>";
        if (blank == std::string_view::npos) break;
        at = blank;
        while (at < text.size() && text[at] == '\n') ++at;
    }
}

}  // namespace asp::serve
