// Shared helpers of the unit tests: a temporary folder removed at scope exit, and where the
// corpus is (tests that need ../shared/corpus skip when it is absent).
#pragma once

#include <filesystem>
#include <iostream>
#include <random>
#include <string>

// Ends the current test as *skipped*: prints a line CTest matches (SKIP_REGULAR_EXPRESSION in
// tests/CMakeLists.txt), so the test counts as skipped, never as passed, and scripts/test.sh
// with CI=true fails unless tests/skip-allowlist.txt lists it with a reason. A plain WARN and
// return would count as a pass.
#define ASP_SKIP(reason)                                                  \
    do {                                                                  \
        std::cout << "ASP-TEST-SKIPPED: " << reason << std::endl;         \
        WARN("ASP-TEST-SKIPPED: " << reason);                             \
        return;                                                           \
    } while (0)

namespace asp::test {

class TempDir {
public:
    TempDir() {
        std::random_device rd;
        path_ = std::filesystem::temp_directory_path() /
                ("asp-test-" + std::to_string(rd()) + std::to_string(rd()));
        std::filesystem::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

// The corpus folder, or an empty path when absent.
inline std::filesystem::path corpus_dir() {
    const char* env = std::getenv("ASP_CORPUS_DIR");
    std::filesystem::path p = env && *env ? env : ASP_TEST_CORPUS;
    return std::filesystem::is_directory(p) ? p : std::filesystem::path();
}

inline std::filesystem::path fixtures_dir() { return ASP_TEST_FIXTURES; }

}  // namespace asp::test
