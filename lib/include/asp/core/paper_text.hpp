// A paper version's text in txt/: plain UTF-8 (`<stem>.txt`) or, to save disk (pdf2txt
// --compress-text, small-disk mode on an 8 GB instance), the same bytes gzipped
// (`<stem>.txt.gz`, ~3x smaller). Both forms may be met in one data directory (a switch of mode
// keeps the texts already made); every reader goes through here, so it takes either.
// A version has at most one of the two files once pdf2txt has published it (publishing one
// form removes the other).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include <asp/core/data_dir.hpp>

namespace asp {

enum class TextForm { Plain, Gzip };

// txt/<stem>.txt or txt/<stem>.txt.gz.
std::filesystem::path text_path(const DataDir& dir, std::string_view raw_id, int version, TextForm form);

// The file name's form: ".txt.gz" -> Gzip, anything else Plain.
TextForm text_form_of(const std::filesystem::path& path);

// The text file of this version that exists (the gzipped one when both do, e.g. after a crash
// between publishing it and removing the plain one), or nullopt.
std::optional<std::filesystem::path> find_text(const DataDir& dir, std::string_view raw_id, int version);

// The text's bytes, decompressed when the file is gzipped. Throws std::system_error when the
// file cannot be read and std::runtime_error when a .txt.gz is not valid gzip.
std::string read_text(const std::filesystem::path& path);

// The bytes as stored in `form` (gzip at level 9: written once, read many times).
std::string encode_text(std::string_view text, TextForm form);

// Removes both forms of a version's text; returns how many files were removed.
size_t remove_text(const DataDir& dir, std::string_view raw_id, int version);

// The stem of a txt/ file name ("2101.00001v2" from "2101.00001v2.txt.gz"), or nullopt when
// the name is not a text's.
std::optional<std::string> text_stem(std::string_view file_name);

}  // namespace asp
