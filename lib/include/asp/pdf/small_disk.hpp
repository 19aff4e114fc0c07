// Small-disk mode: a paper's PDF is only needed until its text (pdf2txt) and thumbnail (thumb)
// exist. In this mode, once both stages are recorded done for the paper's current version and
// both files exist, its PDF is deleted; download then does not fetch it again (it skips a
// paper whose current version has text and thumbnail, see download.hpp). Thumbnails are made
// at a lower JPEG quality (apply_small_disk); texts may also be stored gzipped (pdf2txt
// --compress-text, asp/core/paper_text.hpp). Per-paper sizes: docs/benchmarks.md.
#pragma once

#include <asp/store/paper.hpp>
#include <asp/core/data_dir.hpp>
#include <asp/store/papers_db.hpp>
#include <asp/pdf/thumbnail.hpp>

namespace asp {

// JPEG quality of thumbnail strips in small-disk mode (80 otherwise): at 156 px the strip
// stays legible; measured sizes in docs/benchmarks.md.
inline constexpr int kSmallDiskJpegQuality = 50;

// Small-disk settings of the strip: a lower JPEG quality (never a higher one).
void apply_small_disk(StripOptions& strip);

// True when the paper's current version has its text and thumbnail recorded done and present.
bool pdf_no_longer_needed(const PapersDb& db, const DataDir& dir, const Paper& paper);

// Deletes the PDF when pdf_no_longer_needed. Returns whether a file was deleted.
bool prune_pdf_if_processed(const PapersDb& db, const DataDir& dir, const Paper& paper);

// Every paper: returns how many PDFs were deleted.
size_t prune_processed_pdfs(const PapersDb& db, const DataDir& dir);

}  // namespace asp
