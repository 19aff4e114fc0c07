#include <asp/core/clean_text.hpp>

#include <cstdint>

#include <asp/core/utf8.hpp>

namespace asp {

namespace {

constexpr char32_t kReplacement = kReplacementChar;

char32_t decode(std::string_view text, size_t& i) { return decode_utf8(text, i); }

void encode(char32_t cp, std::string& out) { append_utf8(cp, out); }

bool is_space(char32_t cp) {
    return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\v' || cp == '\f' ||
           cp == 0x85 || cp == 0xA0 || cp == 0x2028 || cp == 0x2029;
}

// Characters dropped outright: the other C0 controls (NUL, ESC, ...), DEL, C1, the bidi
// embeddings/overrides/isolates, noncharacters U+FFFE/U+FFFF.
bool is_dropped(char32_t cp) {
    return cp < 0x20 || (cp >= 0x7F && cp < 0xA0) || (cp >= 0x202A && cp <= 0x202E) ||
           (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFFFE || cp == 0xFFFF;
}

}  // namespace

std::string clean_text(std::string_view text, const CleanTextOptions& options) {
    std::string out;
    out.reserve(std::min(text.size(), options.max_bytes + 4));
    // pending: 0 none, 1 a space, 2 a line break, 3 a blank line (multiline only)
    int pending = 0;
    int newlines = 0;
    bool cut = false;
    for (size_t i = 0; i < text.size();) {
        char32_t cp = decode(text, i);
        if (is_space(cp)) {
            if (options.multiline && (cp == '\n' || cp == 0x2028 || cp == 0x2029)) ++newlines;
            pending = 1;
            continue;
        }
        if (is_dropped(cp)) continue;
        std::string piece;
        if (!out.empty() && pending) {
            if (options.multiline && newlines >= 2) piece = "\n\n";
            else if (options.multiline && newlines == 1) piece = "\n";
            else piece = " ";
        }
        pending = 0;
        newlines = 0;
        encode(cp, piece);
        if (out.size() + piece.size() > options.max_bytes) {
            cut = true;
            break;
        }
        out += piece;
    }
    if (cut) {
        static constexpr std::string_view kEllipsis = "\xE2\x80\xA6";
        // Drop whole code points until the ellipsis fits.
        while (!out.empty() && out.size() + kEllipsis.size() > options.max_bytes) {
            while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) out.pop_back();
            if (!out.empty()) out.pop_back();  // the lead byte (or an ASCII character)
        }
        while (!out.empty() && (out.back() == ' ' || out.back() == '\n')) out.pop_back();
        if (out.size() + kEllipsis.size() <= options.max_bytes) out += kEllipsis;
    }
    return out;
}

bool is_clean_text(std::string_view text) {
    for (size_t i = 0; i < text.size();) {
        const size_t at = i;
        char32_t cp = decode(text, i);
        if (cp == kReplacement && text.substr(at, 3) != "\xEF\xBF\xBD") return false;
        if (cp != '\n' && cp != ' ' && (is_dropped(cp) || is_space(cp))) return false;
    }
    return true;
}

}  // namespace asp
