// Private helpers over Poppler's cpp API: open a PDF as an owned document with a reason when
// it cannot be used, keep Poppler's error chatter off stderr (the last message is kept for
// the reason), and warm Poppler up in a parent process so forked jobs start ready.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-global.h>
#include <poppler/cpp/poppler-page.h>

#include <asp/core/result.hpp>

namespace asp::pdf_detail {

// Routes Poppler's messages to a buffer (once per process; idempotent).
void silence_poppler();
// The last message Poppler reported since the last call ("" when none); clears it.
std::string take_poppler_message();

// The start of open_document's reason for a password-protected PDF.
inline constexpr const char* kEncryptedReason = "encrypted";

// A file mapped read-only: Poppler then parses from memory instead of issuing thousands of
// small reads per PDF (it reads in small pieces), which is most of the I/O cost of a paper.
// Documents made from the bytes must keep the mapping alive (hold the shared_ptr).
struct MappedFile {
    void* data = nullptr;
    size_t size = 0;
    MappedFile() = default;
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;
    ~MappedFile();
};
// Fails for unreadable, non-regular, empty or over-2-GiB files (Poppler takes an int size).
Result<std::shared_ptr<MappedFile>> map_file(const std::filesystem::path& path);

// Opens `path`; fails for unreadable, non-PDF, encrypted (password-protected) or page-less
// documents, with a reason a user can read.
Result<std::shared_ptr<poppler::document>> open_document(const std::filesystem::path& path);

// UTF-8 bytes of a Poppler string.
std::string to_utf8(const poppler::ustring& s);

// Loads a tiny in-memory PDF and extracts its text (with `render`, also renders it the way
// thumbnails are rendered), then keeps it open: Poppler's global state (GlobalParams, font
// lookup) lives while any document does, so children forked afterwards do not each pay for
// setting it up.
std::shared_ptr<void> warm_up_poppler(bool render);

}  // namespace asp::pdf_detail
