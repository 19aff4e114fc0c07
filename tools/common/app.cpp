#include "common/app.hpp"

#include <cstdio>
#include <exception>
#include <iostream>
#include <thread>

#include <asp/core/file_system.hpp>

namespace asp::tools {

void print_error(const std::string& tool, const std::string& message) {
    std::fprintf(stderr, "%s: error: %s\n", tool.c_str(), message.c_str());
    std::fflush(stderr);
}

ToolApp::ToolApp(std::string name, std::string description)
    : name_(std::move(name)), app_(std::move(description), name_) {
    app_.set_version_flag("--version", std::string(name_) + " (arxiv-sanity-cpp) " + ASP_VERSION);
    app_.add_option("--data-dir", data_dir_,
                    "Data directory (default: $ASP_DATA_DIR, else ./data)");
    auto* v = app_.add_flag("-v,--verbose", verbose_, "Log more (debug level)");
    auto* q = app_.add_flag("-q,--quiet", quiet_, "Log only warnings and errors");
    v->excludes(q);
}

Verbosity ToolApp::verbosity() const {
    if (quiet_) return Verbosity::Quiet;
    if (verbose_) return Verbosity::Verbose;
    return Verbosity::Normal;
}

std::optional<int> ToolApp::parse(int argc, char** argv) {
    try {
        app_.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        std::cout << app_.help();
        return 0;
    } catch (const CLI::CallForAllHelp&) {
        std::cout << app_.help("", CLI::AppFormatMode::All);
        return 0;
    } catch (const CLI::CallForVersion&) {
        std::cout << app_.version() << "\n";
        return 0;
    } catch (const CLI::ParseError& e) {
        std::string what = e.what();
        for (auto& c : what)
            if (c == '\n') c = ' ';
        print_error(name_, what + " (see --help)");
        return 2;
    }
    init_logging(name_, verbosity());
    return std::nullopt;
}

void ToolApp::print_storage_hint() const {
    print_error(name_, "the machine failed (disk full or failing), not the input: nothing was "
                       "recorded for the item in progress and no good output was replaced; free "
                       "space and run again (exit 74)");
}

int ToolApp::run(const std::function<int()>& body) {
    int rc;
    try {
        rc = body();
    } catch (const TryLater& e) {
        print_error(name_, e.what());
        return kExitTryLater;
    } catch (const std::system_error& e) {
        print_error(name_, e.what());
        if (!is_storage_failure(e.code())) return 1;
        print_storage_hint();
        return kExitStorageFailure;
    } catch (const std::exception& e) {
        print_error(name_, e.what());
        // SQLite's words for the same trouble (SQLITE_FULL, SQLITE_IOERR).
        const std::string what = e.what();
        if (what.find("database or disk is full") == std::string::npos &&
            what.find("disk I/O error") == std::string::npos)
            return 1;
        print_storage_hint();
        return kExitStorageFailure;
    }
    if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
        print_error(name_, "cannot write to standard output");
        return 1;
    }
    std::cout.flush();
    if (!std::cout) {
        print_error(name_, "cannot write to standard output");
        return 1;
    }
    return rc;
}

void ToolApp::hold_stage_lock() {
    if (!stage_lock_) stage_lock_.emplace(StageLock::acquire(data_dir().root(), name_));
}

void ToolApp::add_jobs(int& jobs) {
    jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    app_.add_option("-j,--jobs", jobs, "Parallel workers (default: number of cores)")
        ->check(CLI::Range(1, 256));
}

void ToolApp::add_force(bool& force) {
    app_.add_flag("--force", force, "Redo work whose output already exists");
}

void ToolApp::add_retry_failed(bool& retry_failed) {
    app_.add_flag("--retry-failed", retry_failed, "Retry papers recorded as failed");
}

void ToolApp::add_wait_time(double& seconds, const std::string& what) {
    app_.add_option("--wait-time", seconds, what)->check(CLI::NonNegativeNumber);
}

}  // namespace asp::tools
