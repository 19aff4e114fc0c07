#include <asp/arxiv/atom.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>

#include <tinyxml2.h>

#include <asp/arxiv/id.hpp>
#include <asp/core/strings.hpp>
#include <asp/core/time.hpp>

#include "arxiv/xml_ns.hpp"

namespace asp {
namespace {

using tinyxml2::XMLElement;
using xml::attr;
using xml::child;
using xml::child_text;
using xml::for_children;
using xml::is;
using xml::text_of;

std::optional<long> child_number(const XMLElement* parent, std::string_view ns,
                                 std::string_view local) {
    const XMLElement* el = child(parent, ns, local);
    if (!el) return std::nullopt;
    std::string text = fold_whitespace(text_of(el));
    long value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

// arXiv writes UTC with "Z"; older feeds carry offsets. Store one form.
std::string to_utc(const std::string& text) {
    auto t = parse_iso8601(text);
    return t ? format_iso8601(*t) : text;
}

bool is_error_id(std::string_view id) { return id.find("arxiv.org/api/errors") != id.npos; }

// One <entry>. Returns nullopt (with a reason) when its id is not an arXiv id.
std::optional<Paper> parse_entry(const XMLElement* entry, std::string& why_not) {
    std::string id_text = child_text(entry, kAtomNs, "id");
    auto id = parse_arxiv_id(id_text);
    if (!id) {
        why_not = "entry id is not an arXiv id: '" + id_text + "'";
        return std::nullopt;
    }
    Paper p;
    p.id = id->raw;
    p.version = id->version > 0 ? id->version : 1;
    p.title = child_text(entry, kAtomNs, "title");
    p.abstract = child_text(entry, kAtomNs, "summary");
    p.published = to_utc(child_text(entry, kAtomNs, "published"));
    p.updated = to_utc(child_text(entry, kAtomNs, "updated"));
    p.comment = child_text(entry, kArxivNs, "comment");
    p.journal_ref = child_text(entry, kArxivNs, "journal_ref");
    p.doi = child_text(entry, kArxivNs, "doi");
    for_children(entry, kAtomNs, "author", [&](const XMLElement* a) {
        std::string name = child_text(a, kAtomNs, "name");
        if (!name.empty()) p.authors.push_back(std::move(name));
    });
    for_children(entry, kAtomNs, "category", [&](const XMLElement* c) {
        std::string term = fold_whitespace(attr(c, "term"));
        if (!term.empty() &&
            std::find(p.categories.begin(), p.categories.end(), term) == p.categories.end())
            p.categories.push_back(std::move(term));
    });
    if (auto* primary = child(entry, kArxivNs, "primary_category"))
        p.primary_category = fold_whitespace(attr(primary, "term"));
    if (p.primary_category.empty() && !p.categories.empty())
        p.primary_category = p.categories.front();
    if (!p.primary_category.empty()) {
        auto it = std::find(p.categories.begin(), p.categories.end(), p.primary_category);
        if (it != p.categories.end()) p.categories.erase(it);
        p.categories.insert(p.categories.begin(), p.primary_category);
    }
    for_children(entry, kAtomNs, "link", [&](const XMLElement* l) {
        p.links.push_back({attr(l, "href"), attr(l, "rel"), attr(l, "type"), attr(l, "title")});
    });
    return p;
}

}  // namespace

AtomParse parse_atom_page(std::string_view xml) {
    AtomParse result;
    tinyxml2::XMLDocument doc;
    if (doc.Parse(xml.data(), xml.size()) != tinyxml2::XML_SUCCESS) {
        std::string what = doc.ErrorStr() ? doc.ErrorStr() : "parse error";
        result.error = AtomError{AtomErrorKind::NotAtom, "not well-formed XML: " + what};
        return result;
    }
    const XMLElement* feed = doc.RootElement();
    if (!feed || !is(feed, kAtomNs, "feed")) {
        std::string root = feed ? feed->Name() : "(none)";
        result.error =
            AtomError{AtomErrorKind::NotAtom, "not an Atom feed (root element <" + root + ">)"};
        return result;
    }
    AtomPage page;
    page.total_results = child_number(feed, kOpenSearchNs, "totalResults");
    page.start_index = child_number(feed, kOpenSearchNs, "startIndex");
    page.items_per_page = child_number(feed, kOpenSearchNs, "itemsPerPage");
    for (auto* entry = feed->FirstChildElement(); entry; entry = entry->NextSiblingElement()) {
        if (!is(entry, kAtomNs, "entry")) continue;
        std::string id_text = child_text(entry, kAtomNs, "id");
        if (is_error_id(id_text)) {
            std::string message = child_text(entry, kAtomNs, "summary");
            if (message.empty()) message = id_text;
            result.error = AtomError{AtomErrorKind::ArxivError, "arXiv API error: " + message};
            return result;
        }
        std::string why_not;
        if (auto paper = parse_entry(entry, why_not))
            page.entries.push_back(std::move(*paper));
        else
            page.skipped.push_back(std::move(why_not));
    }
    result.page = std::move(page);
    return result;
}

}  // namespace asp
