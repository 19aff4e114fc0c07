// Isolated jobs: run untrusted work (parsing and rendering PDFs from the Internet) in forked
// worker processes, each bounded in wall-clock time, CPU time and address space, so a PDF that
// hangs, crashes or eats memory costs a bounded amount and is reported as one failed job while
// the others go on.
//
// Each job runs in a fresh fork() of the calling process: it inherits whatever the parent set
// up (libraries initialised, fonts loaded), does its work, writes its own outputs (through
// AtomicFile) and reports ok / failure-with-reason through a pipe. The parent never shares
// memory with a job after the fork, so a corrupted heap in a job cannot spread.
//
// Workers die with their parent: each sets PR_SET_PDEATHSIG (SIGKILL), so killing only the
// parent stops its workers at once. A job must therefore not publish its own output (rename
// into place): it writes a temporary file and the parent publishes it from on_outcome (see
// asp/core/atomic_file.hpp), so nothing is published after the parent died.
//
// A job that throws std::system_error with a storage-failure errno (is_storage_failure: disk
// full, I/O error) ends as StorageFailed, carrying the errno: the machine failed, not the job's
// input. If on_outcome throws, the running workers are killed and reaped before the exception
// leaves run_isolated_jobs.
//
// Call only from a single-threaded process (fork() of a multi-threaded one copies one thread).
// The job function must not touch the parent's open SQLite handles; it runs in the child only.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

#include <asp/core/result.hpp>

namespace asp {

struct ProcessLimits {
    // Killed (SIGKILL) after this long: the only limit that catches a job stuck in a wait.
    std::chrono::milliseconds wall_time{std::chrono::seconds(120)};
    // RLIMIT_CPU; 0 for none.
    std::chrono::seconds cpu_time{120};
    // RLIMIT_AS in MiB; 0 for none. Not applied in AddressSanitizer builds (its shadow
    // memory needs terabytes of address space).
    size_t address_space_mib = 1024;
};

enum class JobStatus {
    Ok,        // the job said it succeeded
    Failed,    // the job said it failed, with a reason (a broken PDF, ...)
    TimedOut,  // killed at the wall-clock limit
    Crashed,   // died by a signal (segfault, abort, CPU limit) or exited without a report
    StorageFailed,  // the job met a storage failure (disk full, I/O error): not the input's fault
};

struct JobOutcome {
    JobStatus status = JobStatus::Ok;
    std::string reason;  // empty when ok
    int error = 0;       // the errno of a StorageFailed outcome
    bool ok() const { return status == JobStatus::Ok; }
};

// Runs job(i) for i in [0, count) in forked children, at most `workers` at a time. on_outcome
// is called in the parent for every job, in completion order; it may do anything the parent
// can (write to the database). An exception from job() becomes a Failed outcome with its
// message; std::bad_alloc becomes "out of memory".
void run_isolated_jobs(size_t count, int workers, const ProcessLimits& limits,
                       const std::function<Status(size_t index)>& job,
                       const std::function<void(size_t index, const JobOutcome&)>& on_outcome);

// Whether RLIMIT_AS is applied to the jobs in this build (false under AddressSanitizer).
bool address_space_limit_supported();

}  // namespace asp
