// pdf2txt and thumb on a failing disk (issue 15, point 3): every write, fsync and rename of the
// stage fails in turn through the fault-injecting file layer. The stage stops with a
// StorageFailure, records nothing against the paper, never replaces a good output (thumb never
// puts the placeholder over a good strip), and a plain rerun finishes the job.
#include <asp/pdf/document_stage.hpp>

#include <filesystem>

#include <asp/core/atomic_file.hpp>
#include <asp/core/file_system.hpp>
#include <asp/pdf/minimal_pdf.hpp>
#include <asp/pdf/small_disk.hpp>
#include <asp/store/papers_db.hpp>

#include "unit/catch_compat.hpp"
#include "unit/core/faulty_file_system.hpp"
#include "unit/test_support.hpp"

using namespace asp;
using asp::test::FaultyFileSystem;
using asp::test::FsOp;
namespace fs = std::filesystem;

namespace {

const char* kIds[] = {"2101.00001", "2101.00002", "2101.00003"};

DataDir make_data(const fs::path& root) {
    DataDir dir(root);
    dir.create_layout();
    PapersDb db(dir.papers_db(), OpenMode::ReadWrite);
    for (const char* id : kIds) {
        Paper p;
        p.id = id;
        p.title = std::string("Paper ") + id;
        p.published = p.updated = "2021-01-01T00:00:00Z";
        p.primary_category = "cs.DC";
        p.categories = {"cs.DC"};
        db.upsert(p);
        write_file_atomic(dir.pdf_path(id, 1), make_minimal_pdf({std::string("words of ") + id}));
    }
    return dir;
}

DocumentStageParams params() {
    DocumentStageParams p;
    p.jobs = 2;
    p.limits.wall_time = std::chrono::seconds(60);
    return p;
}

size_t records(const DataDir& dir, const char* stage) {
    PapersDb db(dir.papers_db(), OpenMode::ReadOnly);
    return db.stage_records(stage).size();
}

size_t hidden_temp_files(const fs::path& d) {
    size_t n = 0;
    for (const auto& e : fs::directory_iterator(d))
        if (e.path().filename().string().find(".tmp-asp-") != std::string::npos) ++n;
    return n;
}

}  // namespace

TEST_CASE("pdf2txt stops on a full disk at any write, fsync or rename, records nothing, and a rerun finishes",
          "[pdf][storage]") {
    for (FsOp op : {FsOp::Create, FsOp::Write, FsOp::Sync, FsOp::Rename}) {
        for (long after : {0L, 1L}) {
            CAPTURE(static_cast<int>(op), after);
            test::TempDir tmp;
            DataDir dir = make_data(tmp.path());
            {
                FaultyFileSystem faults({op, ".txt", after, ENOSPC});
                try {
                    run_document_stage(DocumentKind::Text, dir, params());
                    FAIL("the stage did not stop");
                } catch (const StorageFailure& e) {
                    CHECK(e.code().value() == ENOSPC);
                }
                CHECK(faults.failed() >= 1);
            }
            // Only papers that were published before the failure are recorded, each done with
            // its file; none is recorded failed.
            {
                PapersDb db(dir.papers_db(), OpenMode::ReadOnly);
                auto recs = db.stage_records("pdf2txt");
                CHECK(recs.size() <= static_cast<size_t>(after));
                for (const auto& [id, r] : recs) {
                    CHECK(r.state == StageState::Done);
                    CHECK(fs::exists(dir.txt_path(id, 1)));
                }
            }
            auto again = run_document_stage(DocumentKind::Text, dir, params());
            CHECK(again.failed == 0);
            CHECK(again.done + again.skipped == 3);
            CHECK(records(dir, "pdf2txt") == 3);
            for (const char* id : kIds) CHECK(read_file(dir.txt_path(id, 1)).find(id) != std::string::npos);
            CHECK(hidden_temp_files(dir.txt_dir()) == 0);
        }
    }
}

