#include <asp/core/atomic_file.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <random>
#include <system_error>

#include <asp/core/file_system.hpp>

namespace asp {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kTempMarker = ".tmp-asp-";
constexpr size_t kBufferBytes = size_t{1} << 16;

std::string random_suffix() {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::string s(10, 'x');
    for (auto& c : s) c = kAlphabet[rng() % (sizeof(kAlphabet) - 1)];
    return s;
}

}  // namespace

fs::path temp_path_for(const fs::path& final_path) {
    // Hidden temp name in the same folder, so rename() stays on one filesystem.
    return final_path.parent_path() /
           ("." + final_path.filename().string() + std::string(kTempMarker) + random_suffix());
}

AtomicFile::AtomicFile(fs::path final_path) : AtomicFile(final_path, temp_path_for(final_path)) {}

AtomicFile::AtomicFile(fs::path final_path, fs::path temp_path)
    : final_path_(std::move(final_path)), temp_path_(std::move(temp_path)) {
    fs::path dir = final_path_.parent_path();
    if (!dir.empty()) fs::create_directories(dir);
    if (int e = file_system().create_new(temp_path_, fd_)) {
        fd_ = -1;
        throw_file_error(e, "cannot create temporary file", temp_path_);
    }
}

AtomicFile::~AtomicFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!kept_) ::unlink(temp_path_.c_str());
}

void AtomicFile::write(std::string_view bytes) { write(bytes.data(), bytes.size()); }

void AtomicFile::write(const void* data, size_t size) {
    if (size == 0) return;
    if (fd_ < 0) throw_file_error(EBADF, "write after commit", temp_path_);
    if (buffer_.size() + size <= kBufferBytes) {
        buffer_.append(static_cast<const char*>(data), size);
        return;
    }
    flush();
    if (size >= kBufferBytes) {
        if (int e = file_system().write(fd_, data, size, temp_path_)) throw_file_error(e, "write failed", temp_path_);
    } else {
        buffer_.append(static_cast<const char*>(data), size);
    }
}

void AtomicFile::flush() {
    if (buffer_.empty()) return;
    if (fd_ < 0) throw_file_error(EBADF, "write after commit", temp_path_);
    if (int e = file_system().write(fd_, buffer_.data(), buffer_.size(), temp_path_))
        throw_file_error(e, "write failed", temp_path_);
    buffer_.clear();
}

void AtomicFile::close_synced() {
    flush();
    if (int e = file_system().sync(fd_, temp_path_)) throw_file_error(e, "fsync failed", temp_path_);
    int fd = fd_;
    fd_ = -1;
    if (int e = file_system().close(fd, temp_path_)) throw_file_error(e, "close failed", temp_path_);
}

void AtomicFile::commit() {
    if (kept_) return;
    close_synced();
    publish_file(temp_path_, final_path_);
    kept_ = true;  // renamed: nothing left to remove
}

void AtomicFile::commit_unpublished() {
    if (kept_) return;
    close_synced();
    kept_ = true;
}

void write_file_atomic(const fs::path& path, std::string_view bytes) {
    AtomicFile f(path);
    f.write(bytes);
    f.commit();
}

void write_file_unpublished(const fs::path& temp, std::string_view bytes) {
    AtomicFile f(temp, temp);
    f.write(bytes);
    f.commit_unpublished();
}

void publish_file(const fs::path& temp, const fs::path& final_path) {
    if (int e = file_system().rename(temp, final_path)) throw_file_error(e, "rename failed", final_path);
    // Best effort, as some filesystems refuse a folder fsync; a failing disk is not ignored.
    if (int e = file_system().sync_dir(final_path.parent_path()); e && is_storage_failure(e))
        throw_file_error(e, "fsync of the folder failed", final_path.parent_path());
}

std::string read_file(const fs::path& path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) throw_file_error(errno, "cannot open", path);
    std::string out;
    char buf[1 << 16];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
    bool err = std::ferror(f);
    int e = errno;
    std::fclose(f);
    if (err) throw_file_error(e, "read failed", path);
    return out;
}

size_t remove_stale_temp_files(const fs::path& dir) {
    size_t removed = 0;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.size() > 1 && name[0] == '.' && name.find(kTempMarker) != std::string::npos) {
            if (fs::remove(it->path(), ec)) ++removed;
        }
    }
    return removed;
}

}  // namespace asp
