#include <asp/arxiv/atom.hpp>
#include <asp/core/strings.hpp>

#include <algorithm>
#include <random>
#include <sstream>

#include <asp/core/atomic_file.hpp>

#include "unit/catch_compat.hpp"
#include "unit/test_support.hpp"

using namespace asp;
namespace fs = std::filesystem;

namespace {

// An independent reading of the raw XML by plain string search (no XML library), to
// spot-check what the parser returns. Good enough for arXiv's regular output.
std::string decode_entities(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '&') {
            out += s[i];
            continue;
        }
        auto semi = s.find(';', i);
        std::string_view ent = s.substr(i + 1, semi - i - 1);
        if (ent == "amp") out += '&';
        else if (ent == "lt") out += '<';
        else if (ent == "gt") out += '>';
        else if (ent == "quot") out += '"';
        else if (ent == "apos") out += '\'';
        else if (!ent.empty() && ent[0] == '#') {
            unsigned long cp = ent[1] == 'x' ? std::stoul(std::string(ent.substr(2)), nullptr, 16)
                                             : std::stoul(std::string(ent.substr(1)));
            if (cp < 0x80) {
                out += static_cast<char>(cp);
            } else if (cp < 0x800) {
                out += static_cast<char>(0xC0 | (cp >> 6));
                out += static_cast<char>(0x80 | (cp & 0x3F));
            } else {
                out += static_cast<char>(0xE0 | (cp >> 12));
                out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
                out += static_cast<char>(0x80 | (cp & 0x3F));
            }
        }
        i = semi;
    }
    return out;
}

std::string words(std::string_view s) {
    std::istringstream in{std::string(s)};
    std::string w, out;
    while (in >> w) out += (out.empty() ? "" : " ") + w;
    return out;
}

// Text of the first element whose tag starts with `open` ("<title", "<arxiv:doi") in `xml`.
std::string element_text(std::string_view xml, std::string_view tag) {
    std::string open = "<" + std::string(tag);
    size_t pos = 0;
    while ((pos = xml.find(open, pos)) != std::string_view::npos) {
        char next = xml[pos + open.size()];
        if (next == '>' || next == ' ') break;
        pos += open.size();
    }
    if (pos == std::string_view::npos) return "";
    auto gt = xml.find('>', pos);
    if (xml[gt - 1] == '/') return "";
    auto close = xml.find("</" + std::string(tag) + ">", gt);
    return words(decode_entities(xml.substr(gt + 1, close - gt - 1)));
}

std::vector<std::string> all_attr(std::string_view xml, std::string_view tag,
                                  std::string_view attribute) {
    std::vector<std::string> out;
    std::string open = "<" + std::string(tag) + " ";
    for (size_t pos = xml.find(open); pos != std::string_view::npos; pos = xml.find(open, pos + 1)) {
        auto end = xml.find('>', pos);
        auto tagtext = xml.substr(pos, end - pos);
        auto a = tagtext.find(" " + std::string(attribute) + "=\"");
        if (a == std::string_view::npos) continue;
        a += attribute.size() + 3;
        out.push_back(decode_entities(tagtext.substr(a, tagtext.find('"', a) - a)));
    }
    return out;
}

std::vector<std::string> author_names(std::string_view entry) {
    std::vector<std::string> out;
    for (size_t pos = entry.find("<name>"); pos != std::string_view::npos;
         pos = entry.find("<name>", pos + 1))
        out.push_back(words(decode_entities(
            entry.substr(pos + 6, entry.find("</name>", pos) - pos - 6))));
    return out;
}

std::vector<std::string_view> raw_entries(std::string_view xml) {
    std::vector<std::string_view> out;
    for (size_t pos = xml.find("<entry>"); pos != std::string_view::npos;
         pos = xml.find("<entry>", pos + 1))
        out.push_back(xml.substr(pos, xml.find("</entry>", pos) - pos));
    return out;
}

