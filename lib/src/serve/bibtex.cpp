#include "serve/bibtex.hpp"

#include <cctype>
#include <vector>

#include <asp/arxiv/atom.hpp>
#include <asp/core/strings.hpp>

namespace asp::serve {
namespace {

// Whitespace runs as one space, trimmed; other control characters become spaces first.
std::string squeeze(std::string_view text) {
    std::string t(text);
    for (char& c : t)
        if (static_cast<unsigned char>(c) < 0x20) c = ' ';
    return fold_whitespace(t);
}

std::string ascii_word(std::string_view text) {
    std::string out;
    for (char c : text)
        if (std::isalnum(static_cast<unsigned char>(c)) && static_cast<unsigned char>(c) < 0x80)
            out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

}  // namespace

std::string bibtex_escape(std::string_view raw) {
    const std::string text = squeeze(raw);
    // Which braces have a partner: those are TeX groups and stay.
    std::vector<bool> paired(text.size(), false);
    std::vector<size_t> open;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '{') {
            open.push_back(i);
        } else if (text[i] == '}' && !open.empty()) {
            paired[i] = paired[open.back()] = true;
            open.pop_back();
        }
    }
    std::string out;
    out.reserve(text.size() + 16);
    bool math = false;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        const bool escaped = i > 0 && text[i - 1] == '\\';
        if (c == '{' || c == '}') {
            if (paired[i]) out += c;
            else out += c == '{' ? "\\textbraceleft{}" : "\\textbraceright{}";
            continue;
        }
        if (escaped) {
            out += c;
            continue;
        }
        if (c == '$') math = !math;
        if (c == '&' || c == '%' || c == '#' || (!math && c == '_')) {
            out += '\\';
            out += c;
        } else if (!math && c == '^') {
            out += "\\^{}";
        } else {
            out += c;
        }
    }
    // A trailing backslash would escape the closing brace.
    if (!out.empty() && out.back() == '\\') out += "{}";
    return out;
}

std::string bibtex_key(const CatalogPaper& paper) {
    std::string surname;
    bool first = true;
    paper.authors.for_each([&](std::string_view name) {
        if (!first) return;
        first = false;
        auto s = squeeze(name);
        auto space = s.rfind(' ');
        surname = ascii_word(space == std::string::npos ? s : s.substr(space + 1));
    });
    std::string word;
    std::string title = squeeze(paper.title);
    size_t pos = 0;
    while (pos < title.size() && word.empty()) {
        size_t end = title.find(' ', pos);
        if (end == std::string::npos) end = title.size();
        auto w = ascii_word(title.substr(pos, end - pos));
        if (w.size() >= 4 && std::isalpha(static_cast<unsigned char>(w[0]))) word = w;
        pos = end + 1;
    }
    std::string key = surname.empty() ? "arxiv" : surname;
    key += paper.published.substr(0, 4);
    key += word;
    return key;
}

std::string bibtex_entry(const CatalogPaper& p, std::string_view doi, std::string_view key) {
    std::string out = "@misc{";
    out += key;
    auto field = [&out](std::string_view name, std::string_view value) {
        out += ",\n  ";
        out += name;
        out += " = {";
        out += value;
        out += '}';
    };
    field("title", bibtex_escape(p.title));
    std::string authors;
    p.authors.for_each([&](std::string_view name) {
        std::string n = bibtex_escape(name);
        if (n.empty()) return;
        const std::string lower = to_lower_ascii(n);
        const bool has_and = (" " + lower + " ").find(" and ") != std::string::npos;
        if (!authors.empty()) authors += " and ";
        authors += has_and ? "{" + n + "}" : n;
    });
    field("author", authors);
    field("year", p.published.substr(0, 4));
    field("eprint", p.id);
    field("archivePrefix", "arXiv");
    std::string primary;
    bool first = true;
    p.categories.for_each([&](std::string_view c) {
        if (first) primary = std::string(c);
        first = false;
    });
    if (!primary.empty()) field("primaryClass", bibtex_escape(primary));
    // verbatim (biblatex reads it so), minus what could break the entry; arXiv's DOI field may
    // list several DOIs separated by spaces: the field holds the first.
    std::string clean_doi;
    for (char c : doi) {
        if (static_cast<unsigned char>(c) <= 0x20) {
            if (!clean_doi.empty()) break;
            continue;
        }
        if (c != '{' && c != '}' && c != '\\') clean_doi += c;
    }
    if (!clean_doi.empty()) field("doi", clean_doi);
    field("url", "https://arxiv.org/abs/" + std::string(p.id) + "v" + std::to_string(p.version));
    out += "\n}\n\n";
    return out;
}

}  // namespace asp::serve
