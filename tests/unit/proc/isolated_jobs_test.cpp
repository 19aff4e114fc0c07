#include <asp/proc/isolated_jobs.hpp>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <new>
#include <stdexcept>
#include <thread>
#include <vector>

#include "unit/catch_compat.hpp"

using namespace asp;
using namespace std::chrono_literals;

namespace {

std::map<size_t, JobOutcome> run_all(size_t n, int workers, const ProcessLimits& limits,
                                     const std::function<Status(size_t)>& job) {
    std::map<size_t, JobOutcome> out;
    run_isolated_jobs(n, workers, limits, job, [&](size_t i, const JobOutcome& o) {
        REQUIRE(out.count(i) == 0);
        out[i] = o;
    });
    return out;
}

}  // namespace

TEST_CASE("isolated jobs report success and failure reasons", "[proc]") {
    auto out = run_all(4, 2, {}, [](size_t i) -> Status {
        if (i % 2) return fail("odd job " + std::to_string(i));
        return Ok{};
    });
    REQUIRE(out.size() == 4);
    CHECK(out[0].status == JobStatus::Ok);
    CHECK(out[1].status == JobStatus::Failed);
    CHECK(out[1].reason == "odd job 1");
    CHECK(out[3].reason == "odd job 3");
}

TEST_CASE("an exception in a job is a failure with its message", "[proc]") {
    auto out = run_all(1, 1, {}, [](size_t) -> Status { throw std::runtime_error("boom"); });
    CHECK(out[0].status == JobStatus::Failed);
    CHECK(out[0].reason == "boom");
}

TEST_CASE("a crashing job is reported and the others go on", "[proc]") {
    auto out = run_all(3, 2, {}, [](size_t i) -> Status {
        if (i == 1) ::raise(SIGSEGV);
        return Ok{};
    });
    CHECK(out[0].ok());
    CHECK(out[2].ok());
    CHECK(out[1].status == JobStatus::Crashed);
    CHECK_THAT(out[1].reason, Catch::Contains("signal"));
}

TEST_CASE("a job past the wall-clock limit is killed", "[proc]") {
    ProcessLimits limits;
    limits.wall_time = 300ms;
    auto t0 = std::chrono::steady_clock::now();
    auto out = run_all(2, 2, limits, [](size_t i) -> Status {
        if (i == 0)
            for (;;) ::pause();  // hangs forever
        return Ok{};
    });
    auto took = std::chrono::steady_clock::now() - t0;
    CHECK(out[0].status == JobStatus::TimedOut);
    CHECK_THAT(out[0].reason, Catch::Contains("timed out"));
    CHECK(out[1].ok());
    CHECK(took < 10s);
}

TEST_CASE("a job past the memory limit fails instead of taking the machine", "[proc]") {
    if (!address_space_limit_supported()) {
        WARN("address-space limits are off in this (sanitizer) build");
        return;
    }
    ProcessLimits limits;
    limits.address_space_mib = 512;
    auto out = run_all(1, 1, limits, [](size_t) -> Status {
        std::vector<char*> blocks;
        for (int i = 0; i < 64; ++i) {  // 4 GiB in all, touched
            char* p = new char[64u << 20];
            for (size_t k = 0; k < (64u << 20); k += 4096) p[k] = 1;
            blocks.push_back(p);
        }
        return Ok{};
    });
    CHECK(out[0].status == JobStatus::Failed);
    CHECK(out[0].reason == "out of memory");
}

TEST_CASE("at most `workers` jobs run at once", "[proc]") {
    // Each job reports its start and end times through its exit... instead: every job sleeps,
    // so 4 jobs on 2 workers take at least two rounds.
    auto t0 = std::chrono::steady_clock::now();
    auto out = run_all(4, 2, {}, [](size_t) -> Status {
        std::this_thread::sleep_for(200ms);
        return Ok{};
    });
    auto took = std::chrono::steady_clock::now() - t0;
    CHECK(out.size() == 4);
    CHECK(took >= 400ms);
}
