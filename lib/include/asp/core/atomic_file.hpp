// AtomicFile: the one way this project writes an output file. Bytes go to a temporary
// file in the destination's folder; commit() flushes, fsyncs and renames it over the final
// name. Until commit() succeeds the final name is untouched, so a crash, kill -9 or full
// disk never leaves a half-written file under a final name, and readers (serve) never see a
// torn file. The destructor removes an uncommitted temporary file.
//
// Errors (open, write, fsync, rename) throw std::system_error naming the path: the caller
// cannot produce its output, which is an unexpected failure for every stage.
#pragma once

#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>

namespace asp {

class AtomicFile {
public:
    explicit AtomicFile(std::filesystem::path final_path);
    ~AtomicFile();
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    void write(std::string_view bytes);
    void write(const void* data, size_t size);
    // Flush, fsync, rename into place and fsync the folder. Throws on failure.
    void commit();

    const std::filesystem::path& final_path() const { return final_path_; }
    const std::filesystem::path& temp_path() const { return temp_path_; }
    // The open stream, for libraries that write to a FILE* (flushed by commit()).
    std::FILE* stream() { return file_; }

private:
    std::filesystem::path final_path_;
    std::filesystem::path temp_path_;
    std::FILE* file_ = nullptr;
    bool committed_ = false;
};

// Convenience: write a whole file atomically.
void write_file_atomic(const std::filesystem::path& path, std::string_view bytes);

// Read a whole file; throws std::system_error when it cannot be read.
std::string read_file(const std::filesystem::path& path);

// Remove leftover temporary files (from a crashed writer) in a folder: names that match
// AtomicFile's temp pattern. Returns how many were removed.
size_t remove_stale_temp_files(const std::filesystem::path& dir);

}  // namespace asp
