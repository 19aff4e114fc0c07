#include <asp/pdf/pdf_check.hpp>

#include <cctype>

#include "pdf/poppler_doc.hpp"

namespace asp {

std::string printable_preview(std::string_view bytes, size_t max_chars) {
    std::string out;
    for (unsigned char c : bytes) {
        if (out.size() >= max_chars) {
            out += "...";
            break;
        }
        if (c == '\n' || c == '\r' || c == '\t') c = ' ';
        out += std::isprint(c) ? static_cast<char>(c) : '?';
    }
    return out;
}

Status check_pdf_envelope(std::string_view head) {
    if (head.empty()) return fail("empty file");
    if (head.substr(0, kPdfEnvelopeBytes).find("%PDF-") == std::string_view::npos)
        return fail("not a PDF (starts with \"" + printable_preview(head) + "\")");
    return Ok{};
}

Result<int> pdf_page_count(const std::filesystem::path& pdf) {
    auto doc = pdf_detail::open_document(pdf);
    if (doc) return (*doc)->pages();
    if (doc.error().message.rfind(pdf_detail::kEncryptedReason, 0) == 0) return 0;
    return doc.error();
}

}  // namespace asp
