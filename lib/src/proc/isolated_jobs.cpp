#include <asp/proc/isolated_jobs.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <new>
#include <stdexcept>
#include <system_error>
#include <vector>

#include <asp/core/file_system.hpp>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ASP_UNDER_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define ASP_UNDER_ASAN 1
#endif

namespace asp {
namespace {

using Clock = std::chrono::steady_clock;

// What a child writes to its pipe: one status byte ('O' ok, 'F' failed, 'M' storage failure
// followed by "<errno> ") and the reason.
constexpr size_t kMaxReport = 4096;

struct Running {
    pid_t pid = -1;
    int fd = -1;
    size_t index = 0;
    Clock::time_point deadline;
    std::string report;
};

void write_all(int fd, const std::string& s) {
    size_t off = 0;
    while (off < s.size()) {
        ssize_t n = ::write(fd, s.data() + off, s.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        off += static_cast<size_t>(n);
    }
}

void apply_limits(const ProcessLimits& limits) {
    rlimit core{0, 0};
    ::setrlimit(RLIMIT_CORE, &core);  // a crashing PDF must not fill the disk with cores
    if (limits.cpu_time.count() > 0) {
        auto s = static_cast<rlim_t>(limits.cpu_time.count());
        rlimit cpu{s, s + 1};  // SIGXCPU at the soft limit, SIGKILL one second later
        ::setrlimit(RLIMIT_CPU, &cpu);
    }
#ifndef ASP_UNDER_ASAN
    if (limits.address_space_mib > 0) {
        auto bytes = static_cast<rlim_t>(limits.address_space_mib) << 20;
        rlimit as{bytes, bytes};
        ::setrlimit(RLIMIT_AS, &as);
    }
#endif
}

[[noreturn]] void child_main(int fd, size_t index, const ProcessLimits& limits, pid_t parent,
                             const std::function<Status(size_t)>& job) {
    // Die with the parent; if it is already gone (it died before this line), stop now.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(1);
    // The parent's handlers (a test framework's crash reporter, ...) must not run here: a
    // crash of the job is for the parent to see as a signal.
    for (int sig : {SIGPIPE, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTERM, SIGINT})
        ::signal(sig, SIG_DFL);
    apply_limits(limits);
    std::string report;
    try {
        Status st = job(index);
        report = st.ok() ? std::string("O") : "F" + st.error().message;
    } catch (const std::bad_alloc&) {
        report = "Fout of memory";
    } catch (const std::system_error& e) {
        report = is_storage_failure(e.code()) ? "M" + std::to_string(e.code().value()) + " " + e.what()
                                              : std::string("F") + e.what();
    } catch (const std::exception& e) {
        report = std::string("F") + e.what();
    } catch (...) {
        report = "Funknown error";
    }
    if (report.size() > kMaxReport) report.resize(kMaxReport);
    write_all(fd, report);
    ::close(fd);
    std::fflush(nullptr);
    ::_exit(0);  // no static destructors or atexit handlers of the parent's state
}

std::string signal_reason(int sig, const ProcessLimits& limits) {
    if (sig == SIGXCPU || (sig == SIGKILL && limits.cpu_time.count() > 0))
        return "killed by signal " + std::to_string(sig) + " (" + strsignal(sig) +
               "; CPU limit " + std::to_string(limits.cpu_time.count()) + " s, memory limit " +
               std::to_string(limits.address_space_mib) + " MiB)";
    std::string r = "crashed (signal " + std::to_string(sig) + ": " + strsignal(sig) + ")";
    if (sig == SIGABRT && limits.address_space_mib > 0 && address_space_limit_supported())
        r += "; possibly out of memory (limit " + std::to_string(limits.address_space_mib) +
             " MiB)";
    return r;
}

JobOutcome outcome_of(const Running& r, int wstatus, const ProcessLimits& limits) {
    if (!r.report.empty() && WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) {
        if (r.report[0] == 'O') return {JobStatus::Ok, ""};
        if (r.report[0] == 'M') {
            JobOutcome m{JobStatus::StorageFailed, "", EIO};
            const auto sp = r.report.find(' ');
            try {
                m.error = std::stoi(r.report.substr(1, sp - 1));
            } catch (...) {
            }
            m.reason = sp == std::string::npos ? "storage failure" : r.report.substr(sp + 1);
            return m;
        }
        std::string reason = r.report.substr(1);
        if (reason.empty()) reason = "failed";
        return {JobStatus::Failed, reason};
    }
    if (WIFSIGNALED(wstatus)) return {JobStatus::Crashed, signal_reason(WTERMSIG(wstatus), limits)};
    return {JobStatus::Crashed,
            "worker exited with code " + std::to_string(WEXITSTATUS(wstatus)) + " without a report"};
}

pid_t wait_pid(pid_t pid, int& wstatus) {
    for (;;) {
        pid_t r = ::waitpid(pid, &wstatus, 0);
        if (r < 0 && errno == EINTR) continue;
        return r;
    }
}

}  // namespace

bool address_space_limit_supported() {
#ifdef ASP_UNDER_ASAN
    return false;
#else
    return true;
#endif
}

void run_isolated_jobs(size_t count, int workers, const ProcessLimits& limits,
                       const std::function<Status(size_t)>& job,
                       const std::function<void(size_t, const JobOutcome&)>& on_outcome) {
    workers = std::max(1, workers);
    std::vector<Running> running;
    size_t next = 0;
    const pid_t self = ::getpid();
    // Whatever leaves this function early (on_outcome threw) takes the workers with it.
    struct Reaper {
        std::vector<Running>& running;
        ~Reaper() {
            for (auto& r : running) {
                ::kill(r.pid, SIGKILL);
                int ws = 0;
                wait_pid(r.pid, ws);
                ::close(r.fd);
            }
        }
    } reaper{running};

    auto finish = [&](size_t slot, const JobOutcome* forced) {
        Running r = std::move(running[slot]);
        running.erase(running.begin() + static_cast<std::ptrdiff_t>(slot));
        if (forced) ::kill(r.pid, SIGKILL);
        int wstatus = 0;
        wait_pid(r.pid, wstatus);
        ::close(r.fd);
        JobOutcome out = forced ? *forced : outcome_of(r, wstatus, limits);
        on_outcome(r.index, out);
    };

    while (next < count || !running.empty()) {
        while (next < count && running.size() < static_cast<size_t>(workers)) {
            int fds[2];
            if (::pipe2(fds, O_CLOEXEC) != 0)
                throw std::system_error(errno, std::generic_category(), "pipe");
            std::fflush(nullptr);  // the child must not flush the parent's buffers again
            pid_t pid = ::fork();
            if (pid < 0) {
                int e = errno;
                ::close(fds[0]);
                ::close(fds[1]);
                throw std::system_error(e, std::generic_category(), "fork");
            }
            if (pid == 0) {
                ::close(fds[0]);
                for (const auto& r : running) ::close(r.fd);
                child_main(fds[1], next, limits, self, job);
            }
            ::close(fds[1]);
            running.push_back({pid, fds[0], next, Clock::now() + limits.wall_time, {}});
            ++next;
        }

        auto now = Clock::now();
        auto earliest = running.front().deadline;
        for (const auto& r : running) earliest = std::min(earliest, r.deadline);
        if (earliest <= now) {
            for (size_t i = 0; i < running.size();) {
                if (running[i].deadline <= now) {
                    JobOutcome t{JobStatus::TimedOut,
                                 "timed out after " +
                                     std::to_string(limits.wall_time.count() / 1000.0).substr(0, 5) +
                                     " s (killed)"};
                    finish(i, &t);
                } else {
                    ++i;
                }
            }
            continue;
        }
        auto wait_ms = std::chrono::duration_cast<std::chrono::milliseconds>(earliest - now).count();
        std::vector<pollfd> pfds;
        pfds.reserve(running.size());
        for (const auto& r : running) pfds.push_back({r.fd, POLLIN, 0});
        int n = ::poll(pfds.data(), pfds.size(), static_cast<int>(std::min<long long>(wait_ms + 1, 60000)));
        if (n < 0) {
            if (errno == EINTR) continue;
            throw std::system_error(errno, std::generic_category(), "poll");
        }
        // Walk backwards so erasing a finished slot keeps the earlier indexes valid.
        for (size_t k = pfds.size(); k-- > 0;) {
            if (!(pfds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            char buf[1024];
            ssize_t got = ::read(running[k].fd, buf, sizeof buf);
            if (got > 0) {
                if (running[k].report.size() < kMaxReport) running[k].report.append(buf, static_cast<size_t>(got));
                continue;
            }
            if (got < 0 && errno == EINTR) continue;
            finish(k, nullptr);  // EOF: the child closed its end (exited)
        }
    }
}

}  // namespace asp
