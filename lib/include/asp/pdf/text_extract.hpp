// Text of a PDF, as pdftotext (poppler-utils) gives it in its default reading-order mode:
// UTF-8, each page's text followed by a form feed. Uses Poppler's cpp API in process.
//
// Poppler's cpp page::text() stops at a NUL glyph (fonts without a Unicode map); such a page
// is detected (its text lacks the closing form feed) and rebuilt from Poppler's word list, so
// the rest of that page is not lost.
//
// Fails (an expected failure, with a reason) for files that are not PDFs, encrypted ones, and
// PDFs without pages. Run it in an isolated job (asp/proc/isolated_jobs.hpp) for PDFs from
// the Internet: Poppler on a hostile file can take unbounded time or memory.
#pragma once

#include <filesystem>
#include <string>

#include <asp/core/result.hpp>

namespace asp {

struct TextOptions {
    // Pages after this many are not read (a 10,000-page "paper" gives its first pages).
    int max_pages = 2000;
};

struct ExtractedText {
    std::string text;
    int pages = 0;           // pages read
    int rebuilt_pages = 0;   // pages rebuilt from the word list (see above)
};

Result<ExtractedText> extract_text(const std::filesystem::path& pdf, const TextOptions& options = {});

// True when `text` holds at least one letter or digit (a scanned PDF gives none).
bool has_words(std::string_view text);

}  // namespace asp
