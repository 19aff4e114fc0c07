#include <asp/pdf/thumbnail.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include <asp/core/atomic_file.hpp>
#include <asp/pdf/minimal_pdf.hpp>

#include "unit/catch_compat.hpp"
#include "unit/test_support.hpp"

using namespace asp;

namespace {

GreyPicture decode(const std::string& jpeg) {
    auto pic = decode_grey(jpeg);
    REQUIRE(pic.ok());
    return *pic;
}

}  // namespace

TEST_CASE("a strip lays the first pages side by side at the strip height", "[pdf][thumb]") {
    test::TempDir dir;
    // Two letter pages and one landscape page.
    write_file_atomic(dir / "a.pdf", make_minimal_pdf({"one", "two"}));
    auto strip = render_strip(dir / "a.pdf");
    REQUIRE(strip.ok());
    const int letter_w = static_cast<int>(std::lround(156 * 612.0 / 792.0));  // 121
    CHECK(strip->pages == 2);
    CHECK(strip->height == 156);
    CHECK(strip->width == 2 * letter_w);
    auto img = decode(strip->jpeg);
    CHECK(img.format == "JPEG");
    CHECK(img.height == 156);
    CHECK(img.width == 2 * letter_w);
    // White paper with dark text: a corner is white, and some pixel is dark.
    CHECK(img.at(2, 150) > 230);
    bool dark = false;
    for (unsigned char p : img.pixels) dark = dark || p < 180;  // 24 pt text is ~5 px high
    CHECK(dark);
}

TEST_CASE("a strip holds at most max_pages pages; wide pages keep their aspect", "[pdf][thumb]") {
    test::TempDir dir;
    write_file_atomic(dir / "ten.pdf",
                      make_minimal_pdf({"1", "2", "3", "4", "5", "6", "7", "8", "9", "10"}));
    auto strip = render_strip(dir / "ten.pdf");
    REQUIRE(strip.ok());
    CHECK(strip->pages == 8);
    CHECK(strip->width == 8 * 121);

    write_file_atomic(dir / "wide.pdf", make_minimal_pdf({"wide"}, 792, 612));
    auto wide = render_strip(dir / "wide.pdf");
    REQUIRE(wide.ok());
    CHECK(wide->width == static_cast<int>(std::lround(156 * 792.0 / 612.0)));
}

TEST_CASE("render_strip fails with a reason for a non-PDF; the placeholder is a JPEG", "[pdf][thumb]") {
    test::TempDir dir;
    write_file_atomic(dir / "x.pdf", "plain text, not a PDF\n");
    auto strip = render_strip(dir / "x.pdf");
    REQUIRE_FALSE(strip.ok());
    CHECK_FALSE(strip.error().message.empty());
    auto img = decode(placeholder_jpeg());
    CHECK(img.format == "JPEG");
    CHECK(img.height == 156);
    CHECK(img.width == 121);
}

namespace {

// One US Letter page with a line of text and, when `annotations` is not empty, those
// annotation dictionaries in its /Annots (objects 6, 7, ...).
std::string letter_page_pdf(const std::vector<std::string>& annotations, const std::string& page_extra = "") {
    std::string content = "BT /F1 24 Tf 72 740 Td (annotations) Tj ET";
    std::string annots;
    for (size_t i = 0; i < annotations.size(); ++i) annots += std::to_string(6 + i) + " 0 R ";
    std::vector<std::string> objects = {
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
        "/Contents 5 0 R" + (annots.empty() ? "" : " /Annots [" + annots + "]") + page_extra + " >>",
        "<< /Length " + std::to_string(content.size()) + " >>\nstream\n" + content + "\nendstream",
    };
    for (const auto& a : annotations) objects.push_back(a);
    return assemble_pdf(objects);
}

// A rectangle in PDF points (origin bottom left) on a US Letter page.
struct PtRect {
    double x0, y0, x1, y1;
};

// The largest grey-level difference between two strips of one letter page over `r` (and 3 px
// around it: a border is drawn on the rectangle's edge).
int max_difference(const GreyPicture& a, const GreyPicture& b, PtRect r) {
    REQUIRE(a.width == b.width);
    REQUIRE(a.height == b.height);
    const double sx = a.width / 612.0, sy = a.height / 792.0;
    const int x0 = std::max(0, static_cast<int>(r.x0 * sx) - 3);
    const int x1 = std::min(a.width - 1, static_cast<int>(r.x1 * sx) + 3);
    const int y0 = std::max(0, static_cast<int>((792 - r.y1) * sy) - 3);
    const int y1 = std::min(a.height - 1, static_cast<int>((792 - r.y0) * sy) + 3);
    int worst = 0;
    for (int y = y0; y <= y1; ++y)
        for (int x = x0; x <= x1; ++x) worst = std::max(worst, std::abs(a.at(x, y) - b.at(x, y)));
    return worst;
}

std::string rect_string(PtRect r) {
    return "[" + std::to_string(r.x0) + " " + std::to_string(r.y0) + " " + std::to_string(r.x1) + " " +
           std::to_string(r.y1) + "]";
}

}  // namespace

