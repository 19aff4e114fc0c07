#include <asp/core/atomic_file.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <random>
#include <system_error>

namespace asp {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kTempMarker = ".tmp-asp-";

[[noreturn]] void throw_errno(const std::string& what, const fs::path& path) {
    throw std::system_error(errno, std::generic_category(), what + ": " + path.string());
}

std::string random_suffix() {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::string s(10, 'x');
    for (auto& c : s) c = kAlphabet[rng() % (sizeof(kAlphabet) - 1)];
    return s;
}

void fsync_dir(const fs::path& dir) {
    int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;  // best effort: some filesystems do not allow it
    ::fsync(fd);
    ::close(fd);
}

}  // namespace

AtomicFile::AtomicFile(fs::path final_path) : final_path_(std::move(final_path)) {
    fs::path dir = final_path_.parent_path();
    if (!dir.empty()) fs::create_directories(dir);
    // Hidden temp name in the same folder, so rename() stays on one filesystem.
    temp_path_ = dir / ("." + final_path_.filename().string() + std::string(kTempMarker) +
                        random_suffix());
    int fd = ::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) throw_errno("cannot create temporary file", temp_path_);
    file_ = ::fdopen(fd, "wb");
    if (!file_) {
        ::close(fd);
        ::unlink(temp_path_.c_str());
        throw_errno("cannot open temporary file", temp_path_);
    }
}

AtomicFile::~AtomicFile() {
    if (file_) std::fclose(file_);
    if (!committed_) ::unlink(temp_path_.c_str());
}

void AtomicFile::write(std::string_view bytes) { write(bytes.data(), bytes.size()); }

void AtomicFile::write(const void* data, size_t size) {
    if (size == 0) return;
    if (std::fwrite(data, 1, size, file_) != size) throw_errno("write failed", temp_path_);
}

void AtomicFile::commit() {
    if (committed_) return;
    if (std::fflush(file_) != 0) throw_errno("write failed", temp_path_);
    if (::fsync(::fileno(file_)) != 0) throw_errno("fsync failed", temp_path_);
    int rc = std::fclose(file_);
    file_ = nullptr;
    if (rc != 0) throw_errno("close failed", temp_path_);
    if (::rename(temp_path_.c_str(), final_path_.c_str()) != 0)
        throw_errno("rename failed", final_path_);
    committed_ = true;
    fsync_dir(final_path_.parent_path());
}

void write_file_atomic(const fs::path& path, std::string_view bytes) {
    AtomicFile f(path);
    f.write(bytes);
    f.commit();
}

std::string read_file(const fs::path& path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) throw_errno("cannot open", path);
    std::string out;
    char buf[1 << 16];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
    bool err = std::ferror(f);
    std::fclose(f);
    if (err) throw_errno("read failed", path);
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
