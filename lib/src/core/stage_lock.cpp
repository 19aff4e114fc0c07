#include <asp/core/stage_lock.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace asp {
namespace fs = std::filesystem;

namespace {

std::string holder_of(int fd) {
    char buf[256];
    ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    if (n <= 0) return "another process";
    std::string s(buf, static_cast<size_t>(n));
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    auto sp = s.find(' ');
    if (sp == std::string::npos) return "pid " + s;
    return s.substr(sp + 1) + " (pid " + s.substr(0, sp) + ")";
}

}  // namespace

StageLock StageLock::acquire(const fs::path& data_dir, std::string_view who) {
    fs::create_directories(data_dir);
    const fs::path path = path_in(data_dir);
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "cannot open the stage lock " + path.string());
    for (;;) {
        if (::flock(fd, LOCK_EX | LOCK_NB) == 0) break;
        if (errno == EINTR) continue;
        int e = errno;
        if (e == EWOULDBLOCK) {
            std::string holder = holder_of(fd);
            ::close(fd);
            throw StageLockBusy(holder + " holds the stage lock " + path.string() +
                                " of this data directory; not starting (exit 75: try again when it is done)");
        }
        ::close(fd);
        throw std::system_error(e, std::generic_category(), "cannot lock " + path.string());
    }
    std::string line = std::to_string(::getpid()) + " " + std::string(who) + "\n";
    if (::ftruncate(fd, 0) == 0) {
        [[maybe_unused]] ssize_t n = ::pwrite(fd, line.data(), line.size(), 0);
    }
    return StageLock(fd);
}

StageLock::~StageLock() {
    if (fd_ >= 0) ::close(fd_);  // drops the lock unless forked workers still share it
}

}  // namespace asp
