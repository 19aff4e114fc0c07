// OAI-PMH: arXiv's interface for bulk metadata (https://oaipmh.arxiv.org/oai), parsed into
// Papers. One ListRecords response in metadataPrefix=arXivRaw holds up to ~1000 records,
// each an OAI header (identifier, datestamp, setSpecs, status="deleted") and, unless deleted,
// an <arXivRaw> element with every version and its date. Elements are matched by namespace
// URI, as for Atom.
//
// Failures are values: a body that is not well-formed XML or not an OAI-PMH response comes
// back as OaiErrorKind::NotOai (a truncated body: the caller retries), the protocol's
// <error code="..."> as its kind (noRecordsMatch, badResumptionToken) or OaiErrorKind::Other
// with arXiv's code and message. A record whose identifier or id is not an arXiv id is
// skipped and named in OaiPage::skipped.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <asp/store/paper.hpp>

namespace asp {

inline constexpr std::string_view kOaiNs = "http://www.openarchives.org/OAI/2.0/";
inline constexpr std::string_view kArxivRawNs = "http://arxiv.org/OAI/arXivRaw/";

struct OaiRecord {
    std::string id;         // raw arXiv id, from the header's oai:arXiv.org:<id>
    std::string datestamp;  // "YYYY-MM-DD"
    std::vector<std::string> sets;
    bool deleted = false;         // header status="deleted": no metadata
    std::optional<Paper> paper;   // the newest version; absent when deleted
};

struct OaiPage {
    std::vector<OaiRecord> records;   // in response order
    std::vector<std::string> skipped;  // why a record was left out
    // The token of the next page; nullopt when the list is complete (an empty or absent
    // <resumptionToken>).
    std::optional<std::string> resumption_token;
    std::optional<long> complete_list_size;
    std::optional<long> cursor;
};

enum class OaiErrorKind {
    NotOai,              // not well-formed XML or not an OAI-PMH response: retry
    NoRecordsMatch,      // nothing in the requested range: a successful empty harvest
    BadResumptionToken,  // the token expired or is unknown
    Other,               // any other OAI error (badArgument, noSetHierarchy, ...): a wrong request
};

struct OaiError {
    OaiErrorKind kind;
    std::string code;  // the OAI error code ("" for NotOai)
    std::string message;
};

struct OaiParse {
    std::optional<OaiPage> page;
    std::optional<OaiError> error;
    bool ok() const { return page.has_value(); }
};

// Parses one ListRecords (or GetRecord) response.
OaiParse parse_oai_page(std::string_view xml);

// An arXivRaw <authors> text as a list of names, the way the export API lists them: split at
// top-level commas and " and ", parenthesised affiliations dropped, TeX accents (\'e, \"{o},
// {\o}, \c{c}, ...) turned into UTF-8. "A. Smith (MIT), B. Jones and C.-P. Yuan" ->
// {"A. Smith", "B. Jones", "C.-P. Yuan"}.
std::vector<std::string> split_arxiv_authors(std::string_view authors);

// TeX accent commands of names -> UTF-8 ("Bal\'azs" -> "Balázs"); unknown commands are kept.
std::string tex_accents_to_utf8(std::string_view text);

// arXivRaw's version date (RFC 2822, "Mon, 2 Apr 2007 19:18:42 GMT") -> ISO 8601 UTC;
// nullopt when it is not such a date.
std::optional<std::string> rfc2822_to_iso8601(std::string_view text);

// The OAI set of an arXiv category: "cs.DC" -> "cs", "math.GT" -> "math", "hep-th" ->
// "physics:hep-th", "cond-mat.str-el" -> "physics:cond-mat", "physics.optics" ->
// "physics:physics"; archives arXiv folded into others map to their new home ("solv-int"
// -> "physics:nlin", "alg-geom" -> "math").
std::string oai_set_for_category(std::string_view category);

// True when `category` (of a paper) falls under `filter`: equal, or filter names the whole
// archive ("cs" matches "cs.DC", "cond-mat" matches "cond-mat.str-el").
bool category_matches(std::string_view filter, std::string_view category);

}  // namespace asp