// Regression: thumbnails showed the red boxes hyperref puts around links (Poppler's cpp
// renderer draws every annotation); strips now show the page as it prints.
TEST_CASE("a strip shows the page as printed: no link borders, print-flagged markup kept",
          "[pdf][thumb]") {
    const PtRect link{72, 420, 540, 700}, printed{72, 80, 290, 300}, screen_only{322, 80, 540, 300};
    // A Link with a thick red border (hyperref's look, thicker so a drawn border cannot hide in
    // the scaling), a Square flagged for print (blue) and a Square without the Print flag (green).
    const std::vector<std::string> annots = {
        "<< /Type /Annot /Subtype /Link /Rect " + rect_string(link) +
            " /Border [0 0 8] /C [1 0 0] /A << /S /URI /URI (http://example.org/) >> >>",
        "<< /Type /Annot /Subtype /Square /Rect " + rect_string(printed) +
            " /F 4 /C [0 0 1] /BS << /W 8 >> >>",
        "<< /Type /Annot /Subtype /Square /Rect " + rect_string(screen_only) +
            " /F 0 /C [0 1 0] /BS << /W 8 >> >>",
    };
    test::TempDir dir;
    write_file_atomic(dir / "plain.pdf", letter_page_pdf({}));
    write_file_atomic(dir / "annotated.pdf", letter_page_pdf(annots));
    auto plain = render_strip(dir / "plain.pdf");
    auto annotated = render_strip(dir / "annotated.pdf");
    REQUIRE(plain.ok());
    REQUIRE(annotated.ok());
    auto a = decode(annotated->jpeg), p = decode(plain->jpeg);

    // JPEG noise near the text stays well under 40 grey levels; a drawn 8 pt border (1.6 px
    // at this size) darkens its pixels by 100 or more.
    CHECK(max_difference(a, p, link) < 40);
    CHECK(max_difference(a, p, screen_only) < 40);
    CHECK(max_difference(a, p, printed) > 100);

    // No reddish pixel anywhere in the colour picture either.
    auto rgb = decode_rgb(annotated->jpeg);
    REQUIRE(rgb.ok());
    int reddish = 0;
    for (int y = 0; y < rgb->height; ++y)
        for (int x = 0; x < rgb->width; ++x) {
            const unsigned char* px = rgb->at(x, y);
            reddish += px[0] - std::max(px[1], px[2]) > 40;
        }
    CHECK(reddish == 0);
}

TEST_CASE("a page's /Rotate turns it in the strip", "[pdf][thumb]") {
    test::TempDir dir;
    write_file_atomic(dir / "turned.pdf", letter_page_pdf({}, " /Rotate 90"));
    auto strip = render_strip(dir / "turned.pdf");
    REQUIRE(strip.ok());
    CHECK(strip->width == static_cast<int>(std::lround(156 * 792.0 / 612.0)));
    // The text line at the top of the page runs down the strip's right edge once turned.
    auto img = decode(strip->jpeg);
    int dark_right = 0, dark_left = 0;
    for (int y = 0; y < img.height; ++y)
        for (int x = 0; x < img.width; ++x)
            if (img.at(x, y) < 160) ++(x > img.width * 3 / 4 ? dark_right : dark_left);
    CHECK(dark_right > 0);
    CHECK(dark_left == 0);
}

// A paper made with hyperref's defaults has a 1 pt box around every link: red (internal
// links), green (citations), cyan (URLs, arXiv's id stamp). pdftoppm draws them (~800 pixels
// of each colour per page of tests/fixtures/pdf/hyperref-links.pdf at this size);
// pdftoppm -hide-annotations draws none, and neither may the strip.
TEST_CASE("a hyperref-style paper's strip has no link boxes", "[pdf][thumb]") {
    auto strip = render_strip(test::fixtures_dir() / "pdf" / "hyperref-links.pdf");
    REQUIRE(strip.ok());
    CHECK(strip->pages == 2);
    auto rgb = decode_rgb(strip->jpeg);
    REQUIRE(rgb.ok());
    // The paper's own ink is black: any colour is a drawn box.
    int reddish = 0, greenish = 0, cyanish = 0;
    for (int y = 0; y < rgb->height; ++y)
        for (int x = 0; x < rgb->width; ++x) {
            const unsigned char* px = rgb->at(x, y);
            reddish += px[0] - std::max(px[1], px[2]) > 40;
            greenish += px[1] - std::max(px[0], px[2]) > 40;
            cyanish += std::min(px[1], px[2]) - px[0] > 15;
        }
    CHECK(reddish <= 3);
    CHECK(greenish <= 3);
    CHECK(cyanish <= 3);
}
