// The document stages pdf2txt and thumb: for every paper in papers.db whose current version's
// PDF is in pdf/, write txt/<id>v<N>.txt (text; .txt.gz with TextForm::Gzip, see
// asp/core/paper_text.hpp) or thumbs/<id>v<N>.jpg (thumbnail strip).
//
// Each PDF is processed in an isolated worker process (asp/proc/isolated_jobs.hpp) with a
// wall-clock, CPU and memory limit, `jobs` at a time; a worker writes and fsyncs its output
// under a temporary name and the parent publishes it (rename) when the worker reports
// success, so a worker that outlives a killed parent (it does not: PR_SET_PDEATHSIG) could
// never publish. Outcomes go to papers.db's stage records ("pdf2txt", "thumb"):
//  - done: the output exists; a rerun skips the paper (unless `force`);
//  - failed with a reason (encrypted, not a PDF, no text, timed out, crashed): a rerun skips
//    it unless `retry_failed`. thumb writes a placeholder image for a failed paper, but never
//    over an existing good strip.
// A storage failure (disk full, I/O error: is_storage_failure) in a worker or in publishing is
// the machine's, not the paper's: the stage stops at once by throwing StorageFailure, records
// nothing for that paper and replaces no output; a plain rerun after the cause is fixed
// finishes the job.
// Papers whose PDF is absent are left alone (download has not fetched it, or small-disk mode
// removed it after both outputs were made).
//
// The stage itself fails (throws) only when it cannot work at all: papers.db unreadable,
// output folder not writable, fork impossible.
#pragma once

#include <filesystem>
#include <vector>

#include <asp/core/data_dir.hpp>
#include <asp/core/log.hpp>
#include <asp/core/paper_text.hpp>
#include <asp/pdf/text_extract.hpp>
#include <asp/pdf/thumbnail.hpp>
#include <asp/proc/isolated_jobs.hpp>

namespace asp {

enum class DocumentKind { Text, Thumb };

// The stage name in papers.db ("pdf2txt" or "thumb").
const char* stage_name(DocumentKind kind);

struct DocumentStageParams {
    int jobs = 1;
    bool force = false;
    bool retry_failed = false;
    // After a paper's text and thumbnail both exist, delete its PDF; thumbnails at a lower
    // JPEG quality (see small_disk.hpp).
    bool small_disk = false;
    // How pdf2txt stores a text (a text already made in the other form counts as done).
    TextForm text_form = TextForm::Plain;
    ProcessLimits limits;
    TextOptions text;
    StripOptions strip;
};

StageSummary run_document_stage(DocumentKind kind, const DataDir& data_dir,
                                const DocumentStageParams& params);

// Debugging aid: processes the given PDF files (no papers.db), writing <stem>.txt (.txt.gz) or
// <stem>.jpg into `out_dir`, with the same isolation. Failures are logged and counted.
StageSummary run_document_files(DocumentKind kind, const std::vector<std::filesystem::path>& pdfs,
                                const std::filesystem::path& out_dir,
                                const DocumentStageParams& params);

}  // namespace asp
