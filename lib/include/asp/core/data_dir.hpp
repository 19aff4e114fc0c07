// DataDir: where every stage's inputs and outputs live (see docs/formats/data-dir.md).
// Resolution: --data-dir, else $ASP_DATA_DIR, else ./data.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace asp {

// The file-name stem of a paper version in the stage folders: the raw id with "/" mapped to
// "_", then "v<version>" when version > 0 ("cs/0112017", 1 -> "cs_0112017v1").
std::string file_stem(std::string_view raw_id, int version);

class DataDir {
public:
    explicit DataDir(std::filesystem::path root);

    // --data-dir value (may be empty) -> the directory to use.
    static DataDir resolve(const std::string& flag_value);

    const std::filesystem::path& root() const { return root_; }
    std::filesystem::path papers_db() const { return root_ / "papers.db"; }
    std::filesystem::path users_db() const { return root_ / "users.db"; }
    std::filesystem::path pdf_dir() const { return root_ / "pdf"; }
    std::filesystem::path txt_dir() const { return root_ / "txt"; }
    std::filesystem::path thumbs_dir() const { return root_ / "thumbs"; }
    std::filesystem::path index_dir() const { return root_ / "index"; }
    std::filesystem::path recs_dir() const { return root_ / "recs"; }

    std::filesystem::path pdf_path(std::string_view raw_id, int version) const;
    std::filesystem::path txt_path(std::string_view raw_id, int version) const;
    std::filesystem::path thumb_path(std::string_view raw_id, int version) const;

    // Creates the root and the stage folders when missing.
    void create_layout() const;

private:
    std::filesystem::path root_;
};

}  // namespace asp
