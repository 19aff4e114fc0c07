#include <asp/core/atomic_file.hpp>

#include "unit/catch_compat.hpp"

#include "unit/test_support.hpp"

using asp::AtomicFile;
namespace fs = std::filesystem;

TEST_CASE("AtomicFile commit puts the whole content under the final name", "[core]") {
    asp::test::TempDir tmp;
    auto path = tmp / "sub/out.txt";
    {
        AtomicFile f(path);
        f.write("hello ");
        CHECK_FALSE(fs::exists(path));  // nothing under the final name before commit
        f.write("world");
        f.commit();
    }
    CHECK(asp::read_file(path) == "hello world");
    CHECK(asp::remove_stale_temp_files(path.parent_path()) == 0);
}

TEST_CASE("AtomicFile without commit leaves no file and no temp file", "[core]") {
    asp::test::TempDir tmp;
    auto path = tmp / "out.txt";
    asp::write_file_atomic(path, "old");
    {
        AtomicFile f(path);
        f.write("new but abandoned");
    }
    CHECK(asp::read_file(path) == "old");
    size_t entries = 0;
    for ([[maybe_unused]] auto& e : fs::directory_iterator(tmp.path())) ++entries;
    CHECK(entries == 1);
}

TEST_CASE("remove_stale_temp_files removes only crashed writers' temp files", "[core]") {
    asp::test::TempDir tmp;
    auto path = tmp / "a.txt";
    asp::write_file_atomic(path, "x");
    std::string temp_name;
    {
        AtomicFile f(tmp / "b.txt");
        temp_name = f.temp_path().filename().string();
        // Simulate a crash: copy the temp file away before the destructor unlinks it.
        f.write("partial");
        f.flush();
        fs::copy_file(f.temp_path(), tmp / ("copy" + temp_name));
    }
    fs::rename(tmp / ("copy" + temp_name), tmp / temp_name);
    CHECK(asp::remove_stale_temp_files(tmp.path()) == 1);
    CHECK(fs::exists(path));
    CHECK_FALSE(fs::exists(tmp / temp_name));
}

TEST_CASE("AtomicFile reports an unwritable folder with its path", "[core]") {
    CHECK_THROWS_WITH(AtomicFile("/proc/asp-cannot-write/x"),
                      Catch::Contains("/proc/asp-cannot-write"));
}
