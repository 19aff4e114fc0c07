#include <asp/pdf/thumbnail.hpp>

#include <algorithm>
#include <cmath>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <Magick++.h>

#include "pdf/print_render.hpp"

namespace asp {
namespace {

// cairo's ARGB32 is native-endian 0xAARRGGBB: B, G, R, A in memory on little-endian machines,
// with rows possibly padded: copy row by row into a tight buffer.
Magick::Image to_magick(const pdf_detail::PagePixels& px) {
    const size_t row = static_cast<size_t>(px.width) * 4;
    std::vector<unsigned char> tight(row * static_cast<size_t>(px.height));
    for (int y = 0; y < px.height; ++y)
        std::copy_n(px.data + static_cast<size_t>(y) * static_cast<size_t>(px.stride), row,
                    tight.data() + static_cast<size_t>(y) * row);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const char* map = "BGRA";
#else
    const char* map = "ARGB";
#endif
    Magick::Image out(static_cast<unsigned>(px.width), static_cast<unsigned>(px.height), map,
                      Magick::CharPixel, tight.data());
    out.matte(false);  // the paper is opaque white
    return out;
}

}  // namespace

void init_graphics() {
    static std::once_flag once;
    std::call_once(once, [] {
        Magick::InitializeMagick(nullptr);
        MagickLib::SetMagickResourceLimit(MagickLib::ThreadsResource, 1);
    });
}

Result<Strip> render_strip(const std::filesystem::path& pdf, const StripOptions& opt) {
    init_graphics();
    auto doc = pdf_detail::PrintDocument::open(pdf);
    if (!doc) return doc.error();

    const int pages = std::min(doc->pages(), opt.max_pages);
    const double target_h = opt.height * std::max(1, opt.supersample);
    const double max_w = target_h * opt.max_page_aspect;
    std::vector<Magick::Image> rendered;
    std::string last_problem;
    for (int i = 0; i < pages; ++i) {
        const std::string which = "page " + std::to_string(i + 1) + " ";
        auto page = doc->page(i);
        if (!page) {
            last_problem = which + page.error().message;
            continue;
        }
        const pdf_detail::PageSize size = page->size();
        if (!(size.width >= 1 && size.height >= 1)) {
            last_problem = which + "has an empty page box";
            continue;
        }
        // The page at target_h pixels high, unless that makes it wider than max_w.
        const double scale = std::min(target_h / size.height, max_w / size.width);
        const auto w = static_cast<int>(std::clamp(std::lround(size.width * scale), 1L, std::lround(max_w)));
        const auto h = static_cast<int>(std::clamp(std::lround(size.height * scale), 1L, std::lround(target_h)));
        auto pixels = page->render(w, h);
        if (!pixels) {
            last_problem = which + pixels.error().message;
            continue;
        }
        Magick::Image m = to_magick(*pixels);
        const double aspect = size.width / size.height;
        auto strip_w = static_cast<unsigned>(std::clamp(std::lround(opt.height * aspect), 1L,
                                                        static_cast<long>(opt.height) * opt.max_page_aspect));
        Magick::Geometry g(strip_w, static_cast<unsigned>(opt.height));
        g.aspect(true);  // exactly strip_w x height: "WxH" alone means "fit inside"
        m.filterType(Magick::TriangleFilter);
        m.resize(g);
        rendered.push_back(std::move(m));
    }
    if (rendered.empty())
        return fail(last_problem.empty() ? "no page could be rendered" : last_problem);

    Strip strip;
    strip.height = opt.height;
    for (const auto& m : rendered) strip.width += static_cast<int>(m.columns());
    Magick::Image canvas(Magick::Geometry(static_cast<unsigned>(strip.width),
                                          static_cast<unsigned>(opt.height)),
                         Magick::Color("white"));
    int x = 0;
    for (const auto& m : rendered) {
        canvas.composite(m, x, 0, Magick::CopyCompositeOp);
        x += static_cast<int>(m.columns());
    }
    canvas.magick("JPEG");
    canvas.quality(static_cast<unsigned>(opt.quality));
    canvas.strip();
    Magick::Blob blob;
    canvas.write(&blob);
    strip.jpeg.assign(static_cast<const char*>(blob.data()), blob.length());
    strip.pages = static_cast<int>(rendered.size());
    return strip;
}

namespace {

// Decodes into a GreyPicture or RgbPicture: `map` names the channels ("I", "RGB").
template <class Picture>
Result<Picture> decode_as(std::string_view encoded, const char* map) {
    init_graphics();
    try {
        Magick::Blob blob(encoded.data(), encoded.size());
        Magick::Image img;
        img.read(blob);
        Picture pic;
        pic.format = img.magick();
        pic.width = static_cast<int>(img.columns());
        pic.height = static_cast<int>(img.rows());
        pic.pixels.resize(static_cast<size_t>(pic.width) * static_cast<size_t>(pic.height) *
                          std::char_traits<char>::length(map));
        img.write(0, 0, img.columns(), img.rows(), map, Magick::CharPixel, pic.pixels.data());
        return pic;
    } catch (const Magick::Exception& e) {
        return fail(std::string("cannot decode the image: ") + e.what());
    }
}

}  // namespace

Result<GreyPicture> decode_grey(std::string_view encoded) { return decode_as<GreyPicture>(encoded, "I"); }

Result<RgbPicture> decode_rgb(std::string_view encoded) { return decode_as<RgbPicture>(encoded, "RGB"); }

std::string placeholder_jpeg(const StripOptions& opt) {
    init_graphics();
    // A US Letter page's shape at the strip height.
    const auto h = static_cast<unsigned>(opt.height);
    const auto w = static_cast<unsigned>(std::lround(opt.height * 8.5 / 11.0));
    Magick::Image img(Magick::Geometry(w, h), Magick::Color("#eeeeee"));
    img.strokeColor(Magick::Color("#bbbbbb"));
    img.fillColor(Magick::Color("#eeeeee"));
    img.strokeWidth(1);
    img.draw(Magick::DrawableRectangle(0, 0, w - 1, h - 1));
    // Two diagonals: "no picture here", without needing a font.
    img.draw(Magick::DrawableLine(0, 0, w - 1, h - 1));
    img.draw(Magick::DrawableLine(w - 1, 0, 0, h - 1));
    img.magick("JPEG");
    img.quality(static_cast<unsigned>(opt.quality));
    img.strip();
    Magick::Blob blob;
    img.write(&blob);
    return std::string(static_cast<const char*>(blob.data()), blob.length());
}

}  // namespace asp
