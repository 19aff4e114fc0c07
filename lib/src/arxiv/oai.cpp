#include <asp/arxiv/oai.hpp>

#include <algorithm>
#include <charconv>

#include <tinyxml2.h>

#include <asp/arxiv/atom.hpp>
#include <asp/arxiv/id.hpp>
#include <asp/core/strings.hpp>

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

std::optional<long> number_attr(const XMLElement* el, const char* name) {
    std::string v = attr(el, name);
    long n = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (v.empty() || ec != std::errc() || end != v.data() + v.size()) return std::nullopt;
    return n;
}

// "v12" -> 12; 0 when it is not a version.
int version_number(std::string_view v) {
    if (v.size() < 2 || (v[0] != 'v' && v[0] != 'V')) return 0;
    int n = 0;
    auto [end, ec] = std::from_chars(v.data() + 1, v.data() + v.size(), n);
    return ec == std::errc() && end == v.data() + v.size() && n > 0 ? n : 0;
}

// The arXiv links the export API gives a version (abstract page, PDF, DOI), so a paper from
// OAI has the same row as one from the API.
std::vector<PaperLink> api_links(const Paper& p) {
    std::string vid = p.versioned_id();
    std::vector<PaperLink> links = {
        {"https://arxiv.org/abs/" + vid, "alternate", "text/html", ""},
        {"https://arxiv.org/pdf/" + vid, "related", "application/pdf", "pdf"},
    };
    if (!p.doi.empty()) {
        std::string first = p.doi.substr(0, p.doi.find(' '));
        links.push_back({"https://doi.org/" + first, "related", "", "doi"});
    }
    return links;
}

// One <arXivRaw>. nullopt (with a reason) when its id or its versions are unusable.
std::optional<Paper> parse_arxiv_raw(const XMLElement* raw, std::string& why_not) {
    std::string id_text = child_text(raw, kArxivRawNs, "id");
    auto id = parse_arxiv_id(id_text);
    if (!id) {
        why_not = "arXivRaw id is not an arXiv id: '" + id_text + "'";
        return std::nullopt;
    }
    Paper p;
    p.id = id->raw;
    int newest = 0;
    std::string first_date, newest_date;
    int first = 0;
    bool bad_date = false;
    for_children(raw, kArxivRawNs, "version", [&](const XMLElement* v) {
        int n = version_number(attr(v, "version"));
        auto date = rfc2822_to_iso8601(child_text(v, kArxivRawNs, "date"));
        if (n == 0 || !date) {
            bad_date = true;
            return;
        }
        if (newest == 0 || n > newest) newest = n, newest_date = *date;
        if (first == 0 || n < first) first = n, first_date = *date;
    });
    if (newest == 0) {
        why_not = "record " + p.id + " has no usable <version> (" +
                  (bad_date ? "unparseable date" : "none") + ")";
        return std::nullopt;
    }
    p.version = newest;
    p.published = first_date;
    p.updated = newest_date;
    p.title = child_text(raw, kArxivRawNs, "title");
    p.abstract = child_text(raw, kArxivRawNs, "abstract");
    p.authors = split_arxiv_authors(text_of(child(raw, kArxivRawNs, "authors")));
    p.comment = child_text(raw, kArxivRawNs, "comments");
    p.journal_ref = child_text(raw, kArxivRawNs, "journal-ref");
    p.doi = child_text(raw, kArxivRawNs, "doi");
    // arXivRaw lists the primary category first, space separated.
    std::string cats = child_text(raw, kArxivRawNs, "categories");
    for (size_t pos = 0; pos < cats.size();) {
        size_t end = cats.find(' ', pos);
        if (end == std::string::npos) end = cats.size();
        std::string c = cats.substr(pos, end - pos);
        if (!c.empty() && std::find(p.categories.begin(), p.categories.end(), c) == p.categories.end())
            p.categories.push_back(std::move(c));
        pos = end + 1;
    }
    if (!p.categories.empty()) p.primary_category = p.categories.front();
    p.links = api_links(p);
    return p;
}

