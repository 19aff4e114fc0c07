#include <asp/pdf/text_extract.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <memory>

#include "pdf/poppler_doc.hpp"

namespace asp {
namespace {

using pdf_detail::to_utf8;

bool ends_with_hyphen(const std::string& s) { return !s.empty() && s.back() == '-'; }

// Rebuilds a page's text from Poppler's word list (reading order): spaces where Poppler saw
// them or where a gap separates words on a line, a line break when the baseline moves or the
// text goes back left, a blank line at a large vertical gap, words hyphenated across a line
// break joined (as pdftotext does).
std::string rebuild_from_words(const poppler::page& page) {
    std::string out;
    bool have_prev = false, space_after = false;
    poppler::rectf prev;
    for (const auto& word : page.text_list()) {
        std::string w = to_utf8(word.text());
        if (w.empty()) continue;
        poppler::rectf box = word.bbox();
        if (have_prev) {
            double h = std::max(prev.height(), box.height());
            bool new_line = std::fabs(box.y() - prev.y()) > 0.5 * h || box.x() < prev.right() - 1;
            if (new_line) {
                if (ends_with_hyphen(out) && box.y() > prev.y()) {
                    out.pop_back();  // "coeffi-" + "cients"
                } else {
                    bool paragraph = box.y() - prev.y() > 1.8 * h || box.y() < prev.y();
                    out += paragraph ? "\n\n" : "\n";
                }
            } else if (space_after || box.x() - prev.right() > 0.15 * h) {
                out += ' ';
            }
        }
        out += w;
        prev = box;
        space_after = word.has_space_after();
        have_prev = true;
    }
    if (!out.empty()) out += '\n';
    out += '\f';
    return out;
}

}  // namespace

bool has_words(std::string_view text) {
    for (unsigned char c : text)
        if (std::isalnum(c) || c >= 0x80) return true;
    return false;
}

Result<ExtractedText> extract_text(const std::filesystem::path& pdf, const TextOptions& options) {
    auto doc = pdf_detail::open_document(pdf);
    if (!doc) return doc.error();
    ExtractedText result;
    const int pages = std::min((*doc)->pages(), std::max(1, options.max_pages));
    for (int i = 0; i < pages; ++i) {
        std::unique_ptr<poppler::page> page((*doc)->create_page(i));
        if (!page) {
            result.text += '\f';  // an unreadable page: keep the page count as pdftotext does
            continue;
        }
        std::string t = to_utf8(page->text(poppler::rectf(), poppler::page::non_raw_non_physical_layout));
        if (t.empty() || t.back() != '\f') {
            t = rebuild_from_words(*page);
            ++result.rebuilt_pages;
        }
        result.text += t;
        ++result.pages;
    }
    if (result.pages == 0) return fail("no page of the PDF could be read");
    return result;
}

}  // namespace asp