std::vector<fs::path> xml_files(const fs::path& dir) {
    std::vector<fs::path> out;
    if (!fs::is_directory(dir)) return out;
    for (auto& e : fs::directory_iterator(dir))
        if (e.path().extension() == ".xml") out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

// The real responses: the corpus when present, else the committed fixtures.
std::vector<fs::path> atom_files(const std::string& sub) {
    auto corpus = test::corpus_dir();
    if (!corpus.empty()) return xml_files(corpus / sub);
    WARN("../shared/corpus is absent: using tests/fixtures/arxiv/" << sub << " only");
    return xml_files(test::fixtures_dir() / "arxiv" / sub);
}

}  // namespace

TEST_CASE("every entry of every real Atom response parses to the fields in the XML", "[arxiv][atom]") {
    auto files = atom_files("atom");
    REQUIRE(!files.empty());
    size_t checked = 0;
    for (const auto& file : files) {
        INFO(file.filename().string());
        std::string xml = read_file(file);
        auto parsed = parse_atom_page(xml);
        REQUIRE(parsed.ok());
        const AtomPage& page = *parsed.page;
        auto raw = raw_entries(xml);
        REQUIRE(page.entries.size() == raw.size());
        CHECK(page.skipped.empty());
        CHECK(page.total_results == std::stol(element_text(xml, "opensearch:totalResults")));
        CHECK(page.start_index == std::stol(element_text(xml, "opensearch:startIndex")));
        for (size_t i = 0; i < raw.size(); ++i) {
            const Paper& p = page.entries[i];
            auto e = raw[i];
            std::string id_url = element_text(e, "id");
            INFO(id_url);
            CHECK(id_url.substr(id_url.find("/abs/") + 5) == p.versioned_id());
            CHECK(p.title == element_text(e, "title"));
            CHECK(p.abstract == element_text(e, "summary"));
            CHECK(p.title.find('\n') == std::string::npos);
            CHECK(p.authors == author_names(e));
            CHECK(p.doi == element_text(e, "arxiv:doi"));
            CHECK(p.comment == element_text(e, "arxiv:comment"));
            CHECK(p.journal_ref == element_text(e, "arxiv:journal_ref"));
            auto primary = all_attr(e, "arxiv:primary_category", "term");
            REQUIRE(primary.size() == 1);
            CHECK(p.primary_category == primary[0]);
            REQUIRE(!p.categories.empty());
            CHECK(p.categories.front() == primary[0]);
            auto cats = all_attr(e, "category", "term");
            auto got = p.categories;
            std::sort(got.begin(), got.end());
            std::sort(cats.begin(), cats.end());
            cats.erase(std::unique(cats.begin(), cats.end()), cats.end());
            CHECK(got == cats);
            CHECK(p.links.size() == all_attr(e, "link", "href").size());
            CHECK(p.published.substr(0, 10) == element_text(e, "published").substr(0, 10));
            CHECK(p.updated.back() == 'Z');
            ++checked;
        }
    }
    CHECK(checked >= 1);
}

TEST_CASE("edge responses give an empty page or arXiv's error message", "[arxiv][atom]") {
    auto files = atom_files("atom-edge");
    REQUIRE(!files.empty());
    for (const auto& file : files) {
        INFO(file.filename().string());
        std::string xml = read_file(file);
        auto parsed = parse_atom_page(xml);
        if (xml.find("api/errors#") != std::string::npos) {
            REQUIRE(parsed.error);
            CHECK(parsed.error->kind == AtomErrorKind::ArxivError);
            CHECK_THAT(parsed.error->message,
                       Catch::Contains(element_text(raw_entries(xml).at(0), "summary")));
        } else {
            REQUIRE(parsed.ok());
            CHECK(parsed.page->entries.empty());
            CHECK(parsed.page->total_results == 0);
        }
    }
}

