#include "pdf/print_render.hpp"

#include <string>

#include <cairo.h>
#include <poppler.h>

#include <asp/pdf/minimal_pdf.hpp>

#include "pdf/poppler_doc.hpp"

namespace asp::pdf_detail {
namespace {

std::shared_ptr<void> hold_gobject(void* object) {
    if (!object) return nullptr;
    return std::shared_ptr<void>(object, [](void* o) { g_object_unref(o); });
}

PopplerDocument* as_document(const std::shared_ptr<void>& p) {
    return static_cast<PopplerDocument*>(p.get());
}
PopplerPage* as_page(const std::shared_ptr<void>& p) { return static_cast<PopplerPage*>(p.get()); }

struct GErrorOwner {
    GError* error = nullptr;
    GErrorOwner() = default;
    GErrorOwner(const GErrorOwner&) = delete;
    GErrorOwner& operator=(const GErrorOwner&) = delete;
    ~GErrorOwner() {
        if (error) g_error_free(error);
    }
};

// A GBytes over bytes that `keep` keeps alive: the document holds the GBytes while it lives.
GBytes* bytes_over(const void* data, size_t size, std::shared_ptr<void> keep) {
    auto* holder = new std::shared_ptr<void>(std::move(keep));
    return g_bytes_new_with_free_func(
        data, size, [](gpointer h) { delete static_cast<std::shared_ptr<void>*>(h); }, holder);
}

// Takes over `bytes` (one reference).
Result<std::shared_ptr<void>> open_bytes(GBytes* bytes) {
    silence_poppler();
    take_poppler_message();
    GErrorOwner err;
    PopplerDocument* raw = poppler_document_new_from_bytes(bytes, nullptr, &err.error);
    g_bytes_unref(bytes);  // the document took its own reference
    if (raw) return hold_gobject(raw);
    if (err.error && err.error->domain == poppler_error_quark() &&
        err.error->code == POPPLER_ERROR_ENCRYPTED)
        return fail(std::string(kEncryptedReason) + ": opening it needs a password");
    std::string why = take_poppler_message();
    if (why.empty() && err.error && err.error->message) why = err.error->message;
    return fail("cannot open as a PDF" + (why.empty() ? std::string() : ": " + why));
}

}  // namespace

Result<PrintDocument> PrintDocument::open(const std::filesystem::path& path) {
    auto mapped = map_file(path);
    if (!mapped) return mapped.error();
    const MappedFile& m = **mapped;
    return adopt(open_bytes(bytes_over(m.data, m.size, *mapped)));
}

Result<PrintDocument> PrintDocument::adopt(Result<std::shared_ptr<void>> doc) {
    if (!doc) return doc.error();
    PrintDocument out;
    out.doc_ = std::move(*doc);
    out.pages_ = poppler_document_get_n_pages(as_document(out.doc_));
    if (out.pages_ <= 0) return fail("the PDF has no pages");
    return out;
}

Result<PrintPage> PrintDocument::page(int index) const {
    PrintPage page;
    // A page holds a reference to its document.
    page.page_ = hold_gobject(poppler_document_get_page(as_document(doc_), index));
    if (!page.page_) return fail("cannot be read");
    return page;
}

PageSize PrintPage::size() const {
    PageSize s;
    poppler_page_get_size(as_page(page_), &s.width, &s.height);
    return s;
}

Result<PagePixels> PrintPage::render(int width_px, int height_px) const {
    const PageSize pt = size();
    if (!(pt.width > 0 && pt.height > 0)) return fail("has an empty page box");
    std::shared_ptr<cairo_surface_t> surface(
        cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width_px, height_px), cairo_surface_destroy);
    if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS)
        return fail(std::string("cannot make a surface: ") +
                    cairo_status_to_string(cairo_surface_status(surface.get())));
    cairo_t* cr = cairo_create(surface.get());
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_scale(cr, width_px / pt.width, height_px / pt.height);
    // POPPLER_PRINT_ALL: contents, form fields and markup annotations flagged for print.
    poppler_page_render_for_printing_with_options(as_page(page_), cr, POPPLER_PRINT_ALL);
    const cairo_status_t status = cairo_status(cr);
    cairo_destroy(cr);
    if (status != CAIRO_STATUS_SUCCESS)
        return fail(std::string("cannot be drawn: ") + cairo_status_to_string(status));
    cairo_surface_flush(surface.get());

    PagePixels px;
    px.width = cairo_image_surface_get_width(surface.get());
    px.height = cairo_image_surface_get_height(surface.get());
    px.stride = cairo_image_surface_get_stride(surface.get());
    px.data = cairo_image_surface_get_data(surface.get());
    px.owner = surface;
    return px;
}

std::shared_ptr<void> warm_up_print_rendering() {
    // Poppler reads the bytes in place: they must outlive the document.
    static const std::string kPdf = make_minimal_pdf({"warm up"});
    auto doc = PrintDocument::adopt(open_bytes(g_bytes_new_static(kPdf.data(), kPdf.size())));
    if (!doc) return nullptr;
    if (auto page = doc->page(0)) (void)page->render(20, 26);
    return doc->doc_;
}

}  // namespace asp::pdf_detail
