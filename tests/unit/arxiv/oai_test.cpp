#include <asp/arxiv/oai.hpp>

#include <fstream>
#include <sstream>

#include "unit/catch_compat.hpp"
#include "unit/test_support.hpp"

using namespace asp;

namespace {

std::string read(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string fixture() { return read(test::fixtures_dir() / "arxiv" / "oai" / "arxivraw_listrecords.xml"); }

const OaiRecord& find(const OaiPage& page, const std::string& id) {
    for (const auto& r : page.records)
        if (r.id == id) return r;
    FAIL("no record " << id);
    throw;
}

}  // namespace

TEST_CASE("arXivRaw records parse into the API's fields, newest version kept", "[arxiv][oai]") {
    auto parsed = parse_oai_page(fixture());
    REQUIRE(parsed.ok());
    const OaiPage& page = *parsed.page;
    CHECK(page.records.size() == 10);
    CHECK(page.skipped.empty());
    CHECK_FALSE(page.resumption_token);

    const Paper& p = *find(page, "0704.0001").paper;
    CHECK(p.version == 2);
    CHECK(p.published == "2007-04-02T19:18:42Z");
    CHECK(p.updated == "2007-07-24T20:10:27Z");
    CHECK(p.title == "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies");
    CHECK(p.authors == std::vector<std::string>{"C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C.-P. Yuan"});
    CHECK(p.categories == std::vector<std::string>{"hep-ph"});
    CHECK(p.primary_category == "hep-ph");
    CHECK(p.comment == "37 pages, 15 figures; published version");
    CHECK(p.journal_ref == "Phys.Rev.D76:013009,2007");
    CHECK(p.doi == "10.1103/PhysRevD.76.013009");
    CHECK(p.abstract.rfind("A fully differential calculation in perturbative quantum", 0) == 0);
    REQUIRE(p.links.size() == 3);
    CHECK(p.links[0].href == "https://arxiv.org/abs/0704.0001v2");
    CHECK(p.links[1].href == "https://arxiv.org/pdf/0704.0001v2");
    CHECK(p.links[2].href == "https://doi.org/10.1103/PhysRevD.76.013009");
    CHECK(find(page, "0704.0001").datestamp == "2007-07-24");
    CHECK(find(page, "0704.0001").sets == std::vector<std::string>{"physics:hep-ph"});

    CHECK(find(page, "0704.0027").paper->version == 4);
    CHECK(find(page, "0704.0002").paper->categories == std::vector<std::string>{"math.CO", "cs.CG"});
    CHECK(find(page, "0704.0002").paper->authors ==
          std::vector<std::string>{"Ileana Streinu", "Louis Theran"});
    CHECK(find(page, "0704.0025").paper->authors ==
          std::vector<std::string>{"A. S. Mishchenko", "N. Nagaosa"});
    CHECK(find(page, "0704.0032").paper->authors ==
          std::vector<std::string>{"A. Esteban-Pretel", "R. Tomàs", "J. W. F. Valle"});
    CHECK(find(page, "0704.0049").paper->authors == std::vector<std::string>{"Mikkel Øbro"});

    const OaiRecord& old_style = find(page, "cs/0012007");
    CHECK(old_style.paper->id == "cs/0012007");
    CHECK(old_style.sets == std::vector<std::string>{"cs"});

    const OaiRecord& gone = find(page, "0704.0034");
    CHECK(gone.deleted);
    CHECK_FALSE(gone.paper);
    CHECK(gone.datestamp == "2007-05-24");
}

TEST_CASE("resumption tokens: a next page, an empty token ends the list", "[arxiv][oai]") {
    const std::string head =
        "<OAI-PMH xmlns=\"http://www.openarchives.org/OAI/2.0/\"><ListRecords>";
    auto more = parse_oai_page(head + "<resumptionToken cursor=\"0\" completeListSize=\"2500\">"
                                      "6960524|1001</resumptionToken></ListRecords></OAI-PMH>");
    REQUIRE(more.ok());
    CHECK(more.page->resumption_token == std::optional<std::string>("6960524|1001"));
    CHECK(more.page->complete_list_size == 2500);
    CHECK(more.page->cursor == 0);
    auto last = parse_oai_page(head + "<resumptionToken cursor=\"2000\" completeListSize=\"2500\"/>"
                                      "</ListRecords></OAI-PMH>");
    REQUIRE(last.ok());
    CHECK_FALSE(last.page->resumption_token);
}

TEST_CASE("OAI errors, malformed XML and other documents are told apart", "[arxiv][oai]") {
    auto err = [](const std::string& code) {
        return parse_oai_page("<?xml version=\"1.0\"?><OAI-PMH xmlns=\"http://www.openarchives.org/OAI/2.0/\">"
                              "<error code=\"" + code + "\">why</error></OAI-PMH>");
    };
    CHECK(err("noRecordsMatch").error->kind == OaiErrorKind::NoRecordsMatch);
    CHECK(err("badResumptionToken").error->kind == OaiErrorKind::BadResumptionToken);
    CHECK(err("badArgument").error->kind == OaiErrorKind::Other);
    CHECK(err("badArgument").error->message == "OAI-PMH error badArgument: why");

    std::string xml = fixture();
    auto cut = parse_oai_page(xml.substr(0, xml.size() / 2));
    REQUIRE(cut.error);
    CHECK(cut.error->kind == OaiErrorKind::NotOai);
    auto html = parse_oai_page("<html><body>503 Service Unavailable</body></html>");
    REQUIRE(html.error);
    CHECK(html.error->kind == OaiErrorKind::NotOai);
    CHECK(html.error->message.find("<html>") != std::string::npos);
}

TEST_CASE("arXiv's real OAI error answers (committed copies of corpus oai-edge) are errors, not empty pages",
          "[arxiv][oai]") {
    const auto real = test::fixtures_dir() / "arxiv";  // copies of ../shared/corpus/oai*
    int n = 0;
    for (const auto& f : std::filesystem::directory_iterator(real / "oai-edge")) {
        auto parsed = parse_oai_page(read(f.path()));
        INFO(f.path());
        REQUIRE(parsed.error);
        CHECK(parsed.error->kind == OaiErrorKind::Other);
        CHECK_FALSE(parsed.error->code.empty());
        ++n;
    }
    CHECK(n == 3);
}

TEST_CASE("a response in another metadata format is skipped record by record, with the reason",
          "[arxiv][oai]") {
    const auto real = test::fixtures_dir() / "arxiv";  // copies of ../shared/corpus/oai*
    auto parsed = parse_oai_page(read(real / "oai" / "hepcrawl_records_arxiv-physics-hep-th.xml"));
    REQUIRE(parsed.ok());
    CHECK(parsed.page->records.empty());
    REQUIRE(parsed.page->skipped.size() == 3);
    CHECK(parsed.page->skipped[0].find("no arXivRaw metadata") != std::string::npos);
    auto corpus = test::corpus_dir();
    if (corpus.empty()) return;  // the 1.9 MB oai_dc page is only in ../shared/corpus
    auto dc = parse_oai_page(read(corpus / "oai" / "scrapi_arxiv_oai_dc_ListRecords_2014-12-24.xml"));
    REQUIRE(dc.ok());
    CHECK(dc.page->records.empty());
    CHECK(dc.page->skipped.size() == 897);
    CHECK_FALSE(dc.page->resumption_token);  // one complete page
}

TEST_CASE("author lists: separators, affiliations, TeX accents", "[arxiv][oai]") {
    using V = std::vector<std::string>;
    CHECK(split_arxiv_authors("A. Smith, B. Jones and C. Brown") == V{"A. Smith", "B. Jones", "C. Brown"});
    CHECK(split_arxiv_authors("A. A. Serga, M. Kostylev, and B. Hillebrands") ==
          V{"A. A. Serga", "M. Kostylev", "B. Hillebrands"});
    CHECK(split_arxiv_authors("X (MIT and CMU), Y\n  (Oxford)") == V{"X", "Y"});
    CHECK(split_arxiv_authors("Anders Andersen and Sandra Brandt") == V{"Anders Andersen", "Sandra Brandt"});
    CHECK(tex_accents_to_utf8("P\\'eter Frenkel") == "Péter Frenkel");
    CHECK(tex_accents_to_utf8("G\\\"{o}del, \\v{C}ech, {\\o}, \\ss, \\c c, \\'{\\i}") == "Gödel, Čech, ø, ß, ç, í");
    CHECK(tex_accents_to_utf8("\\unknown{x}") == "\\unknownx");
}

TEST_CASE("RFC 2822 version dates become ISO 8601 UTC", "[arxiv][oai]") {
    CHECK(rfc2822_to_iso8601("Mon, 2 Apr 2007 19:18:42 GMT") == std::optional<std::string>("2007-04-02T19:18:42Z"));
    CHECK(rfc2822_to_iso8601("Tue, 24 Jul 2007 20:10:27 +0200") == std::optional<std::string>("2007-07-24T18:10:27Z"));
    CHECK_FALSE(rfc2822_to_iso8601("yesterday"));
    CHECK_FALSE(rfc2822_to_iso8601("Mon, 2 Foo 2007 19:18:42 GMT"));
}

TEST_CASE("OAI sets of categories", "[arxiv][oai]") {
    CHECK(oai_set_for_category("cs.DC") == "cs");
    CHECK(oai_set_for_category("math.GT") == "math");
    CHECK(oai_set_for_category("hep-th") == "physics:hep-th");
    CHECK(oai_set_for_category("cond-mat.str-el") == "physics:cond-mat");
    CHECK(oai_set_for_category("physics.optics") == "physics:physics");
    CHECK(oai_set_for_category("solv-int") == "physics:nlin");
    CHECK(oai_set_for_category("q-bio.PE") == "q-bio");
    CHECK(category_matches("cs", "cs.DC"));
    CHECK(category_matches("cs.DC", "cs.DC"));
    CHECK_FALSE(category_matches("cs.D", "cs.DC"));
    CHECK_FALSE(category_matches("cs", "cs-foo"));
    CHECK(category_matches("cond-mat", "cond-mat.str-el"));
}
