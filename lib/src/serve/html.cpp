#include "serve/html.hpp"

#include <algorithm>
#include <cstdio>

#include <asp/arxiv/id.hpp>
#include <asp/web/html_escape.hpp>
#include <asp/web/http.hpp>
#include <asp/web/url.hpp>

namespace asp::serve::html {

void append_escaped(std::string& out, std::string_view text) {
    web::append_escaped_html(out, text);
}

std::string escape(std::string_view text) { return web::escape_html(text); }

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

// The search link of an author chip: au:"<name>" (a '"' in the name becomes a space).
std::string author_search(std::string_view name) {
    std::string q = "au:\"";
    for (char c : name) q += c == '"' ? ' ' : c;
    q += '"';
    return "/search?q=" + url_encode(q);
}

// A score in words: top's saves, similar's cosine, recommend's SVM margin as a match level;
// search relevance is not shown (the order says it).
void append_score(std::string& out, ScoreKind kind, double score) {
    char buf[64];
    switch (kind) {
        case ScoreKind::Saves: {
            auto n = static_cast<long long>(score);
            std::snprintf(buf, sizeof buf, "saved by %lld %s", n, n == 1 ? "library" : "libraries");
            out += "<span class=\"score\">";
            out += buf;
            out += "</span>";
            return;
        }
        case ScoreKind::Readers: {
            auto n = static_cast<long long>(score);
            std::snprintf(buf, sizeof buf, "%lld %s", n, n == 1 ? "reader" : "readers");
            out += "<span class=\"score\" title=\"readers who saved or discussed it in this time\">";
            out += buf;
            out += "</span>";
            return;
        }
        case ScoreKind::Similarity:
            std::snprintf(buf, sizeof buf, "%.0f%% similar", std::max(0.0, score) * 100);
            out += "<span class=\"score\" title=\"cosine similarity of the two papers' tf-idf "
                   "vectors\">";
            out += buf;
            out += "</span>";
            return;
        case ScoreKind::Match: {
            const char* level = score >= 0.5    ? "strong match"
                                : score >= 0    ? "good match"
                                : score >= -0.5 ? "fair match"
                                                : "weak match";
            int bars = score >= 0.5 ? 4 : score >= 0 ? 3 : score >= -0.5 ? 2 : 1;
            out += "<span class=\"score match\" title=\"how close this paper is to your library "
                   "(your model's margin)\"><span class=\"bars b";
            out += std::to_string(bars);
            out += "\" aria-hidden=\"true\"></span>";
            out += level;
            out += "</span>";
            return;
        }
        case ScoreKind::Relevance:
        case ScoreKind::None: return;
    }
}

// A DOI in a URL path: its '/' kept, the rest percent-encoded.
std::string url_encode_path(std::string_view doi) { return id_path(doi); }

std::string date_of(std::string_view iso) { return std::string(iso.substr(0, 10)); }
}  // namespace

