#include "serve/html.hpp"

#include <asp/arxiv/id.hpp>
#include <asp/web/http.hpp>
#include <asp/web/url.hpp>

namespace asp::serve::html {

void append_escaped(std::string& out, std::string_view text) {
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

std::string escape(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 16);
    append_escaped(out, text);
    return out;
}

namespace {
// A paper id in a URL path: "/" stays (old-style ids), the rest is percent-encoded.
std::string id_path(std::string_view id) {
    std::string out;
    size_t start = 0;
    while (true) {
        size_t slash = id.find('/', start);
        out += url_encode(id.substr(start, slash - start));
        if (slash == std::string_view::npos) break;
        out += '/';
        start = slash + 1;
    }
    return out;
}

std::string date_of(std::string_view iso) { return std::string(iso.substr(0, 10)); }
}  // namespace

std::string document(const PageFrame& f, std::string_view main_html) {
    std::string out;
    out.reserve(main_html.size() + 2048);
    out += "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
           "<title>";
    append_escaped(out, f.title);
    out += " · arxiv-sanity</title><link rel=\"stylesheet\" href=\"/static/style.css\">"
           "<script src=\"/static/app.js\" defer></script></head><body>"
           "<header class=\"top\"><a class=\"brand\" href=\"/\">arxiv-sanity</a><nav>"
           "<a href=\"/\">recent</a><a href=\"/top\">top</a>"
           "<a href=\"/recommend\">recommended</a><a href=\"/library\">library</a></nav>"
           "<form class=\"search\" action=\"/search\" method=\"get\" role=\"search\">"
           "<input type=\"search\" name=\"q\" maxlength=\"500\" placeholder=\"search papers\" "
           "aria-label=\"search papers\" value=\"";
    append_escaped(out, f.search_query);
    out += "\"><button type=\"submit\">search</button></form><div class=\"user\">";
    if (f.user) {
        out += "<a href=\"/account\">";
        append_escaped(out, f.user->username);
        out += "</a><form method=\"post\" action=\"/logout\" class=\"inline\">"
               "<input type=\"hidden\" name=\"csrf\" value=\"";
        append_escaped(out, f.csrf);
        out += "\"><button type=\"submit\" class=\"link\">log out</button></form>";
    } else {
        out += "<a href=\"/login\">log in</a><a href=\"/signup\">sign up</a>";
    }
    out += "</div></header><main>";
    out += main_html;
    out += "</main><footer>Papers from <a href=\"https://arxiv.org/\">arXiv</a>; PDFs "
           "and abstracts link there. Thanks to arXiv for use of its open access "
           "interoperability.</footer></body></html>\n";
    return out;
}

void paper_card(std::string& out, const ListItem& item, bool has_thumb, bool saved,
                bool logged_in, std::string_view csrf, std::string_view back) {
    const auto& p = item.paper;
    std::string vid = std::string(p.id) + "v" + std::to_string(p.version);
    std::string abs = "https://arxiv.org/abs/" + vid, pdf = "https://arxiv.org/pdf/" + vid;
    out += "<article class=\"paper\"><h2><a href=\"";
    append_escaped(out, abs);
    out += "\">";
    append_escaped(out, p.title);
    out += "</a></h2><p class=\"authors\">";
    bool first = true;
    p.authors.for_each([&](std::string_view name) {
        if (!first) out += ", ";
        first = false;
        append_escaped(out, name);
    });
    out += "</p><p class=\"meta\"><span class=\"id\">";
    append_escaped(out, vid);
    out += "</span>";
    p.categories.for_each([&](std::string_view cat) {
        out += "<span class=\"cat\">";
        append_escaped(out, cat);
        out += "</span>";
    });
    out += "<span>published ";
    append_escaped(out, date_of(p.published));
    out += "</span>";
    if (p.updated != p.published) {
        out += "<span>updated ";
        append_escaped(out, date_of(p.updated));
        out += "</span>";
    }
    if (item.score) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.3g", *item.score);
        out += "<span class=\"score\">score ";
        out += buf;
        out += "</span>";
    }
    out += "</p>";
    if (has_thumb) {
        out += "<a class=\"thumbs\" href=\"";
        append_escaped(out, pdf);
        out += "\"><img src=\"/thumbs/";
        append_escaped(out, url_encode(file_stem(p.id, p.version)));
        out += ".jpg\" alt=\"pages of ";
        append_escaped(out, vid);
        out += "\" loading=\"lazy\" height=\"156\"></a>";
    }
    out += "<p class=\"abstract\">";
    append_escaped(out, item.abstract);
    out += "</p><div class=\"actions\"><a href=\"";
    append_escaped(out, pdf);
    out += "\">pdf</a><a href=\"";
    append_escaped(out, abs);
    out += "\">arXiv</a><a href=\"/similar/";
    append_escaped(out, id_path(p.id));
    out += "\">similar</a>";
    if (logged_in) {
        out += "<form method=\"post\" class=\"save-form\" action=\"/library/";
        append_escaped(out, id_path(p.id));
        out += "\" data-id=\"";
        append_escaped(out, id_path(p.id));
        out += "\" data-saved=\"";
        out += saved ? "1" : "0";
        out += "\"><input type=\"hidden\" name=\"csrf\" value=\"";
        append_escaped(out, csrf);
        out += "\"><input type=\"hidden\" name=\"action\" value=\"";
        out += saved ? "unsave" : "save";
        out += "\"><input type=\"hidden\" name=\"next\" value=\"";
        append_escaped(out, back);
        out += "\"><button type=\"submit\"";
        out += saved ? " class=\"on\">saved" : ">save";
        out += "</button></form>";
    } else {
        out += "<a href=\"/login\" class=\"save-hint\">log in to save</a>";
    }
    out += "</div></article>";
}

void pager(std::string& out, std::string_view base, size_t offset, size_t per_page, size_t total) {
    if (per_page == 0 || total <= per_page) return;
    size_t page = offset / per_page + 1;
    size_t pages = (total + per_page - 1) / per_page;
    std::string sep = base.find('?') == std::string_view::npos ? "?" : "&";
    out += "<nav class=\"pager\">";
    if (page > 1) {
        out += "<a href=\"";
        append_escaped(out, std::string(base) + sep + "page=" + std::to_string(page - 1));
        out += "\">&larr; newer</a>";
    }
    out += "<span>page " + std::to_string(page) + " of " + std::to_string(pages) + "</span>";
    if (page < pages) {
        out += "<a href=\"";
        append_escaped(out, std::string(base) + sep + "page=" + std::to_string(page + 1));
        out += "\">older &rarr;</a>";
    }
    out += "</nav>";
}

void filter_links(std::string& out, std::string_view base_path,
                  const std::vector<std::pair<std::string, std::string>>& options,
                  std::string_view param, std::string_view current) {
    out += "<nav class=\"filters\">";
    for (const auto& [value, label] : options) {
        out += "<a href=\"";
        append_escaped(out, std::string(base_path) + "?" + std::string(param) + "=" + value);
        out += value == current ? "\" class=\"on\">" : "\">";
        append_escaped(out, label);
        out += "</a>";
    }
    out += "</nav>";
}

}  // namespace asp::serve::html
