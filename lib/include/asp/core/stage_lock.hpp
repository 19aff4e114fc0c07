// StageLock: the data directory's stage lock, DATA_DIR/.stage.lock. Every stage (fetch,
// download, pdf2txt, thumb, analyze, buildsvm, sync) holds it for its whole run, so two
// stages never work on one data directory at once, whether started by Makefile.pipeline
// (which also holds DATA_DIR/.pipeline.lock around a whole run) or by hand.
//
// A second copy does not wait: acquire() throws StageLockBusy at once, naming the holder
// (the tools print it and exit 75, EX_TEMPFAIL: "try again later"). The lock is an flock(2)
// on an open file: the kernel drops it when the last process holding the descriptor ends,
// even after kill -9, so a crashed stage never blocks the next. Forked workers (pdf2txt,
// thumb) share the descriptor, so the lock is held until they are gone too; they die with
// their parent (PR_SET_PDEATHSIG), so that is at once.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

namespace asp {

// "Not now, try again later" (the tools exit 75, EX_TEMPFAIL): the stage lock is busy, or a
// server keeps failing (download).
class TryLater : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class StageLockBusy : public TryLater {
public:
    using TryLater::TryLater;
};

class StageLock {
public:
    // Creates the data directory if needed, then takes the lock on DATA_DIR/.stage.lock and
    // writes "<pid> <who>" into it (for the message a second copy prints). Throws
    // StageLockBusy when another process holds it, std::system_error when the file cannot
    // be opened.
    static StageLock acquire(const std::filesystem::path& data_dir, std::string_view who);

    StageLock(StageLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
    StageLock& operator=(StageLock&&) = delete;
    StageLock(const StageLock&) = delete;
    ~StageLock();

    static std::filesystem::path path_in(const std::filesystem::path& data_dir) {
        return data_dir / ".stage.lock";
    }

private:
    explicit StageLock(int fd) : fd_(fd) {}
    int fd_ = -1;
};

}  // namespace asp
