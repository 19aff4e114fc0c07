// Atom: the arXiv export API's response format (Atom 1.0 with the opensearch and arxiv
// extension namespaces) parsed into Papers. Elements are matched by namespace URI, not by
// prefix, so the 2016/2019 style (prefixes declared on each element) and the 2026 style
// (prefixes declared on <feed>) parse the same.
//
// Failures are values: a document that is not well-formed XML or not an Atom feed (a
// truncated body, an HTML error page served with status 200) and arXiv's own `Error` entry
// (id http://arxiv.org/api/errors#...) come back as an Error whose message says which; an
// entry whose id is not an arXiv id is skipped and named in AtomPage::skipped.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <asp/store/paper.hpp>
#include <asp/core/result.hpp>

namespace asp {

inline constexpr std::string_view kAtomNs = "http://www.w3.org/2005/Atom";
inline constexpr std::string_view kOpenSearchNs = "http://a9.com/-/spec/opensearch/1.1/";
inline constexpr std::string_view kArxivNs = "http://arxiv.org/schemas/atom";

struct AtomPage {
    // opensearch values; nullopt when the feed does not carry them.
    std::optional<long> total_results;
    std::optional<long> start_index;
    std::optional<long> items_per_page;
    std::vector<Paper> entries;        // in feed order
    std::vector<std::string> skipped;  // why an entry was left out ("bad id: ...")
};

enum class AtomErrorKind {
    NotAtom,     // not well-formed XML or not an Atom feed: transient on arXiv (retry)
    ArxivError,  // arXiv answered with an Error entry: the query itself is wrong
};

struct AtomError {
    AtomErrorKind kind;
    std::string message;
};

// Parses one API response body. Titles, abstracts, author names, comments and journal refs
// are whitespace-normalised (runs of spaces/newlines become one space, trimmed), since arXiv
// wraps them at ~80 columns with an indent; categories come primary first, without
// duplicates; published/updated are ISO 8601 UTC ("...Z").
struct AtomParse {
    std::optional<AtomPage> page;
    std::optional<AtomError> error;
    bool ok() const { return page.has_value(); }
};
AtomParse parse_atom_page(std::string_view xml);

// (Whitespace folding, "  a\n  b  " -> "a b": asp::fold_whitespace in <asp/core/strings.hpp>.)

}  // namespace asp