TEST_CASE("elements are matched by namespace URI, not by prefix", "[arxiv][atom]") {
    const char* xml = R"(<?xml version="1.0"?>
<a:feed xmlns:a="http://www.w3.org/2005/Atom" xmlns:os="http://a9.com/-/spec/opensearch/1.1/">
  <os:totalResults>7</os:totalResults>
  <a:entry xmlns:x="http://arxiv.org/schemas/atom" xmlns:arxiv="urn:not-arxiv">
    <a:id>http://arxiv.org/abs/cs/0112017v3</a:id>
    <a:title>  A  title
      on two lines </a:title>
    <a:summary>Text</a:summary>
    <a:category term="cs.LG"/><a:category term="cs.DC"/><a:category term="cs.LG"/>
    <x:primary_category term="cs.DC"/>
    <arxiv:doi>10.0/not-this-one</arxiv:doi>
    <x:doi>10.1/this-one</x:doi>
    <a:author><a:name>Ada
       Lovelace</a:name></a:author>
  </a:entry>
  <entry><id>http://arxiv.org/abs/2101.00001v1</id></entry>
</a:feed>)";
    auto parsed = parse_atom_page(xml);
    REQUIRE(parsed.ok());
    CHECK(parsed.page->total_results == 7);
    CHECK_FALSE(parsed.page->start_index);
    REQUIRE(parsed.page->entries.size() == 1);  // the un-namespaced <entry> is not Atom
    const Paper& p = parsed.page->entries[0];
    CHECK(p.id == "cs/0112017");
    CHECK(p.version == 3);
    CHECK(p.title == "A title on two lines");
    CHECK(p.doi == "10.1/this-one");
    CHECK(p.categories == std::vector<std::string>{"cs.DC", "cs.LG"});
    CHECK(p.authors == std::vector<std::string>{"Ada Lovelace"});
}

TEST_CASE("an HTML page or a non-arXiv id is reported, not taken for papers", "[arxiv][atom]") {
    auto html = parse_atom_page("<html><body><h1>Service Unavailable</h1></body></html>");
    REQUIRE(html.error);
    CHECK(html.error->kind == AtomErrorKind::NotAtom);
    auto bad_id = parse_atom_page(
        R"(<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>urn:x</id></entry></feed>)");
    REQUIRE(bad_id.ok());
    CHECK(bad_id.page->entries.empty());
    CHECK(bad_id.page->skipped.size() == 1);
    CHECK(parse_atom_page("").error);
}

TEST_CASE("truncated and corrupted responses never crash the parser", "[arxiv][atom]") {
    auto files = atom_files("atom");
    REQUIRE(!files.empty());
    std::mt19937 rng(20261127);
    for (const auto& file : files) {
        std::string xml = read_file(file);
        size_t full = raw_entries(xml).size();
        size_t step = std::max<size_t>(1, xml.size() / 60);
        size_t feed_end = xml.rfind("</feed>") + 7;
        for (size_t cut = 0; cut < feed_end; cut += step) {
            auto parsed = parse_atom_page(std::string_view(xml).substr(0, cut));
            // A cut document is never well-formed: it must be an error, not a short page.
            CHECK(parsed.error);
            CHECK(!parsed.ok());
        }
        for (int round = 0; round < 20; ++round) {
            std::string bad = xml;
            for (int k = 0; k < 8; ++k)
                bad[rng() % bad.size()] = "<>&\"'/\0x"[rng() % 8];
            auto parsed = parse_atom_page(bad);
            if (parsed.ok()) CHECK(parsed.page->entries.size() <= full);
        }
    }
}

TEST_CASE("whitespace is normalised as arXiv readers expect", "[arxiv][atom]") {
    // The parsers fold text with core's fold_whitespace (isspace's characters).
    CHECK(asp::fold_whitespace("  Quantum Criticality for\n  Extended Nodes ") ==
          "Quantum Criticality for Extended Nodes");
    CHECK(asp::fold_whitespace("\n\t ") == "");
    CHECK(asp::fold_whitespace("a") == "a");
}
