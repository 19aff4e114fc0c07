// FileSystem: the one door through which the stages' output files reach the disk (leveldb's
// Env idea). AtomicFile and the stages' publish step call file_system(), never ::write, ::fsync
// or ::rename directly, so a test can put a fault-injecting implementation in its place
// (tests/unit/core/faulty_file_system.hpp) and make any write, fsync, close or rename of any
// stage fail with the errno it chooses (ENOSPC, EIO, ...).
//
// Every call returns 0 or an errno value; it never throws. Forked workers inherit the
// process's current FileSystem.
//
// Storage failures: an errno that says the machine failed (disk full, quota, I/O error,
// read-only filesystem, no file descriptors), not the input being processed. A stage that
// meets one stops with a clear error (StorageFailure, exit code 74 in the tools), records
// nothing against the paper it was working on and never replaces a good output; a plain
// rerun after the cause is fixed finishes the job (docs/pipeline.md "Exit codes").
#pragma once

#include <cstddef>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

namespace asp {

class FileSystem {
public:
    virtual ~FileSystem() = default;
    // Creates a new file (O_EXCL) for writing, mode 0644; the fd is close-on-exec.
    virtual int create_new(const std::filesystem::path& path, int& fd);
    // Writes all `size` bytes (retrying short writes and EINTR).
    virtual int write(int fd, const void* data, size_t size, const std::filesystem::path& path);
    virtual int sync(int fd, const std::filesystem::path& path);
    virtual int close(int fd, const std::filesystem::path& path);
    virtual int rename(const std::filesystem::path& from, const std::filesystem::path& to);
    // fsync of a folder (after a rename into it). Filesystems that refuse a folder fsync
    // (EINVAL) count as success.
    virtual int sync_dir(const std::filesystem::path& dir);
};

// The process's current FileSystem: the real one unless a test installed another.
FileSystem& file_system();
// Installs `fs` (nullptr: the real one again); returns the previous one. For tests.
FileSystem* set_file_system(FileSystem* fs);

// True for errno values that mean the machine failed rather than the input: ENOSPC, EDQUOT,
// EIO, EROFS, EFBIG, EMFILE, ENFILE, ENOMEM.
bool is_storage_failure(int err);
bool is_storage_failure(const std::error_code& ec);

// Thrown by a stage that met a storage failure: the message names the path and says that
// nothing was recorded and a rerun finishes the job.
class StorageFailure : public std::system_error {
public:
    StorageFailure(std::error_code ec, const std::string& what) : std::system_error(ec, what) {}
};

// Throws std::system_error(err, what + ": " + path).
[[noreturn]] void throw_file_error(int err, const std::string& what, const std::filesystem::path& path);

}  // namespace asp
