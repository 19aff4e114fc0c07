// Logging for the tools: spdlog on stderr, one format for every tool, and a progress
// reporter for long work (a bar on a terminal, a log line every few seconds otherwise).
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>

#include <spdlog/spdlog.h>

namespace asp {

enum class Verbosity { Quiet, Normal, Verbose };

// Sets the default logger: "<tool>: [level] message" on stderr. Every message goes through
// log_escape (below) on its way out.
void init_logging(const std::string& tool, Verbosity verbosity);
Verbosity current_verbosity();

// Text from outside (a request's path, a header, a feed's field) made safe for one log line:
// control characters (C0, DEL, C1), backslashes and bytes that are not valid UTF-8 become
// \xHH, so nobody can end a log line, forge another or send terminal escapes through it.
// init_logging's formatter applies it to every message, so call sites log text as it is.
std::string log_escape(std::string_view text);

// Progress over a known number of items. Thread-safe.
class Progress {
public:
    Progress(std::string label, size_t total);
    ~Progress();
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;

    void advance(size_t n = 1);
    void finish();

private:
    void report(bool force);

    std::string label_;
    size_t total_;
    size_t done_ = 0;
    bool tty_;
    bool finished_ = false;
    std::chrono::steady_clock::time_point start_, last_;
    std::mutex mu_;
};

// The end of a stage: counts and time; printed as one summary line.
struct StageSummary {
    size_t done = 0;
    size_t skipped = 0;
    size_t failed = 0;
    double seconds = 0;
    std::string line(const std::string& stage) const;
};

}  // namespace asp
