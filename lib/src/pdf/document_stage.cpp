#include <asp/pdf/document_stage.hpp>

#include <chrono>
#include <filesystem>
#include <unordered_map>

#include <spdlog/spdlog.h>

#include <asp/core/atomic_file.hpp>
#include <asp/core/file_system.hpp>
#include <asp/pdf/small_disk.hpp>
#include <asp/store/papers_db.hpp>

#include "pdf/poppler_doc.hpp"

namespace asp {
namespace fs = std::filesystem;

namespace {

struct DocJob {
    std::string id;  // raw id, or the file stem in file mode
    int version = 0;
    fs::path pdf;
    fs::path out;
    fs::path temp;  // the worker writes here; the parent publishes it as `out`
};

// Runs in the worker process: read the PDF, write (and fsync) the output's temporary file.
// The parent publishes it (rename) only after the worker reported success, so a worker
// outliving its parent never publishes anything.
Status produce(DocumentKind kind, const DocJob& job, const DocumentStageParams& params) {
    if (kind == DocumentKind::Text) {
        auto text = extract_text(job.pdf, params.text);
        if (!text) return text.error();
        if (!has_words(text->text))
            return fail("no text: the PDF has no text layer (a scan?)");
        write_file_unpublished(job.temp, encode_text(text->text, params.text_form));
        return Ok{};
    }
    auto strip = render_strip(job.pdf, params.strip);
    if (!strip) return strip.error();
    write_file_unpublished(job.temp, strip->jpeg);
    return Ok{};
}

// A storage failure (disk full, I/O error) in a worker or in the parent stops the stage: the
// paper is not recorded, nothing good is replaced, a rerun redoes it.
[[noreturn]] void stop_for_storage(const char* stage, const DocJob& job, int err, const std::string& what) {
    throw StorageFailure(std::error_code(err, std::generic_category()),
                         std::string(stage) + " stopped at " + job.pdf.filename().string() + ": " + what);
}

// Publishes the worker's output; a storage failure stops the stage.
void publish_output(const char* stage, const DocJob& job) {
    try {
        publish_file(job.temp, job.out);
    } catch (const std::system_error& e) {
        std::error_code ec;
        fs::remove(job.temp, ec);
        if (is_storage_failure(e.code())) stop_for_storage(stage, job, e.code().value(), e.what());
        throw;
    }
}

bool output_present(const fs::path& p) {
    std::error_code ec;
    return fs::is_regular_file(p, ec) && fs::file_size(p, ec) > 0 && !ec;
}

bool is_placeholder(const fs::path& p, const std::string& placeholder) {
    if (placeholder.empty()) return false;
    std::error_code ec;
    if (fs::file_size(p, ec) != placeholder.size() || ec) return false;
    try {
        return read_file(p) == placeholder;
    } catch (const std::exception&) {
        return false;
    }
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Runs the jobs isolated; calls on_result(job, outcome) in this process for each.
template <class OnResult>
void run_jobs(DocumentKind kind, const std::vector<DocJob>& jobs, const DocumentStageParams& params,
              OnResult&& on_result) {
    // Set libraries up once here so every forked worker starts with them ready.
    auto warm = pdf_detail::warm_up_poppler(kind == DocumentKind::Thumb);
    if (kind == DocumentKind::Thumb) init_graphics();
    Progress progress(stage_name(kind), jobs.size());
    run_isolated_jobs(
        jobs.size(), params.jobs, params.limits,
        [&](size_t i) { return produce(kind, jobs[i], params); },
        [&](size_t i, const JobOutcome& outcome) {
            on_result(jobs[i], outcome);
            progress.advance();
        });
    progress.finish();
}

}  // namespace

const char* stage_name(DocumentKind kind) { return kind == DocumentKind::Text ? "pdf2txt" : "thumb"; }

// The output a rerun keeps: a text in either form, or the strip.
bool done_output_present(DocumentKind kind, const DataDir& dir, const Paper& p, const fs::path& out) {
    if (kind == DocumentKind::Thumb) return output_present(out);
    auto text = find_text(dir, p.id, p.version);
    return text && output_present(*text);
}

fs::path output_path(DocumentKind kind, const DataDir& dir, const Paper& p, const DocumentStageParams& params) {
    return kind == DocumentKind::Text ? text_path(dir, p.id, p.version, params.text_form)
                                      : dir.thumb_path(p.id, p.version);
}

// Publishing a text removes the version's text in the other form (a --force rerun after a
// change of form), so a version keeps one text.
void remove_other_text_form(const DataDir& dir, const std::string& id, int version, TextForm form) {
    std::error_code ec;
    fs::remove(text_path(dir, id, version, form == TextForm::Gzip ? TextForm::Plain : TextForm::Gzip), ec);
}

StageSummary run_document_stage(DocumentKind kind, const DataDir& dir,
                                const DocumentStageParams& given) {
    const auto t0 = std::chrono::steady_clock::now();
    DocumentStageParams params = given;
    if (params.small_disk) apply_small_disk(params.strip);
    const char* stage = stage_name(kind);
    const fs::path out_dir = kind == DocumentKind::Text ? dir.txt_dir() : dir.thumbs_dir();
    fs::create_directories(out_dir);  // only ours: other stages' folders are theirs
    remove_stale_temp_files(out_dir);

    PapersDb db(dir.papers_db(), OpenMode::ReadWrite);
    auto records = db.stage_records(stage);
    std::vector<DocJob> jobs;
    StageSummary summary;
    size_t without_pdf = 0, known_failed = 0;
    std::string placeholder;
    if (kind == DocumentKind::Thumb) placeholder = placeholder_jpeg(params.strip);
    db.for_each([&](const Paper& p) {
        DocJob job{p.id, p.version, dir.pdf_path(p.id, p.version), output_path(kind, dir, p, params), {}};
        job.temp = temp_path_for(job.out);
        auto it = records.find(p.id);
        const StageRecord* rec =
            it != records.end() && it->second.version == p.version ? &it->second : nullptr;
        if (!params.force) {
            if (rec && rec->state == StageState::Failed && !params.retry_failed) {
                ++summary.skipped;
                ++known_failed;
                return;
            }
            // A placeholder without a record is a failure whose recording was cut short (the
            // disk filled up): not a done paper.
            if (done_output_present(kind, dir, p, job.out) && (!rec || rec->state == StageState::Done) &&
                (rec || !is_placeholder(job.out, placeholder))) {
                // Done before (or made elsewhere, e.g. restored from S3): keep it.
                if (!rec) db.record_done(stage, p.id, p.version);
                ++summary.skipped;
                return;
            }
        }
        std::error_code ec;
        if (!fs::exists(job.pdf, ec)) {
            ++without_pdf;
            ++summary.skipped;
            return;
        }
        jobs.push_back(std::move(job));
    });
    if (params.small_disk) {
        size_t pruned = prune_processed_pdfs(db, dir);
        if (pruned) spdlog::info("small disk: removed {} PDFs already processed", pruned);
    }
    spdlog::info("{}: {} papers to process, {} skipped ({} without a PDF, {} failed before{})",
                 stage, jobs.size(), summary.skipped, without_pdf, known_failed,
                 known_failed && !params.retry_failed ? "; --retry-failed retries them" : "");

    run_jobs(kind, jobs, params, [&](const DocJob& job, const JobOutcome& outcome) {
        if (outcome.status == JobStatus::StorageFailed)
            stop_for_storage(stage, job, outcome.error, outcome.reason);
        if (outcome.ok()) {
            publish_output(stage, job);
            if (kind == DocumentKind::Text) remove_other_text_form(dir, job.id, job.version, params.text_form);
            db.record_done(stage, job.id, job.version);
            ++summary.done;
            if (params.small_disk) {
                if (auto paper = db.get(job.id)) prune_pdf_if_processed(db, dir, *paper);
            }
            return;
        }
        spdlog::warn("{}v{}: {}", job.id, job.version, outcome.reason);
        // The placeholder first (never over a good strip), then the record: a disk that
        // fills up in between leaves an unrecorded placeholder, which a rerun redoes.
        if (kind == DocumentKind::Thumb && (!output_present(job.out) || is_placeholder(job.out, placeholder))) {
            try {
                write_file_atomic(job.out, placeholder);
            } catch (const std::system_error& e) {
                if (is_storage_failure(e.code())) stop_for_storage(stage, job, e.code().value(), e.what());
                throw;
            }
        }
        db.record_failure(stage, job.id, job.version, outcome.reason);
        ++summary.failed;
    });
    remove_stale_temp_files(out_dir);  // left by workers that were killed mid-write
    summary.seconds = seconds_since(t0);
    return summary;
}

StageSummary run_document_files(DocumentKind kind, const std::vector<fs::path>& pdfs,
                                const fs::path& out_dir, const DocumentStageParams& given) {
    const auto t0 = std::chrono::steady_clock::now();
    DocumentStageParams params = given;
    if (params.small_disk) apply_small_disk(params.strip);
    fs::create_directories(out_dir);
    std::vector<DocJob> jobs;
    StageSummary summary;
    for (const auto& pdf : pdfs) {
        fs::path out = out_dir / pdf.stem();
        out += kind == DocumentKind::Thumb ? ".jpg" : params.text_form == TextForm::Gzip ? ".txt.gz" : ".txt";
        if (!params.force && output_present(out)) {
            ++summary.skipped;
            continue;
        }
        jobs.push_back({pdf.stem().string(), 0, pdf, out, temp_path_for(out)});
    }
    run_jobs(kind, jobs, params, [&](const DocJob& job, const JobOutcome& outcome) {
        if (outcome.status == JobStatus::StorageFailed)
            stop_for_storage(stage_name(kind), job, outcome.error, outcome.reason);
        if (outcome.ok()) {
            publish_output(stage_name(kind), job);
            ++summary.done;
        } else {
            spdlog::warn("{}: {}", job.pdf.string(), outcome.reason);
            ++summary.failed;
        }
    });
    remove_stale_temp_files(out_dir);
    summary.seconds = seconds_since(t0);
    return summary;
}

}  // namespace asp
