#include <asp/pdf/thumbnail.hpp>

#include <algorithm>
#include <cmath>
#include <memory>
#include <mutex>
#include <vector>

#include <Magick++.h>
#include <poppler/cpp/poppler-image.h>
#include <poppler/cpp/poppler-page-renderer.h>

#include "pdf/poppler_doc.hpp"

namespace asp {
namespace {

// Poppler's ARGB32 is native-endian 0xAARRGGBB: B, G, R, A in memory on little-endian
// machines, with rows possibly padded: copy row by row into a tight buffer.
Magick::Image to_magick(const poppler::image& img) {
    const int w = img.width(), h = img.height();
    const size_t row = static_cast<size_t>(w) * 4;
    std::vector<unsigned char> tight(row * static_cast<size_t>(h));
    const char* src = img.const_data();
    for (int y = 0; y < h; ++y)
        std::copy_n(src + static_cast<size_t>(y) * static_cast<size_t>(img.bytes_per_row()), row,
                    tight.data() + static_cast<size_t>(y) * row);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const char* map = "BGRA";
#else
    const char* map = "ARGB";
#endif
    Magick::Image out(static_cast<unsigned>(w), static_cast<unsigned>(h), map, Magick::CharPixel,
                      tight.data());
    out.matte(false);  // the paper is opaque white
    return out;
}

struct PageSize {
    double w, h;  // points, as displayed (rotation applied)
};

PageSize displayed_size(const poppler::page& page) {
    poppler::rectf r = page.page_rect(poppler::crop_box);
    auto o = page.orientation();
    bool turned = o == poppler::page::landscape || o == poppler::page::seascape;
    return turned ? PageSize{r.height(), r.width()} : PageSize{r.width(), r.height()};
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
    auto doc = pdf_detail::open_document(pdf);
    if (!doc) return doc.error();

    poppler::page_renderer renderer;
    renderer.set_render_hint(poppler::page_renderer::antialiasing, true);
    renderer.set_render_hint(poppler::page_renderer::text_antialiasing, true);
    renderer.set_image_format(poppler::image::format_argb32);

    const int pages = std::min((*doc)->pages(), opt.max_pages);
    const double target_h = opt.height * std::max(1, opt.supersample);
    const double max_w = target_h * opt.max_page_aspect;
    std::vector<Magick::Image> rendered;
    std::string last_problem;
    for (int i = 0; i < pages; ++i) {
        std::unique_ptr<poppler::page> page((*doc)->create_page(i));
        if (!page) {
            last_problem = "page " + std::to_string(i + 1) + " cannot be read";
            continue;
        }
        PageSize size = displayed_size(*page);
        if (!(size.w >= 1 && size.h >= 1)) {
            last_problem = "page " + std::to_string(i + 1) + " has an empty page box";
            continue;
        }
        double dpi = std::min(72.0 * target_h / size.h, 72.0 * max_w / size.w);
        poppler::image img = renderer.render_page(page.get(), dpi, dpi);
        if (!img.is_valid() || img.width() <= 0 || img.height() <= 0) {
            last_problem = "page " + std::to_string(i + 1) + " cannot be rendered";
            continue;
        }
        Magick::Image m = to_magick(img);
        double aspect = static_cast<double>(img.width()) / img.height();
        auto w = static_cast<unsigned>(std::clamp(std::lround(opt.height * aspect), 1L,
                                                  static_cast<long>(opt.height) * opt.max_page_aspect));
        Magick::Geometry g(w, static_cast<unsigned>(opt.height));
        g.aspect(true);  // exactly w x height: "WxH" alone means "fit inside"
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

Result<GreyPicture> decode_grey(std::string_view encoded) {
    init_graphics();
    try {
        Magick::Blob blob(encoded.data(), encoded.size());
        Magick::Image img;
        img.read(blob);
        GreyPicture pic;
        pic.format = img.magick();
        pic.width = static_cast<int>(img.columns());
        pic.height = static_cast<int>(img.rows());
        pic.pixels.resize(static_cast<size_t>(pic.width) * static_cast<size_t>(pic.height));
        img.write(0, 0, img.columns(), img.rows(), "I", Magick::CharPixel, pic.pixels.data());
        return pic;
    } catch (const Magick::Exception& e) {
        return fail(std::string("cannot decode the image: ") + e.what());
    }
}

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
