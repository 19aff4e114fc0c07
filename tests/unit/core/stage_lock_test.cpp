#include <asp/core/stage_lock.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include "unit/catch_compat.hpp"
#include "unit/test_support.hpp"

TEST_CASE("a second stage lock on one data directory is refused at once, naming the holder", "[core]") {
    asp::test::TempDir tmp;
    auto dir = tmp / "data";
    auto first = asp::StageLock::acquire(dir, "pdf2txt");
    // Another process (flock locks belong to the open file, so a fork tests the real case).
    pid_t pid = ::fork();
    if (pid == 0) {
        int rc = 3;
        try {
            asp::StageLock::acquire(dir, "thumb");
            rc = 1;
        } catch (const asp::StageLockBusy& e) {
            std::string what = e.what();
            rc = what.find("pdf2txt (pid " + std::to_string(::getppid()) + ")") != std::string::npos ? 0 : 2;
        } catch (...) {
        }
        ::_exit(rc);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("the stage lock is free again once its holder lets go", "[core]") {
    asp::test::TempDir tmp;
    { auto first = asp::StageLock::acquire(tmp.path(), "fetch"); }
    pid_t pid = ::fork();
    if (pid == 0) {
        try {
            asp::StageLock::acquire(tmp.path(), "download");
            ::_exit(0);
        } catch (...) {
            ::_exit(1);
        }
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
}
