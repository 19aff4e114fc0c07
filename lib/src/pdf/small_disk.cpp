#include <asp/pdf/small_disk.hpp>

#include <algorithm>
#include <filesystem>

#include <asp/core/paper_text.hpp>

namespace asp {
namespace fs = std::filesystem;

namespace {

bool done_for(const PapersDb& db, std::string_view stage, const Paper& paper) {
    auto rec = db.stage_record(stage, paper.id);
    return rec && rec->state == StageState::Done && rec->version == paper.version;
}

}  // namespace

void apply_small_disk(StripOptions& strip) { strip.quality = std::min(strip.quality, kSmallDiskJpegQuality); }

bool pdf_no_longer_needed(const PapersDb& db, const DataDir& dir, const Paper& paper) {
    std::error_code ec;
    return done_for(db, "pdf2txt", paper) && done_for(db, "thumb", paper) &&
           find_text(dir, paper.id, paper.version).has_value() &&
           fs::exists(dir.thumb_path(paper.id, paper.version), ec);
}

bool prune_pdf_if_processed(const PapersDb& db, const DataDir& dir, const Paper& paper) {
    if (!pdf_no_longer_needed(db, dir, paper)) return false;
    std::error_code ec;
    return fs::remove(dir.pdf_path(paper.id, paper.version), ec);
}

size_t prune_processed_pdfs(const PapersDb& db, const DataDir& dir) {
    size_t removed = 0;
    db.for_each([&](const Paper& p) { removed += prune_pdf_if_processed(db, dir, p) ? 1 : 0; });
    return removed;
}

}  // namespace asp
