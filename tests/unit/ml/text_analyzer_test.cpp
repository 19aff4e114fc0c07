// TextAnalyzer must cut terms exactly as scikit-learn's TfidfVectorizer(strip_accents='unicode',
// lowercase=True, stop_words='english', token_pattern=r'\b[a-zA-Z_][a-zA-Z0-9_]+\b',
// ngram_range=(1, 2)) analyzer does; the expected lists are what scikit-learn 1.2.1's
// build_analyzer() returns for the same strings.
#include <asp/ml/text_analyzer.hpp>

#include "unit/catch_compat.hpp"

using asp::ml::AnalyzerParams;
using asp::ml::TextAnalyzer;

namespace {

std::vector<std::string> terms(const TextAnalyzer& a, std::string_view doc) {
    std::vector<std::string> out;
    TextAnalyzer::Scratch s;
    a.for_each_term(doc, s, [&](std::string_view t) { out.emplace_back(t); });
    return out;
}

}  // namespace

TEST_CASE("analyzer: stop words go before bigrams are formed", "[ml]") {
    TextAnalyzer a{AnalyzerParams{}};
    CHECK(terms(a, "Neural networks for the graph. A b cd") ==
          std::vector<std::string>{"neural", "networks", "graph", "cd", "neural networks",
                                   "networks graph", "graph cd"});
}

TEST_CASE("analyzer: Unicode lowercasing, NFKD and Python's word boundaries", "[ml]") {
    TextAnalyzer a{AnalyzerParams{}};
    // ligature fi, accents, a Greek letter before '-', a leading digit, underscores,
    // a black-letter capital that NFKD turns into an uppercase ASCII letter after lowercasing,
    // a math bold letter (outside the BMP), and letters NFKD does not decompose (ß, ł).
    CHECK(a.tokens("The \xEF\xAC\x81nite \xC3\x89lan na\xC3\xAFve \xCE\xB1-helix x2 2x __init__ "
                   "\xE2\x84\x8Cilbert caf\xC3\xA9-au-lait \xF0\x9D\x90\xB1vec Stra\xC3\x9F"
                   "e \xC5\x81\xC3\x93" "D\xC5\xB9") ==
          std::vector<std::string>{"finite", "elan", "naive", "helix", "x2", "__init__",
                                   "Hilbert", "cafe", "au", "lait", "xvec"});
    // combining marks already in the text; dotted capital I; a titlecase digraph; a Roman
    // numeral; fullwidth letters ("full" is a stop word).
    CHECK(a.tokens("u\xCC\x88" "ber\xCC\x81 resume\xCC\x81") ==
          std::vector<std::string>{"uber", "resume"});
    CHECK(a.tokens("\xC4\xB0stanbul \xC7\x85" "emal \xE2\x85\xA3X \xEF\xBD\x86\xEF\xBD\x95\xEF\xBD\x8C\xEF\xBD\x8C") ==
          std::vector<std::string>{"istanbul", "dzemal", "ivx"});
}

TEST_CASE("analyzer: accents kept make the whole run a non-token", "[ml]") {
    AnalyzerParams p;
    p.strip_accents = asp::ml::AccentStripping::None;
    p.english_stop_words = false;
    TextAnalyzer a{p};
    CHECK(a.tokens("na\xC3\xAFve plain") == std::vector<std::string>{"plain"});
    p.token_pattern = asp::ml::TokenPattern::WordChars;
    TextAnalyzer w{p};
    CHECK(w.tokens("na\xC3\xAFve 2x a") == std::vector<std::string>{"na\xC3\xAFve", "2x"});
}

TEST_CASE("analyzer: invalid UTF-8 separates words instead of failing", "[ml]") {
    TextAnalyzer a{AnalyzerParams{}};
    CHECK(a.tokens("graph\xFFnetwork \xE2\x82") == std::vector<std::string>{"graph", "network"});
}
