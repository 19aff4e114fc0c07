// ToolApp: what every tool's main shares, so each spells its common flags the same way:
// --help, --version, --data-dir, -v/--verbose, -q/--quiet; a wrong flag prints one line on
// stderr and exits 2; run() is the one catch that turns an unexpected exception into
// "<tool>: error: <what>" and exit code 1.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include <asp/core/data_dir.hpp>
#include <asp/core/log.hpp>
#include <asp/core/stage_lock.hpp>

namespace asp::tools {

class ToolApp {
public:
    ToolApp(std::string name, std::string description);

    CLI::App& cli() { return app_; }
    const std::string& name() const { return name_; }

    // Parses argv. Returns an exit code when the process should stop now (help, version,
    // bad flags), nullopt to go on. Sets up logging.
    std::optional<int> parse(int argc, char** argv);

    DataDir data_dir() const { return DataDir::resolve(data_dir_); }
    Verbosity verbosity() const;

    // Runs the tool body inside the one catch; checks that stdout could be flushed.
    int run(const std::function<int()>& body);

    // Takes the data directory's stage lock (asp/core/stage_lock.hpp) for the rest of the
    // process; call it inside run()'s body before touching the data directory. When another
    // stage holds it, run() prints who and returns 75.
    void hold_stage_lock();

    // Shared spellings of flags several tools take.
    void add_jobs(int& jobs);
    void add_force(bool& force);
    void add_retry_failed(bool& retry_failed);
    void add_wait_time(double& seconds, const std::string& what);

private:
    void print_storage_hint() const;

    std::string name_;
    CLI::App app_;
    std::string data_dir_;
    bool verbose_ = false;
    bool quiet_ = false;
    std::optional<StageLock> stage_lock_;
};

// Exit codes beyond 0/1/2 (docs/tools/common.md).
inline constexpr int kExitStorageFailure = 74;  // EX_IOERR: disk full, I/O error
inline constexpr int kExitTryLater = 75;        // EX_TEMPFAIL: stage lock busy, server down

// "<tool>: error: <message>" on stderr.
void print_error(const std::string& tool, const std::string& message);

}  // namespace asp::tools
