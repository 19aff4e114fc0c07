// AtomicFile: the one way this project writes an output file. Bytes go to a temporary
// file in the destination's folder; commit() flushes, fsyncs and renames it over the final
// name. Until commit() succeeds the final name is untouched, so a crash, kill -9 or full
// disk never leaves a half-written file under a final name, and readers (serve) never see a
// torn file. The destructor removes an uncommitted temporary file.
//
// Every write, fsync, close and rename goes through file_system() (asp/core/file_system.hpp),
// so tests can make any of them fail.
//
// The two halves can run in different processes: a worker writes and syncs the temporary file
// (commit_unpublished(), or write_file_unpublished()); only its parent publishes it with
// publish_file(). So a worker whose parent died never puts a file under a final name.
//
// Errors (open, write, fsync, rename) throw std::system_error naming the path, with the errno
// as its code (is_storage_failure() tells a full disk from other trouble).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace asp {

class AtomicFile {
public:
    explicit AtomicFile(std::filesystem::path final_path);
    // Writes into the given temporary path (which must be new) instead of a random one.
    AtomicFile(std::filesystem::path final_path, std::filesystem::path temp_path);
    ~AtomicFile();
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    void write(std::string_view bytes);
    void write(const void* data, size_t size);
    // Hands the buffered bytes to the temporary file (so another process can read it).
    void flush();
    // Flush, fsync, rename into place and fsync the folder. Throws on failure.
    void commit();
    // Flush, fsync and close the temporary file and keep it (the destructor no longer removes
    // it): the caller, or its parent process, publishes it with publish_file().
    void commit_unpublished();

    const std::filesystem::path& final_path() const { return final_path_; }
    const std::filesystem::path& temp_path() const { return temp_path_; }

private:
    void close_synced();

    std::filesystem::path final_path_;
    std::filesystem::path temp_path_;
    int fd_ = -1;
    std::string buffer_;
    bool kept_ = false;
};

// Convenience: write a whole file atomically.
void write_file_atomic(const std::filesystem::path& path, std::string_view bytes);

// A new hidden temporary name in `final_path`'s folder that remove_stale_temp_files() knows.
std::filesystem::path temp_path_for(const std::filesystem::path& final_path);

// The first half of an atomic write: `bytes` into the new file `temp`, fsynced and closed.
void write_file_unpublished(const std::filesystem::path& temp, std::string_view bytes);
// The second half: renames `temp` over `final_path` and fsyncs the folder.
void publish_file(const std::filesystem::path& temp, const std::filesystem::path& final_path);

// Read a whole file; throws std::system_error when it cannot be read.
std::string read_file(const std::filesystem::path& path);

// Remove leftover temporary files (from a crashed writer) in a folder: names that match
// AtomicFile's temp pattern. Returns how many were removed.
size_t remove_stale_temp_files(const std::filesystem::path& dir);

}  // namespace asp
