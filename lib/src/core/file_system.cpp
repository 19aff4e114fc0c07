#include <asp/core/file_system.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>

namespace asp {
namespace fs = std::filesystem;

int FileSystem::create_new(const fs::path& path, int& fd) {
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    return fd < 0 ? errno : 0;
}

int FileSystem::write(int fd, const void* data, size_t size, const fs::path&) {
    const char* p = static_cast<const char*>(data);
    while (size > 0) {
        ssize_t n = ::write(fd, p, size);
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        if (n == 0) return EIO;
        p += n;
        size -= static_cast<size_t>(n);
    }
    return 0;
}

int FileSystem::sync(int fd, const fs::path&) { return ::fsync(fd) != 0 ? errno : 0; }

int FileSystem::close(int fd, const fs::path&) {
    // Linux releases the fd even when close() fails: never retry it.
    return ::close(fd) != 0 && errno != EINTR ? errno : 0;
}

int FileSystem::rename(const fs::path& from, const fs::path& to) {
    return ::rename(from.c_str(), to.c_str()) != 0 ? errno : 0;
}

int FileSystem::sync_dir(const fs::path& dir) {
    int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return errno;
    int rc = ::fsync(fd) != 0 ? errno : 0;
    ::close(fd);
    return rc == EINVAL ? 0 : rc;
}

namespace {
FileSystem& real_file_system() {
    static FileSystem real;
    return real;
}
std::atomic<FileSystem*> current{nullptr};
}  // namespace

FileSystem& file_system() {
    FileSystem* f = current.load(std::memory_order_acquire);
    return f ? *f : real_file_system();
}

FileSystem* set_file_system(FileSystem* fs) {
    FileSystem* prev = current.exchange(fs, std::memory_order_acq_rel);
    return prev ? prev : &real_file_system();
}

bool is_storage_failure(int err) {
    switch (err) {
        case ENOSPC:
        case EDQUOT:
        case EIO:
        case EROFS:
        case EFBIG:
        case EMFILE:
        case ENFILE:
        case ENOMEM:
            return true;
        default:
            return false;
    }
}

bool is_storage_failure(const std::error_code& ec) {
    return ec.category() == std::generic_category() || ec.category() == std::system_category()
               ? is_storage_failure(ec.value())
               : false;
}

void throw_file_error(int err, const std::string& what, const fs::path& path) {
    throw std::system_error(err, std::generic_category(), what + ": " + path.string());
}

}  // namespace asp
