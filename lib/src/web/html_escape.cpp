#include <asp/web/html_escape.hpp>

namespace asp::web {

void append_escaped_html(std::string& out, std::string_view text) {
    size_t run = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        const char* entity;
        switch (text[i]) {
            case '&': entity = "&amp;"; break;
            case '<': entity = "&lt;"; break;
            case '>': entity = "&gt;"; break;
            case '"': entity = "&quot;"; break;
            case '\'': entity = "&#39;"; break;
            default: continue;
        }
        out.append(text.data() + run, i - run);
        out += entity;
        run = i + 1;
    }
    out.append(text.data() + run, text.size() - run);
}

std::string escape_html(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 16);
    append_escaped_html(out, text);
    return out;
}

}  // namespace asp::web
