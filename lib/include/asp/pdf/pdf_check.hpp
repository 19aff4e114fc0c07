// Is a downloaded file a usable PDF? Two checks: the envelope (cheap, on the first bytes as
// they stream in: a "%PDF-" header near the start, which an HTML error page lacks), and
// Poppler opening it and finding pages (run that one in an isolated job:
// asp/proc/isolated_jobs.hpp). What Poppler accepts is accepted: real PDFs often carry bytes
// after "%%EOF" (or lack it), so the end of the file is not checked; a cut transfer is caught
// by the HTTP layer (curl reports a body shorter than its Content-Length).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include <asp/core/result.hpp>

namespace asp {

// How many bytes of the start check_pdf_envelope looks at.
inline constexpr size_t kPdfEnvelopeBytes = 1024;

// `head`: the first bytes of the file (up to kPdfEnvelopeBytes).
Status check_pdf_envelope(std::string_view head);

// Opens the PDF with Poppler: ok when it opens and has at least one page, or is encrypted
// (a complete PDF that later stages will record as such).
Result<int> pdf_page_count(const std::filesystem::path& pdf);

// A short printable preview of bytes for a failure reason ("<!DOCTYPE html>...").
std::string printable_preview(std::string_view bytes, size_t max_chars = 60);

}  // namespace asp
