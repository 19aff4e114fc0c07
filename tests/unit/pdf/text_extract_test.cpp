#include <asp/pdf/text_extract.hpp>

#include <asp/core/atomic_file.hpp>
#include <asp/pdf/minimal_pdf.hpp>
#include <asp/pdf/pdf_check.hpp>

#include "unit/catch_compat.hpp"
#include "unit/test_support.hpp"

using namespace asp;

TEST_CASE("text of a PDF: each page followed by a form feed", "[pdf]") {
    test::TempDir dir;
    auto pdf = dir / "two.pdf";
    write_file_atomic(pdf, make_minimal_pdf({"Hello first page", "Second page here"}));
    auto text = extract_text(pdf);
    REQUIRE(text.ok());
    CHECK(text->pages == 2);
    CHECK(text->rebuilt_pages == 0);
    // What pdftotext prints for this file: each block ends with a blank line.
    CHECK(text->text == "Hello first page\n\n\fSecond page here\n\n\f");
}

TEST_CASE("max_pages bounds the pages read", "[pdf]") {
    test::TempDir dir;
    auto pdf = dir / "three.pdf";
    write_file_atomic(pdf, make_minimal_pdf({"one", "two", "three"}));
    TextOptions opt;
    opt.max_pages = 2;
    auto text = extract_text(pdf, opt);
    REQUIRE(text.ok());
    CHECK(text->pages == 2);
    CHECK(text->text.find("three") == std::string::npos);
}

TEST_CASE("a file that is not a PDF fails with a reason", "[pdf]") {
    test::TempDir dir;
    auto bogus = dir / "bogus.pdf";
    write_file_atomic(bogus, "<!DOCTYPE html><html><body>PDF unavailable</body></html>\n");
    auto text = extract_text(bogus);
    REQUIRE_FALSE(text.ok());
    CHECK_THAT(text.error().message, Catch::Contains("PDF"));
    CHECK_FALSE(extract_text(dir / "missing.pdf").ok());
}

TEST_CASE("has_words tells text from whitespace and form feeds", "[pdf]") {
    CHECK_FALSE(has_words(""));
    CHECK_FALSE(has_words("\f\f \n\f"));
    CHECK(has_words("\fa\f"));
    CHECK(has_words("\xce\xb1"));  // a Greek alpha
}

TEST_CASE("the PDF envelope check catches HTML and empty files, not trailing bytes", "[pdf]") {
    std::string pdf = make_minimal_pdf({"x"});
    CHECK(check_pdf_envelope(pdf.substr(0, 1024)).ok());
    CHECK_FALSE(check_pdf_envelope("").ok());
    auto html = check_pdf_envelope("<html>error</html>");
    REQUIRE_FALSE(html.ok());
    CHECK_THAT(html.error().message, Catch::Contains("not a PDF"));
}

TEST_CASE("pdf_page_count opens with Poppler", "[pdf]") {
    test::TempDir dir;
    write_file_atomic(dir / "a.pdf", make_minimal_pdf({"a", "b", "c"}));
    auto n = pdf_page_count(dir / "a.pdf");
    REQUIRE(n.ok());
    CHECK(*n == 3);
    write_file_atomic(dir / "b.pdf", "%PDF-1.4\ngarbage\n%%EOF\n");
    CHECK_FALSE(pdf_page_count(dir / "b.pdf").ok());
}

// Fixtures: tests/fixtures/pdf (README.md says how each was made).
TEST_CASE("an encrypted PDF is a failure naming the password", "[pdf]") {
    // RC4 128-bit (R3, like the real encrypted paper of the shared corpus) and AES-256 (R6),
    // both made by qpdf from plain.pdf with a user password.
    for (const char* name : {"encrypted-rc4-128.pdf", "encrypted-aes-256.pdf"}) {
        INFO(name);
        auto pdf = test::fixtures_dir() / "pdf" / name;
        REQUIRE(std::filesystem::is_regular_file(pdf));
        auto text = extract_text(pdf);
        REQUIRE_FALSE(text.ok());
        CHECK_THAT(text.error().message, Catch::Contains("encrypted"));
        CHECK_THAT(text.error().message, Catch::Contains("password"));
        // Still a complete PDF for download's check.
        CHECK(pdf_page_count(pdf).ok());
    }
    auto plain = extract_text(test::fixtures_dir() / "pdf" / "plain.pdf");
    REQUIRE(plain.ok());
    CHECK_THAT(plain->text, Catch::Contains("readable once the password"));
}

TEST_CASE("regression: a page whose text holds a NUL glyph keeps the text after it", "[pdf]") {
    // Poppler's cpp page::text() stops at the first NUL. A real paper had such glyphs on
    // pages 6-8 (matplotlib's Type 3 glyph names /uni0000XXXX read as U+0000 U+XXXX);
    // nul-glyph.pdf has one in the middle of a line of page 2, text after it.
    auto text = extract_text(test::fixtures_dir() / "pdf" / "nul-glyph.pdf");
    REQUIRE(text.ok());
    CHECK(text->pages == 2);
    CHECK(text->rebuilt_pages == 1);
    CHECK_THAT(text->text, Catch::Contains("Results before the glyph"));
    CHECK_THAT(text->text, Catch::Contains("and after it"));
    CHECK_THAT(text->text, Catch::Contains("Table 2: Longitudinal"));
    CHECK_THAT(text->text, Catch::Contains("The last line of the page."));
    CHECK(text->text.find('\0') == std::string::npos);
}
