#include <asp/pdf/thumbnail.hpp>

#include <cmath>

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
