// The fault-injecting file layer under AtomicFile: every write, fsync, close and rename can be
// made to fail, and a failure never puts anything under the final name nor leaves a temp file.
#include <asp/core/atomic_file.hpp>
#include <asp/core/file_system.hpp>

#include "unit/catch_compat.hpp"
#include "unit/core/faulty_file_system.hpp"
#include "unit/test_support.hpp"

namespace fs = std::filesystem;
using asp::test::FaultyFileSystem;
using asp::test::FsOp;

TEST_CASE("every AtomicFile step fails through the file layer, keeping the old file", "[core]") {
    for (FsOp op : {FsOp::Create, FsOp::Write, FsOp::Sync, FsOp::Close, FsOp::Rename}) {
        for (int err : {ENOSPC, EIO}) {
            asp::test::TempDir tmp;
            auto path = tmp / "out.txt";
            asp::write_file_atomic(path, "good old content");
            FaultyFileSystem faults({op, "", 0, err});
            try {
                asp::write_file_atomic(path, std::string(200000, 'x'));
                FAIL("no error with op " << static_cast<int>(op));
            } catch (const std::system_error& e) {
                CHECK(e.code().value() == err);
                CHECK(asp::is_storage_failure(e.code()));
            }
            CHECK(faults.failed() == 1);
            CHECK(asp::read_file(path) == "good old content");
            CHECK(asp::remove_stale_temp_files(tmp.path()) == 0);
        }
    }
}

TEST_CASE("a failing folder fsync after the rename is reported when it is a storage failure", "[core]") {
    asp::test::TempDir tmp;
    FaultyFileSystem faults({FsOp::SyncDir, "", 0, EIO});
    CHECK_THROWS_AS(asp::write_file_atomic(tmp / "a.txt", "x"), std::system_error);
}

TEST_CASE("the file layer can let the first calls through", "[core]") {
    asp::test::TempDir tmp;
    FaultyFileSystem faults({FsOp::Rename, "", 2, ENOSPC});
    asp::write_file_atomic(tmp / "1.txt", "1");
    asp::write_file_atomic(tmp / "2.txt", "2");
    CHECK_THROWS_AS(asp::write_file_atomic(tmp / "3.txt", "3"), std::system_error);
    CHECK(fs::exists(tmp / "2.txt"));
    CHECK_FALSE(fs::exists(tmp / "3.txt"));
}

TEST_CASE("write_file_unpublished and publish_file are the two halves of an atomic write", "[core]") {
    asp::test::TempDir tmp;
    auto final_path = tmp / "out.jpg";
    auto temp = asp::temp_path_for(final_path);
    asp::write_file_unpublished(temp, "bytes");
    CHECK_FALSE(fs::exists(final_path));
    CHECK(asp::read_file(temp) == "bytes");
    asp::publish_file(temp, final_path);
    CHECK(asp::read_file(final_path) == "bytes");
    CHECK_FALSE(fs::exists(temp));
    // An unpublished temp file is what remove_stale_temp_files removes.
    asp::write_file_unpublished(asp::temp_path_for(final_path), "left over");
    CHECK(asp::remove_stale_temp_files(tmp.path()) == 1);
}

TEST_CASE("storage failures are the machine's errnos", "[core]") {
    for (int e : {ENOSPC, EDQUOT, EIO, EROFS}) CHECK(asp::is_storage_failure(e));
    for (int e : {ENOENT, EACCES, EINVAL, EEXIST}) CHECK_FALSE(asp::is_storage_failure(e));
}
