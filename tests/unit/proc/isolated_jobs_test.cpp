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
#include "unit/test_support.hpp"

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
        ASP_SKIP("address-space limits are off in this (sanitizer) build");
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

#include <sys/wait.h>

#include <filesystem>
#include <fstream>

#include <asp/core/atomic_file.hpp>

#include "unit/test_support.hpp"

namespace {

pid_t read_pid(const std::filesystem::path& p) {
    std::ifstream in(p);
    pid_t pid = 0;
    in >> pid;
    return pid;
}

bool alive(pid_t pid) { return ::kill(pid, 0) == 0; }

}  // namespace

TEST_CASE("workers die with their parent and never publish after it", "[proc]") {
    asp::test::TempDir tmp;
    const auto pid_file = tmp / "worker.pid";
    const auto out = tmp / "out.txt";
    pid_t parent = ::fork();
    REQUIRE(parent >= 0);
    if (parent == 0) {
        // The stage's parent: runs one slow job whose output it would publish on success.
        const auto temp = asp::temp_path_for(out);
        run_isolated_jobs(
            1, 1, {},
            [&](size_t) -> Status {
                asp::write_file_atomic(pid_file, std::to_string(::getpid()));
                asp::write_file_unpublished(temp, "made by the worker");
                for (int i = 0; i < 600; ++i) std::this_thread::sleep_for(100ms);
                return Ok{};
            },
            [&](size_t, const JobOutcome& o) {
                if (o.ok()) asp::publish_file(temp, out);
            });
        ::_exit(0);
    }
    // Poll (no fixed sleep) until the worker runs, then kill only the parent.
    pid_t worker = 0;
    for (int i = 0; i < 600 && worker == 0; ++i) {
        worker = read_pid(pid_file);
        if (worker == 0) std::this_thread::sleep_for(10ms);
    }
    REQUIRE(worker > 0);
    REQUIRE(::kill(parent, SIGKILL) == 0);
    int status = 0;
    REQUIRE(::waitpid(parent, &status, 0) == parent);
    REQUIRE(WIFSIGNALED(status));  // the kill happened
    // The worker is re-parented (to init or a subreaper) and must be gone within seconds, not
    // after its 60 s job.
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (alive(worker) && std::chrono::steady_clock::now() < deadline) {
        ::waitpid(worker, nullptr, WNOHANG);  // in case this process is the subreaper
        std::this_thread::sleep_for(10ms);
    }
    // A zombie that nobody reaped still answers kill(0): look at its state.
    bool running = false;
    {
        std::ifstream st("/proc/" + std::to_string(worker) + "/stat");
        std::string pid_s, comm, state;
        if (st >> pid_s >> comm >> state) running = state != "Z" && state != "X";
    }
    CHECK_FALSE(running);
    CHECK_FALSE(std::filesystem::exists(out));
}

TEST_CASE("a storage failure in a job is reported as such, with its errno", "[proc]") {
    auto out = run_all(2, 1, {}, [](size_t i) -> Status {
        if (i == 1) throw std::system_error(ENOSPC, std::generic_category(), "write failed: x.txt");
        throw std::system_error(ENOENT, std::generic_category(), "cannot open y.pdf");
    });
    CHECK(out[0].status == JobStatus::Failed);
    CHECK(out[1].status == JobStatus::StorageFailed);
    CHECK(out[1].error == ENOSPC);
    CHECK_THAT(out[1].reason, Catch::Contains("x.txt"));
}

TEST_CASE("when on_outcome throws, the running workers are killed and reaped", "[proc]") {
    std::vector<pid_t> seen;
    CHECK_THROWS_AS(run_isolated_jobs(
                        3, 3, {},
                        [](size_t i) -> Status {
                            if (i != 0) std::this_thread::sleep_for(60s);
                            return Ok{};
                        },
                        [&](size_t, const JobOutcome&) { throw std::runtime_error("stop"); }),
                    std::runtime_error);
    // No child left: waitpid says there is none.
    CHECK(::waitpid(-1, nullptr, WNOHANG) == -1);
}
