// The paper card (serve/html.hpp): author chips and the long-list expander, scores in words,
// the comment / journal reference / DOI line, the BibTeX link, TeX left as text for KaTeX.
#include "serve/html.hpp"

#include "unit/catch_compat.hpp"

using namespace asp::serve;

namespace {

std::string card(const ListItem& item) {
    std::string out;
    html::paper_card(out, item, false, false, false, "", "/");
    return out;
}

size_t count(const std::string& hay, const std::string& needle) {
    size_t n = 0;
    for (size_t at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1)) ++n;
    return n;
}

}  // namespace

TEST_CASE("a card links authors and categories to their searches", "[serve]") {
    std::string authors = "Ada Lovelace\nEve \"Q\" O'Hara", cats = "cs.DC\nhep-th";
    ListItem item;
    item.paper.id = "2101.00001";
    item.paper.title = "On $D^+\\to K^-$ decays";
    item.paper.authors = NameList(authors);
    item.paper.categories = NameList(cats);
    auto html = card(item);
    CHECK(html.find("href=\"/search?q=au%3A%22Ada%20Lovelace%22\"") != std::string::npos);
    CHECK(html.find("href=\"/search?q=au%3A%22Eve%20%20Q%20%20O%27Hara%22\"") != std::string::npos);
    CHECK(html.find("href=\"/search?q=cat%3Ahep-th\"") != std::string::npos);
    CHECK(html.find("href=\"/bibtex/2101.00001\"") != std::string::npos);
    CHECK(html.find("class=\"tex\">On $D^+\\to K^-$ decays") != std::string::npos);
    CHECK(html.find("more-authors") == std::string::npos);
    CHECK(html.find("class=\"extra\"") == std::string::npos);
}

TEST_CASE("more than ten authors: ten shown, the rest behind an expander", "[serve]") {
    for (int n : {10, 11, 300}) {
        std::string names;
        for (int i = 0; i < n; ++i) names += (i ? "\n" : "") + std::string("Author") + std::to_string(i);
        ListItem item;
        item.paper.id = "2101.00001";
        item.paper.authors = NameList(names);
        auto html = card(item);
        CHECK(count(html, "au%3A%22Author") == static_cast<size_t>(n));  // every name is there
        if (n <= 10) {
            CHECK(html.find("<details") == std::string::npos);
        } else {
            auto at = html.find("<details class=\"more-authors\"><summary>and " + std::to_string(n - 10) + " more");
            REQUIRE(at != std::string::npos);
            CHECK(html.find("Author9<") < at);
            CHECK(html.find("Author10<") > at);
        }
    }
}

TEST_CASE("scores are said in words; comment, journal and DOI are shown", "[serve]") {
    ListItem item;
    item.paper.id = "2101.00001";
    item.score = 3;
    item.score_kind = ScoreKind::Saves;
    CHECK(card(item).find("saved by 3 libraries") != std::string::npos);
    item.score = 1;
    CHECK(card(item).find("saved by 1 library<") != std::string::npos);
    item.score = -0.373;
    item.score_kind = ScoreKind::Match;
    auto rec = card(item);
    CHECK(rec.find("fair match") != std::string::npos);
    CHECK(rec.find("0.373") == std::string::npos);
    item.score_kind = ScoreKind::Relevance;
    CHECK(card(item).find("class=\"score") == std::string::npos);
    item.comment = "12 pages, <b>";
    item.journal_ref = "Phys. Rev. D 76 (2007)";
    item.doi = "10.1103/PhysRevD.76.013009";
    auto html = card(item);
    CHECK(html.find("Comments: 12 pages, &lt;b&gt;") != std::string::npos);
    CHECK(html.find("Journal ref: Phys. Rev. D 76 (2007)") != std::string::npos);
    CHECK(html.find("href=\"https://doi.org/10.1103/PhysRevD.76.013009\"") != std::string::npos);
}