// One <record>. nullopt (with a reason) when it cannot be used.
std::optional<OaiRecord> parse_record(const XMLElement* rec, std::string& why_not) {
    const XMLElement* header = child(rec, kOaiNs, "header");
    if (!header) {
        why_not = "record without <header>";
        return std::nullopt;
    }
    OaiRecord r;
    std::string identifier = child_text(header, kOaiNs, "identifier");
    constexpr std::string_view kPrefix = "oai:arXiv.org:";
    std::string_view bare = identifier;
    if (bare.substr(0, kPrefix.size()) == kPrefix) bare.remove_prefix(kPrefix.size());
    auto id = parse_arxiv_id(bare);
    if (!id || id->version != 0) {
        why_not = "record identifier is not an arXiv id: '" + identifier + "'";
        return std::nullopt;
    }
    r.id = id->raw;
    r.datestamp = child_text(header, kOaiNs, "datestamp");
    for_children(header, kOaiNs, "setSpec",
                 [&](const XMLElement* s) { r.sets.push_back(fold_whitespace(text_of(s))); });
    r.deleted = attr(header, "status") == "deleted";
    if (r.deleted) return r;
    const XMLElement* metadata = child(rec, kOaiNs, "metadata");
    const XMLElement* raw = metadata ? child(metadata, kArxivRawNs, "arXivRaw") : nullptr;
    if (!raw) {
        why_not = "record " + r.id + " has no arXivRaw metadata (wrong metadataPrefix?)";
        return std::nullopt;
    }
    auto paper = parse_arxiv_raw(raw, why_not);
    if (!paper) return std::nullopt;
    if (paper->id != r.id) {
        why_not = "record " + r.id + " carries the metadata of " + paper->id;
        return std::nullopt;
    }
    r.paper = std::move(paper);
    return r;
}

OaiErrorKind error_kind(std::string_view code) {
    if (code == "noRecordsMatch") return OaiErrorKind::NoRecordsMatch;
    if (code == "badResumptionToken") return OaiErrorKind::BadResumptionToken;
    return OaiErrorKind::Other;
}

}  // namespace

OaiParse parse_oai_page(std::string_view text) {
    OaiParse result;
    tinyxml2::XMLDocument doc;
    if (doc.Parse(text.data(), text.size()) != tinyxml2::XML_SUCCESS) {
        std::string what = doc.ErrorStr() ? doc.ErrorStr() : "parse error";
        result.error = OaiError{OaiErrorKind::NotOai, "", "not well-formed XML: " + what};
        return result;
    }
    const XMLElement* root = doc.RootElement();
    if (!root || !is(root, kOaiNs, "OAI-PMH")) {
        std::string name = root ? root->Name() : "(none)";
        result.error = OaiError{OaiErrorKind::NotOai, "",
                                "not an OAI-PMH response (root element <" + name + ">)"};
        return result;
    }
    if (const XMLElement* err = child(root, kOaiNs, "error")) {
        std::string code = attr(err, "code");
        result.error = OaiError{error_kind(code), code,
                                "OAI-PMH error " + code + ": " + fold_whitespace(text_of(err))};
        return result;
    }
    const XMLElement* list = child(root, kOaiNs, "ListRecords");
    if (!list) list = child(root, kOaiNs, "GetRecord");
    if (!list) {
        result.error = OaiError{OaiErrorKind::NotOai, "",
                                "OAI-PMH response without ListRecords or GetRecord"};
        return result;
    }
    OaiPage page;
    for_children(list, kOaiNs, "record", [&](const XMLElement* rec) {
        std::string why_not;
        if (auto r = parse_record(rec, why_not))
            page.records.push_back(std::move(*r));
        else
            page.skipped.push_back(std::move(why_not));
    });
    if (const XMLElement* tok = child(list, kOaiNs, "resumptionToken")) {
        std::string token = fold_whitespace(text_of(tok));
        if (!token.empty()) page.resumption_token = std::move(token);
        page.complete_list_size = number_attr(tok, "completeListSize");
        page.cursor = number_attr(tok, "cursor");
    }
    result.page = std::move(page);
    return result;
}

std::string oai_set_for_category(std::string_view category) {
    std::string_view archive = category.substr(0, category.find('.'));
    static constexpr std::string_view kOwnSets[] = {"cs",    "econ", "eess", "math",
                                                    "q-bio", "q-fin", "stat"};
    for (auto s : kOwnSets)
        if (archive == s) return std::string(archive);
    // Archives arXiv folded into others (their papers are listed under the new home).
    static constexpr std::pair<std::string_view, std::string_view> kFolded[] = {
        {"alg-geom", "math"},          {"dg-ga", "math"},
        {"funct-an", "math"},          {"q-alg", "math"},
        {"cmp-lg", "cs"},              {"adap-org", "physics:nlin"},
        {"chao-dyn", "physics:nlin"},  {"comp-gas", "physics:nlin"},
        {"patt-sol", "physics:nlin"},  {"solv-int", "physics:nlin"},
        {"mtrl-th", "physics:cond-mat"}, {"supr-con", "physics:cond-mat"},
        {"acc-phys", "physics:physics"}, {"ao-sci", "physics:physics"},
        {"atom-ph", "physics:physics"},  {"bayes-an", "physics:physics"},
        {"chem-ph", "physics:physics"},  {"plasm-ph", "physics:physics"},
    };
    for (auto [from, to] : kFolded)
        if (archive == from) return std::string(to);
    return "physics:" + std::string(archive);
}

bool category_matches(std::string_view filter, std::string_view category) {
    if (filter == category) return true;
    return filter.find('.') == std::string_view::npos && category.size() > filter.size() &&
           category.substr(0, filter.size()) == filter && category[filter.size()] == '.';
}

}  // namespace asp
