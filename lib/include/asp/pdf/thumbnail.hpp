// Thumbnail strips: the first pages of a PDF rendered with Poppler and laid side by side in one
// JPEG of a fixed height (156 px, quality 80: the original arxiv-sanity look). Each page is
// scaled to the strip's height keeping its aspect, so the strip's width is the sum of the
// scaled page widths. No ghostscript, no subprocess: Poppler renders, GraphicsMagick composes
// and encodes.
//
// render_strip fails (with a reason) when no page can be rendered; the stage then writes
// placeholder_jpeg() instead. Run it in an isolated job for PDFs from the Internet.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <asp/core/result.hpp>

namespace asp {

struct StripOptions {
    int height = 156;
    int max_pages = 8;
    int quality = 80;
    // Pages are rendered this many times larger and scaled down (smoother text).
    int supersample = 2;
    // A page is never wider than this many times the strip height (absurd page boxes).
    int max_page_aspect = 4;
};

struct Strip {
    std::string jpeg;
    int width = 0;
    int height = 0;
    int pages = 0;  // pages in the strip
};

Result<Strip> render_strip(const std::filesystem::path& pdf, const StripOptions& options = {});

// A neutral page-shaped image of the strip's height: a light grey page with a frame.
std::string placeholder_jpeg(const StripOptions& options = {});

// A decoded picture in 8-bit grey, row-major (for checks and tests).
struct GreyPicture {
    std::string format;  // "JPEG", ...
    int width = 0;
    int height = 0;
    std::vector<unsigned char> pixels;
    unsigned char at(int x, int y) const { return pixels[static_cast<size_t>(y) * width + x]; }
};
// Decodes an encoded image; fails with GraphicsMagick's reason.
Result<GreyPicture> decode_grey(std::string_view encoded);

// The same in 8-bit R, G, B (three bytes a pixel, row-major).
struct RgbPicture {
    std::string format;
    int width = 0;
    int height = 0;
    std::vector<unsigned char> pixels;
    const unsigned char* at(int x, int y) const {
        return &pixels[(static_cast<size_t>(y) * width + x) * 3];
    }
};
Result<RgbPicture> decode_rgb(std::string_view encoded);

// Sets GraphicsMagick up once per process (one thread per process: parallelism comes from
// worker processes). Called by render_strip and placeholder_jpeg; call it before forking.
void init_graphics();

}  // namespace asp
