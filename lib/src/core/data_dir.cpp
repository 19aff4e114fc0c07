#include <asp/core/data_dir.hpp>

#include <cstdlib>

namespace asp {
namespace fs = std::filesystem;

std::string file_stem(std::string_view raw_id, int version) {
    std::string s(raw_id);
    for (auto& c : s)
        if (c == '/') c = '_';
    if (version > 0) s += "v" + std::to_string(version);
    return s;
}

DataDir::DataDir(fs::path root) : root_(std::move(root)) {}

DataDir DataDir::resolve(const std::string& flag_value) {
    if (!flag_value.empty()) return DataDir(flag_value);
    if (const char* env = std::getenv("ASP_DATA_DIR"); env && *env) return DataDir(env);
    return DataDir("data");
}

fs::path DataDir::pdf_path(std::string_view raw_id, int version) const {
    return pdf_dir() / (file_stem(raw_id, version) + ".pdf");
}

fs::path DataDir::txt_path(std::string_view raw_id, int version) const {
    return txt_dir() / (file_stem(raw_id, version) + ".txt");
}

fs::path DataDir::thumb_path(std::string_view raw_id, int version) const {
    return thumbs_dir() / (file_stem(raw_id, version) + ".jpg");
}

void DataDir::create_layout() const {
    for (const auto& d : {root_, pdf_dir(), txt_dir(), thumbs_dir(), index_dir(), recs_dir()})
        fs::create_directories(d);
}

}  // namespace asp