TEST_CASE("thumb on a failing disk never replaces a good strip and records nothing", "[pdf][storage][thumb]") {
    test::TempDir tmp;
    DataDir dir = make_data(tmp.path());
    auto first = run_document_stage(DocumentKind::Thumb, dir, params());
    REQUIRE(first.done == 3);
    const std::string good = read_file(dir.thumb_path(kIds[0], 1));

    SECTION("--force while the disk is full: strips and records unchanged") {
        for (FsOp op : {FsOp::Write, FsOp::Sync, FsOp::Rename}) {
            for (int err : {ENOSPC, EIO}) {
                FaultyFileSystem faults({op, ".jpg", 0, err});
                auto p = params();
                p.force = true;
                CHECK_THROWS_AS(run_document_stage(DocumentKind::Thumb, dir, p), StorageFailure);
                CHECK(read_file(dir.thumb_path(kIds[0], 1)) == good);
                PapersDb db(dir.papers_db(), OpenMode::ReadOnly);
                for (const auto& [id, r] : db.stage_records("thumb")) CHECK(r.state == StageState::Done);
            }
        }
    }
    SECTION("a paper that now fails keeps its good strip, not the placeholder") {
        write_file_atomic(dir.pdf_path(kIds[0], 1), "<html>not a pdf any more</html>");
        auto p = params();
        p.force = true;
        auto s = run_document_stage(DocumentKind::Thumb, dir, p);
        CHECK(s.failed == 1);
        CHECK(read_file(dir.thumb_path(kIds[0], 1)) == good);
    }
}

TEST_CASE("thumb: a full disk while writing a failed paper's placeholder records nothing; a rerun does it",
          "[pdf][storage][thumb]") {
    test::TempDir tmp;
    DataDir dir = make_data(tmp.path());
    write_file_atomic(dir.pdf_path(kIds[1], 1), "not a pdf");
    {
        // The good strips are published; the failed paper's placeholder cannot be.
        FaultyFileSystem faults({FsOp::Rename, std::string(kIds[1]) + "v1.jpg", 0, ENOSPC});
        auto p = params();
        p.jobs = 1;
        CHECK_THROWS_AS(run_document_stage(DocumentKind::Thumb, dir, p), StorageFailure);
    }
    {
        PapersDb db(dir.papers_db(), OpenMode::ReadOnly);
        CHECK_FALSE(db.stage_record("thumb", kIds[1]));
    }
    (void)run_document_stage(DocumentKind::Thumb, dir, params());
    PapersDb db(dir.papers_db(), OpenMode::ReadOnly);
    auto rec = db.stage_record("thumb", kIds[1]);
    REQUIRE(rec);
    CHECK(rec->state == StageState::Failed);
    CHECK(fs::exists(dir.thumb_path(kIds[1], 1)));
}

TEST_CASE("pdf2txt with TextForm::Gzip: gzipped texts, a plain one made before counts as done, --force converts",
          "[pdf]") {
    asp::test::TempDir tmp;
    DataDir dir = make_data(tmp.path());
    auto plain_params = params();
    auto first = run_document_stage(DocumentKind::Text, dir, plain_params);
    CHECK(first.done == 3);
    const std::string text1 = read_text(*find_text(dir, kIds[0], 1));
    CHECK(text1.find(std::string("words of ") + kIds[0]) != std::string::npos);

    // A paper's text removed: the gzip run makes only that one, gzipped.
    fs::remove(text_path(dir, kIds[1], 1, TextForm::Plain));
    {
        PapersDb db(dir.papers_db(), OpenMode::ReadWrite);
        db.record_failure("pdf2txt", kIds[1], 1, "made to redo");
    }
    auto gz_params = params();
    gz_params.text_form = TextForm::Gzip;
    gz_params.retry_failed = true;
    auto second = run_document_stage(DocumentKind::Text, dir, gz_params);
    CHECK(second.done == 1);
    CHECK(second.skipped == 2);
    CHECK(find_text(dir, kIds[1], 1) == text_path(dir, kIds[1], 1, TextForm::Gzip));
    CHECK(find_text(dir, kIds[0], 1) == text_path(dir, kIds[0], 1, TextForm::Plain));

    // --force converts: one file per version, in the new form, with the same text.
    gz_params.force = true;
    auto third = run_document_stage(DocumentKind::Text, dir, gz_params);
    CHECK(third.done == 3);
    for (const char* id : kIds) {
        CHECK_FALSE(fs::exists(text_path(dir, id, 1, TextForm::Plain)));
        CHECK(fs::exists(text_path(dir, id, 1, TextForm::Gzip)));
    }
    CHECK(read_text(text_path(dir, kIds[0], 1, TextForm::Gzip)) == text1);
    CHECK(hidden_temp_files(dir.txt_dir()) == 0);
}

TEST_CASE("small-disk mode lowers the strip's JPEG quality, never raises it", "[pdf]") {
    StripOptions strip;
    apply_small_disk(strip);
    CHECK(strip.quality == kSmallDiskJpegQuality);
    CHECK(strip.height == StripOptions{}.height);
    strip.quality = 30;
    apply_small_disk(strip);
    CHECK(strip.quality == 30);
}
