// FaultyFileSystem: the test implementation of asp::FileSystem (leveldb's fault-injection Env
// idea). Installed for a scope, it passes every call to the real file system except the ones a
// rule says must fail: a rule names the operation (write, sync, close, rename, create, sync_dir),
// an optional path substring, how many matching calls succeed first, and the errno to return.
// Counters live in memory shared with forked children (pdf2txt/thumb workers), so "the 3rd
// write of any process of this run" means the same in the parent and the workers.
#pragma once

#include <sys/mman.h>

#include <atomic>
#include <cerrno>
#include <filesystem>
#include <stdexcept>
#include <string>

#include <asp/core/file_system.hpp>

namespace asp::test {

enum class FsOp { Create, Write, Sync, Close, Rename, SyncDir };

class FaultyFileSystem : public asp::FileSystem {
public:
    struct Rule {
        FsOp op = FsOp::Write;
        std::string path_contains;  // empty: every path
        long succeed_first = 0;     // matching calls that still succeed
        int err = ENOSPC;
        long fail_times = -1;       // how many calls fail after that (-1: all)
    };

    explicit FaultyFileSystem(Rule rule) : rule_(std::move(rule)) {
        void* p = ::mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) throw std::runtime_error("mmap");
        shared_ = new (p) Shared{};
        previous_ = asp::set_file_system(this);
    }
    ~FaultyFileSystem() override {
        asp::set_file_system(previous_);
        ::munmap(shared_, sizeof(Shared));
    }
    FaultyFileSystem(const FaultyFileSystem&) = delete;
    FaultyFileSystem& operator=(const FaultyFileSystem&) = delete;

    long matched() const { return shared_->matched.load(); }
    long failed() const { return shared_->failed.load(); }

    int create_new(const std::filesystem::path& p, int& fd) override {
        if (int e = fault(FsOp::Create, p)) return e;
        return FileSystem::create_new(p, fd);
    }
    int write(int fd, const void* d, size_t n, const std::filesystem::path& p) override {
        if (int e = fault(FsOp::Write, p)) return e;
        return FileSystem::write(fd, d, n, p);
    }
    int sync(int fd, const std::filesystem::path& p) override {
        if (int e = fault(FsOp::Sync, p)) return e;
        return FileSystem::sync(fd, p);
    }
    int close(int fd, const std::filesystem::path& p) override {
        if (int e = fault(FsOp::Close, p)) {
            FileSystem::close(fd, p);  // the descriptor is gone either way, as on Linux
            return e;
        }
        return FileSystem::close(fd, p);
    }
    int rename(const std::filesystem::path& from, const std::filesystem::path& to) override {
        if (int e = fault(FsOp::Rename, to)) return e;
        return FileSystem::rename(from, to);
    }
    int sync_dir(const std::filesystem::path& dir) override {
        if (int e = fault(FsOp::SyncDir, dir)) return e;
        return FileSystem::sync_dir(dir);
    }

private:
    struct Shared {
        std::atomic<long> matched{0};
        std::atomic<long> failed{0};
    };

    int fault(FsOp op, const std::filesystem::path& p) {
        if (op != rule_.op) return 0;
        if (!rule_.path_contains.empty() && p.string().find(rule_.path_contains) == std::string::npos) return 0;
        long n = shared_->matched.fetch_add(1);
        if (n < rule_.succeed_first) return 0;
        if (rule_.fail_times >= 0 && n - rule_.succeed_first >= rule_.fail_times) return 0;
        shared_->failed.fetch_add(1);
        return rule_.err;
    }

    Rule rule_;
    Shared* shared_ = nullptr;
    asp::FileSystem* previous_ = nullptr;
};

}  // namespace asp::test
