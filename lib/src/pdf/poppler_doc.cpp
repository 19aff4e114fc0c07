#include "pdf/poppler_doc.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <mutex>
#include <utility>

#include <asp/pdf/minimal_pdf.hpp>

#include "pdf/print_render.hpp"

namespace asp::pdf_detail {
namespace {

std::mutex g_message_mu;
std::string g_last_message;

void on_poppler_message(const std::string& msg, void*) {
    std::lock_guard lock(g_message_mu);
    g_last_message = msg;
}

}  // namespace

void silence_poppler() {
    static std::once_flag once;
    std::call_once(once, [] { poppler::set_debug_error_function(on_poppler_message, nullptr); });
}

std::string take_poppler_message() {
    std::lock_guard lock(g_message_mu);
    std::string m;
    m.swap(g_last_message);
    return m;
}

std::string to_utf8(const poppler::ustring& s) {
    poppler::byte_array bytes = s.to_utf8();
    return std::string(bytes.data(), bytes.size());
}

MappedFile::~MappedFile() {
    if (data) ::munmap(data, size);
}

Result<std::shared_ptr<MappedFile>> map_file(const std::filesystem::path& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fail("cannot open: " + std::string(std::strerror(errno)));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        return fail("not a regular file");
    }
    auto m = std::make_shared<MappedFile>();
    m->size = static_cast<size_t>(st.st_size);
    if (m->size == 0) {
        ::close(fd);
        return fail("empty file");
    }
    if (m->size > static_cast<size_t>(INT_MAX)) {
        ::close(fd);
        return fail("file too large (over 2 GiB)");
    }
    void* data = ::mmap(nullptr, m->size, PROT_READ, MAP_PRIVATE, fd, 0);
    int err = errno;
    ::close(fd);
    if (data == MAP_FAILED) return fail("cannot map: " + std::string(std::strerror(err)));
    m->data = data;
    return m;
}

Result<std::shared_ptr<poppler::document>> open_document(const std::filesystem::path& path) {
    silence_poppler();
    take_poppler_message();
    auto mapped = map_file(path);
    if (!mapped) return mapped.error();
    std::shared_ptr<MappedFile> bytes = *mapped;
    poppler::document* raw = poppler::document::load_from_raw_data(
        static_cast<const char*>(bytes->data), static_cast<int>(bytes->size));
    // The mapping must outlive the document: the deleter holds it.
    std::shared_ptr<poppler::document> doc(raw, [bytes](poppler::document* d) { delete d; });
    if (!raw) {
        std::string why = take_poppler_message();
        return fail("cannot open as a PDF" + (why.empty() ? std::string() : ": " + why));
    }
    if (doc->is_locked()) return fail(std::string(kEncryptedReason) + ": opening it needs a password");
    if (doc->pages() <= 0) return fail("the PDF has no pages");
    return doc;
}

std::shared_ptr<void> warm_up_poppler(bool render) {
    silence_poppler();
    // Poppler reads the bytes in place: they must outlive the document.
    static const std::string kPdf = make_minimal_pdf({"warm up"});
    // Opened first, this document's Poppler setup (and its message routing) is the one every
    // later document shares, poppler-glib's included, while it stays open.
    std::shared_ptr<poppler::document> doc(
        poppler::document::load_from_raw_data(kPdf.data(), static_cast<int>(kPdf.size())));
    if (!doc) return nullptr;
    std::unique_ptr<poppler::page> page(doc->create_page(0));
    if (page) (void)page->text(poppler::rectf(), poppler::page::non_raw_non_physical_layout);
    if (!render) return doc;
    // Thumbnails render through poppler-glib and cairo (print_render.hpp).
    auto rendering = warm_up_print_rendering();
    return std::make_shared<std::pair<std::shared_ptr<void>, std::shared_ptr<void>>>(doc, rendering);
}

}  // namespace asp::pdf_detail
