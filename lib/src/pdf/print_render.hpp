// Private: PDF pages rendered as they print, through Poppler's GLib frontend onto cairo image
// surfaces.
//
// Why not poppler-cpp's page_renderer: it draws every annotation, so the thumbnails showed the
// coloured boxes LaTeX's hyperref puts around links and citations, and arXiv's box around its
// id stamp (Link annotations, drawn by viewers, not meant for paper). poppler-glib's print
// rendering (poppler_page_render_for_printing_with_options, a stable public API since 0.16, in
// every Debian/Ubuntu we support) draws the page as a printer gets it: the contents, form
// fields, and markup annotations flagged for print; Link annotations and annotations without
// the Print flag are left out. GLib and cairo types stay inside print_render.cpp.
//
// Failures are values with a reason a user can read; Poppler's own messages are kept off
// stderr (see poppler_doc.hpp).
#pragma once

#include <filesystem>
#include <memory>

#include <asp/core/result.hpp>

namespace asp::pdf_detail {

struct PageSize {
    double width = 0, height = 0;  // points, as displayed (crop box, rotation applied)
};

// The pixels of one rendered page: cairo's ARGB32, native-endian 0xAARRGGBB words (B, G, R, A
// bytes on little-endian machines), rows `stride` bytes apart; opaque (white paper).
struct PagePixels {
    int width = 0;
    int height = 0;
    int stride = 0;
    const unsigned char* data = nullptr;
    std::shared_ptr<void> owner;  // keeps `data` alive
};

class PrintPage {
public:
    PageSize size() const;
    // Renders the page as printed, scaled to exactly width_px x height_px, on white paper.
    // Fails when cairo cannot make the surface or reports an error while drawing.
    Result<PagePixels> render(int width_px, int height_px) const;

private:
    friend class PrintDocument;
    std::shared_ptr<void> page_;  // PopplerPage, which holds its document
};

class PrintDocument {
public:
    // Opens `path` (memory-mapped); fails like open_document in poppler_doc.hpp, with the same
    // reasons: unreadable, not a PDF, encrypted (starts with kEncryptedReason), no pages.
    static Result<PrintDocument> open(const std::filesystem::path& path);

    int pages() const { return pages_; }
    // Page `index` (0-based); fails when Poppler cannot read it.
    Result<PrintPage> page(int index) const;

private:
    friend std::shared_ptr<void> warm_up_print_rendering();
    static Result<PrintDocument> adopt(Result<std::shared_ptr<void>> doc);

    std::shared_ptr<void> doc_;  // PopplerDocument
    int pages_ = 0;
};

// Opens and renders a tiny in-memory PDF and keeps it open, so GLib's type system, fonts and
// cairo are set up before worker processes are forked (see warm_up_poppler).
std::shared_ptr<void> warm_up_print_rendering();

}  // namespace asp::pdf_detail
