#include <asp/core/paper_text.hpp>

#include <stdexcept>
#include <system_error>

#include <asp/core/atomic_file.hpp>
#include <asp/core/gzip.hpp>

namespace asp {
namespace fs = std::filesystem;

namespace {
constexpr std::string_view kPlain = ".txt";
constexpr std::string_view kGzip = ".txt.gz";
}  // namespace

fs::path text_path(const DataDir& dir, std::string_view raw_id, int version, TextForm form) {
    return dir.txt_dir() /
           (file_stem(raw_id, version) + std::string(form == TextForm::Gzip ? kGzip : kPlain));
}

TextForm text_form_of(const fs::path& path) {
    const std::string name = path.filename().string();
    return name.size() > kGzip.size() && name.ends_with(kGzip) ? TextForm::Gzip : TextForm::Plain;
}

std::optional<fs::path> find_text(const DataDir& dir, std::string_view raw_id, int version) {
    std::error_code ec;
    for (auto form : {TextForm::Gzip, TextForm::Plain}) {
        auto p = text_path(dir, raw_id, version, form);
        if (fs::is_regular_file(p, ec)) return p;
    }
    return std::nullopt;
}

std::string read_text(const fs::path& path) {
    std::string bytes = read_file(path);
    if (text_form_of(path) == TextForm::Plain) return bytes;
    auto text = gunzip(bytes);
    if (!text) throw std::runtime_error(path.string() + ": not valid gzip (corrupt or cut short)");
    return std::move(*text);
}

std::string encode_text(std::string_view text, TextForm form) {
    return form == TextForm::Gzip ? gzip_compress(text, 9) : std::string(text);
}

size_t remove_text(const DataDir& dir, std::string_view raw_id, int version) {
    size_t n = 0;
    std::error_code ec;
    for (auto form : {TextForm::Plain, TextForm::Gzip})
        n += fs::remove(text_path(dir, raw_id, version, form), ec) ? 1 : 0;
    return n;
}

std::optional<std::string> text_stem(std::string_view name) {
    for (auto suffix : {kGzip, kPlain})
        if (name.ends_with(suffix) && name.front() != '.')
            return std::string(name.substr(0, name.size() - suffix.size()));
    return std::nullopt;
}

}  // namespace asp
