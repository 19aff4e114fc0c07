// The digest message: a plain-text part and an HTML part with the same papers, every text from
// the feed escaped, thumbnails as links to the site (no attachments), and the RFC 8058 one-click
// unsubscribe headers.
#include <asp/digest/digest.hpp>

#include <algorithm>

#include <asp/arxiv/id.hpp>
#include <asp/core/strings.hpp>
#include <asp/mail/message.hpp>
#include <asp/web/html_escape.hpp>
#include <asp/web/url.hpp>

namespace asp::digest {
namespace {

constexpr size_t kAbstractChars = 500;
constexpr size_t kAuthorsShown = 10;

// At most `n` bytes, cut at a UTF-8 character boundary, with an ellipsis when cut.
std::string shorten(std::string_view text, size_t n) {
    if (text.size() <= n) return std::string(text);
    size_t end = n;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    return std::string(text.substr(0, end)) + "\u2026";
}

// Newlines and runs of spaces of the feed's text folded into single spaces.
std::string one_line(std::string_view text) { return fold_whitespace(text, " \t\r\n"); }

std::string authors_line(const std::vector<std::string>& authors) {
    std::string out;
    for (size_t i = 0; i < authors.size() && i < kAuthorsShown; ++i) {
        if (i) out += ", ";
        out += authors[i];
    }
    if (authors.size() > kAuthorsShown)
        out += " and " + std::to_string(authors.size() - kAuthorsShown) + " more";
    return out;
}

std::string section_title(const DigestSection& s) {
    if (s.tag.empty()) return "Recommended from your library";
    return "Tag: " + s.tag + (s.tag_model ? "" : " (ranked by your whole library)");
}

}  // namespace

bool valid_base_url(std::string_view url) {
    std::string_view rest;
    if (url.rfind("https://", 0) == 0) rest = url.substr(8);
    else if (url.rfind("http://", 0) == 0) rest = url.substr(7);
    else return false;
    if (rest.empty() || url.size() > 512 || url.back() == '/') return false;
    return std::all_of(url.begin(), url.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return u > 0x20 && u < 0x7f && c != '"' && c != '\'' && c != '<' && c != '>' && c != '\\';
    });
}

mail::Message render_digest(const DigestParams& params, const DigestRecipient& user,
                            const DigestContent& content,
                            const std::function<bool(const Paper&)>& thumb_exists) {
    const std::string& base = params.base_url;
    const std::string unsubscribe = base + "/unsubscribe?token=" + user.mail.unsubscribe_token;
    const std::string preferences = base + "/account";
    const size_t n = content.count();
    const std::string what = user.mail.frequency == "weekly" ? "weekly" : "daily";

    mail::Message m;
    m.from = params.from;
    m.from_name = params.from_name;
    m.to = user.mail.email;
    m.subject = std::to_string(n) + (n == 1 ? " new paper" : " new papers") + " for you (" +
                what + " digest)";
    m.headers = {{"List-Unsubscribe", "<" + unsubscribe + ">"},
                 {"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"},
                 {"Auto-Submitted", "auto-generated"}};

    std::string& text = m.text;
    std::string html;
    text += "Hello " + user.username + ",\n\n" + std::to_string(n) +
            " new papers, ranked by what you saved.\n";
    html += "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>";
    web::append_escaped_html(html, m.subject);
    html += "</title></head><body style=\"font-family:sans-serif;max-width:760px\">";
    html += "<p>Hello ";
    web::append_escaped_html(html, user.username);
    html += ", " + std::to_string(n) + " new papers, ranked by what you saved.</p>";
    for (const auto& section : content.sections) {
        if (section.items.empty()) continue;
        const std::string heading = section_title(section);
        text += "\n== " + heading + " ==\n";
        html += "<h2>";
        web::append_escaped_html(html, heading);
        html += "</h2>";
        size_t rank = 0;
        for (const auto& item : section.items) {
            const Paper& p = item.paper;
            const std::string page = base + "/similar/" + url_encode(p.id, /*keep_slash=*/true);
            const std::string abs = "https://arxiv.org/abs/" + p.id + "v" + std::to_string(p.version);
            const std::string title = one_line(p.title);
            const std::string authors = authors_line(p.authors);
            const std::string abstract = shorten(one_line(p.abstract), kAbstractChars);
            text += "\n" + std::to_string(++rank) + ". " + title + "\n   " + authors + "\n   " +
                    p.published.substr(0, 10) + "  " + page + "\n   arXiv: " + abs + "\n   " +
                    abstract + "\n";
            html += "<div style=\"margin:1em 0\"><a href=\"";
            web::append_escaped_html(html, page);
            html += "\"><b>";
            web::append_escaped_html(html, title);
            html += "</b></a><br><span>";
            web::append_escaped_html(html, authors);
            html += "</span><br><small>";
            web::append_escaped_html(html, p.published.substr(0, 10));
            html += " &middot; <a href=\"";
            web::append_escaped_html(html, abs);
            html += "\">arXiv</a></small>";
            if (thumb_exists && thumb_exists(p)) {
                html += "<br><a href=\"";
                web::append_escaped_html(html, page);
                html += "\"><img src=\"";
                web::append_escaped_html(html, base + "/thumbs/" + file_stem(p.id, p.version) + ".jpg");
                html += "\" alt=\"\" height=\"78\" style=\"max-width:100%\"></a>";
            }
            html += "<p style=\"margin:.3em 0\">";
            web::append_escaped_html(html, abstract);
            html += "</p></div>";
        }
    }
    text += "\n--\nPreferences: " + preferences + "\nUnsubscribe: " + unsubscribe + "\n";
    html += "<hr><p><small><a href=\"";
    web::append_escaped_html(html, preferences);
    html += "\">Preferences</a> &middot; <a href=\"";
    web::append_escaped_html(html, unsubscribe);
    html += "\">Unsubscribe</a></small></p></body></html>";
    m.html = std::move(html);
    return m;
}

}  // namespace asp::digest