std::string document(const PageFrame& f, std::string_view main_html) {
    std::string out;
    out.reserve(main_html.size() + 2048);
    out += "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
           "<title>";
    append_escaped(out, f.title);
    // KaTeX (served from Debian's libjs-katex) typesets the TeX of titles and abstracts; the
    // source text stays readable without it.
    out += " · arxiv-sanity</title><link rel=\"stylesheet\" href=\"/static/style.css\">"
           "<link rel=\"stylesheet\" href=\"/static/katex/katex.min.css\">"
           "<script src=\"/static/katex/katex.min.js\" defer></script>"
           "<script src=\"/static/katex/contrib/auto-render.js\" defer></script>"
           "<script src=\"/static/app.js\" defer></script></head><body>"
           "<header class=\"top\"><a class=\"brand\" href=\"/\">arxiv-sanity</a><nav>"
           "<a href=\"/\">recent</a><a href=\"/top\">top</a>"
           "<a href=\"/recommend\">recommended</a><a href=\"/library\">library</a>"
           "<a href=\"/hot\">hot</a><a href=\"/discussions\">discussions</a>"
           "<a href=\"/friends\">friends</a>"
           "<a href=\"/stats\">stats</a><a href=\"/about\">about</a></nav>"
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

namespace {
void hidden_field(std::string& out, std::string_view name, std::string_view value) {
    out += "<input type=\"hidden\" name=\"";
    out += name;
    out += "\" value=\"";
    append_escaped(out, value);
    out += "\">";
}

// <form method="post" class=CLS action=ACTION/<id> data-id=<id>> and its csrf field.
void paper_form_open(std::string& out, const char* cls, const char* action, std::string_view path,
                     std::string_view csrf) {
    out += "<form method=\"post\" class=\"";
    out += cls;
    out += "\" action=\"";
    out += action;
    append_escaped(out, path);
    out += "\" data-id=\"";
    append_escaped(out, path);
    out += "\">";
    hidden_field(out, "csrf", csrf);
}

void card_extras(std::string& out, std::string_view id, const CardExtras& x, std::string_view csrf,
                 std::string_view back) {
    const std::string path = id_path(id);
    if (x.tags && !x.tags->empty()) {
        out += "<p class=\"tags\">";
        for (const auto& tag : *x.tags) {
            out += "<span class=\"chip\"><a href=\"/library?tag=";
            append_escaped(out, url_encode(tag));
            out += "\">";
            append_escaped(out, tag);
            out += "</a>";
            paper_form_open(out, "untag-form inline", "/tag/paper/", path, csrf);
            hidden_field(out, "action", "remove");
            hidden_field(out, "tag", tag);
            hidden_field(out, "next", back);
            out += "<button type=\"submit\" class=\"link\" title=\"remove this tag\" aria-label=\"remove tag ";
            append_escaped(out, tag);
            out += "\">&times;</button></form></span>";
        }
        out += "</p>";
    }
    out += "<div class=\"actions\">";
    paper_form_open(out, "tag-form", "/tag/paper/", path, csrf);
    hidden_field(out, "action", "add");
    hidden_field(out, "next", back);
    out += "<input name=\"tag\" list=\"user-tags\" required maxlength=\"40\" "
           "pattern=\"[A-Za-z0-9 ._\\-]{1,40}\" placeholder=\"tag\" aria-label=\"tag name\">"
           "<button type=\"submit\">tag</button></form>";
    if (x.not_interested) {
        paper_form_open(out, "feedback-form", "/feedback/", path, csrf);
        hidden_field(out, "action", "hide");
        hidden_field(out, "next", back);
        out += "<button type=\"submit\">not interested</button></form>";
    }
    out += "</div>";
}
}  // namespace

void tag_picker(std::string& out, std::string_view base, const std::vector<TagInfo>& tags,
                std::string_view current, std::string_view all_label) {
    const std::string sep = base.find('?') == std::string_view::npos ? "?" : "&";
    out += "<nav class=\"filters tag-picker\" aria-label=\"tags\"><a href=\"";
    append_escaped(out, base);
    out += current.empty() ? "\" class=\"on\">" : "\">";
    append_escaped(out, all_label);
    out += "</a>";
    for (const auto& t : tags) {
        out += "<a href=\"";
        append_escaped(out, std::string(base) + sep + "tag=" + url_encode(t.name));
        out += t.name == current ? "\" class=\"on\">" : "\">";
        append_escaped(out, t.name);
        out += " <span class=\"count\">" + std::to_string(t.count) + "</span></a>";
    }
    out += "</nav><datalist id=\"user-tags\">";
    for (const auto& t : tags) {
        out += "<option value=\"";
        append_escaped(out, t.name);
        out += "\">";
    }
    out += "</datalist>";
}

void paper_card(std::string& out, const ListItem& item, bool has_thumb, bool saved,
                bool logged_in, std::string_view csrf, std::string_view back,
                const CardExtras* extras) {
    const auto& p = item.paper;
    std::string vid = std::string(p.id) + "v" + std::to_string(p.version);
    std::string abs = "https://arxiv.org/abs/" + vid, pdf = "https://arxiv.org/pdf/" + vid;
    out += "<article class=\"paper\"><h2><a href=\"";
    append_escaped(out, abs);
    out += "\" class=\"tex\">";
    append_escaped(out, p.title);
    out += "</a></h2><div class=\"authors\">";
    // Long author lists: the first ten, the rest behind a <details> expander (no script).
    constexpr size_t kShownAuthors = 10;
    size_t count = 0, total = 0;
    p.authors.for_each([&](std::string_view) { ++total; });
    p.authors.for_each([&](std::string_view name) {
        if (count == kShownAuthors && total > kShownAuthors) {
            out += "<details class=\"more-authors\"><summary>and ";
            out += std::to_string(total - kShownAuthors);
            out += " more</summary>";
        } else if (count) {
            out += ", ";
        }
        ++count;
        out += "<a href=\"";
        append_escaped(out, author_search(name));
        out += "\">";
        append_escaped(out, name);
        out += "</a>";
    });
    if (total > kShownAuthors) out += "</details>";
    out += "</div><p class=\"meta\"><span class=\"id\">";
    append_escaped(out, vid);
    out += "</span>";
    p.categories.for_each([&](std::string_view cat) {
        out += "<a class=\"cat\" href=\"/search?q=";
        append_escaped(out, url_encode("cat:" + std::string(cat)));
        out += "\">";
        append_escaped(out, cat);
        out += "</a>";
    });
    out += "<span>published ";
    append_escaped(out, date_of(p.published));
    out += "</span>";
    if (p.updated != p.published) {
        out += "<span>updated ";
        append_escaped(out, date_of(p.updated));
        out += "</span>";
    }
    if (item.score) append_score(out, item.score_kind, *item.score);
    out += "</p>";
    if (item.saved_by && !item.saved_by->empty()) {
        out += "<p class=\"saved-by\">saved by ";
        for (size_t i = 0; i < item.saved_by->size(); ++i) {
            if (i) out += ", ";
            out += "<a href=\"/u/";
            append_escaped(out, url_encode((*item.saved_by)[i]));
            out += "\">";
            append_escaped(out, (*item.saved_by)[i]);
            out += "</a>";
        }
        out += "</p>";
    }
    if (has_thumb) {
        out += "<a class=\"thumbs\" href=\"";
        append_escaped(out, pdf);
        out += "\"><img src=\"/thumbs/";
        append_escaped(out, url_encode(file_stem(p.id, p.version)));
        out += ".jpg\" alt=\"pages of ";
        append_escaped(out, vid);
        out += "\" loading=\"lazy\"></a>";
    }
    out += "<p class=\"abstract tex\">";
    append_escaped(out, item.abstract);
    out += "</p>";
    if (!item.comment.empty() || !item.journal_ref.empty() || !item.doi.empty()) {
        out += "<p class=\"extra\">";
        if (!item.comment.empty()) {
            out += "<span class=\"comment tex\">Comments: ";
            append_escaped(out, item.comment);
            out += "</span>";
        }
        if (!item.journal_ref.empty()) {
            out += "<span class=\"journal\">Journal ref: ";
            append_escaped(out, item.journal_ref);
            out += "</span>";
        }
        if (!item.doi.empty()) {
            out += "<span class=\"doi\">DOI: <a href=\"https://doi.org/";
            append_escaped(out, url_encode_path(item.doi));
            out += "\">";
            append_escaped(out, item.doi);
            out += "</a></span>";
        }
        out += "</p>";
    }
    out += "<div class=\"actions\"><a href=\"";
    append_escaped(out, pdf);
    out += "\">pdf</a><a href=\"";
    append_escaped(out, abs);
    out += "\">arXiv</a><a href=\"/similar/";
    append_escaped(out, id_path(p.id));
    out += "\">similar</a><a href=\"/bibtex/";
    append_escaped(out, id_path(p.id));
    out += "\" class=\"bibtex\">BibTeX</a>";
    if (item.comment_count >= 0) {
        out += "<a class=\"discuss\" href=\"/discuss/";
        append_escaped(out, id_path(p.id));
        out += "\">";
        out += item.comment_count == 0 ? std::string("discuss")
               : item.comment_count == 1 ? std::string("1 comment")
                                         : std::to_string(item.comment_count) + " comments";
        out += "</a>";
    }
    out += "<a href=\"/inspect/";
    append_escaped(out, id_path(p.id));
    out += "\">inspect</a>";
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
    out += "</div>";
    if (logged_in && extras) card_extras(out, p.id, *extras, csrf, back);
    out += "</article>";
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
    const char* sep = base_path.find('?') == std::string_view::npos ? "?" : "&";
    out += "<nav class=\"filters\">";
    for (const auto& [value, label] : options) {
        out += "<a href=\"";
        append_escaped(out, std::string(base_path) + sep + std::string(param) + "=" + value);
        out += value == current ? "\" class=\"on\">" : "\">";
        append_escaped(out, label);
        out += "</a>";
    }
    out += "</nav>";
}

void v1_links(std::string& out, std::string_view base, bool only_v1) {
    const std::string b(base);
    const char* sep = base.find('?') == std::string_view::npos ? "?" : "&";
    out += "<nav class=\"filters\"><a href=\"";
    append_escaped(out, b);
    out += only_v1 ? "\">all versions</a><a class=\"on\" href=\"" : "\" class=\"on\">all versions</a><a href=\"";
    append_escaped(out, b + sep + "v1=1");
    out += "\">only v1</a></nav>";
}

std::string search_help() {
    return "<details class=\"help\"><summary>How to search</summary><ul>"
           "<li>words: papers with all of them, best matches first</li>"
           "<li><code>au:hinton</code> author, <code>ti:transformer</code> title, "
           "<code>abs:\"graph neural\"</code> abstract, <code>cat:cs.LG</code> category "
           "(<code>cat:cs</code> every cs.*), <code>id:2304.09157</code></li>"
           "<li><code>\"quoted phrase\"</code>; <code>AND</code>, <code>OR</code>, "
           "<code>ANDNOT</code> and parentheses (words side by side: AND)</li>"
           "<li>a category (<code>cs.DC</code>, <code>hep-th</code>) or an arXiv id alone "
           "searches for it</li></ul></details>";
}

}  // namespace asp::serve::html
