// Field search in arXiv's own syntax (docs/tools/serve.md, "Search"): `au:`, `ti:`, `abs:`,
// `cat:`, `id:`, `all:`, "quoted phrases", AND / OR / ANDNOT (default AND) and parentheses.
// Field terms are matched exactly against the catalog (authors, titles, categories, ids in
// memory; abstracts read from papers.db only when `abs:` is asked), so their recall is exact;
// free words (and `all:`) go through analyze's search index and give the ranking.
//
// Failures are values: a query that cannot be read (an unknown field, an unbalanced quote or
// parenthesis, an operator with nothing on one side) gives a SearchError with the reason.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <asp/serve/catalog.hpp>

namespace asp::serve {

struct SearchFilter {
    int64_t published_since = 0;  // unix seconds; 0: any time
    bool only_v1 = false;
};

struct SearchHit {
    uint32_t position;  // in the catalog
    double score;       // the free words' weight (0 for a field-only query)
};

struct SearchOutcome {
    std::vector<SearchHit> hits;  // every match, best first (field-only: newest first)
    bool ranked = false;          // free words ranked the hits
};

struct SearchError {
    std::string message;
};

// Runs `query` over the catalog and the analysis. A query with free words and no index
// matches nothing from those words (the caller says "run analyze").
std::variant<SearchOutcome, SearchError> run_search(const Catalog& catalog,
                                                    const Analysis& analysis,
                                                    std::string_view query, SearchFilter filter);

// The words a field term matches on: ASCII lowercased, split at every byte that is not a
// letter or digit (non-ASCII bytes count as letters). Exposed for the unit tests.
std::vector<std::string> field_words(std::string_view text);

// True when `text` names an arXiv category ("cs.LG", "math.AG") or an archive ("hep-th",
// "astro-ph", "cs"), case-insensitively.
bool is_category_name(std::string_view text);

}  // namespace asp::serve
