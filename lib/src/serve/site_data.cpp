#include <asp/serve/catalog.hpp>

#include <sys/stat.h>

#include <chrono>

#include <spdlog/spdlog.h>

namespace asp::serve {
namespace fs = std::filesystem;

SiteData::SiteData(DataDir data_dir, std::unique_ptr<AnalysisSource> analysis)
    : data_dir_(std::move(data_dir)), analysis_source_(std::move(analysis)) {
    db_stamp_ = stamp(data_dir_.papers_db());
    wal_stamp_ = stamp(data_dir_.papers_db().string() + "-wal");
    thumbs_stamp_ = stamp(data_dir_.thumbs_dir());
    auto snap = std::make_shared<Snapshot>();
    auto t0 = std::chrono::steady_clock::now();
    auto ms_since = [](auto& t) {
        auto now = std::chrono::steady_clock::now();
        double ms = std::chrono::duration<double, std::milli>(now - t).count();
        t = now;
        return ms;
    };
    content_version_ = Catalog::content_version(data_dir_.papers_db());
    snap->catalog = Catalog::load(data_dir_.papers_db());
    double catalog_ms = ms_since(t0);
    snap->thumbs = ThumbSet::scan(data_dir_.thumbs_dir());
    double thumbs_ms = ms_since(t0);
    try {
        snap->analysis = analysis_source_->load();
    } catch (const std::exception& e) {
        spdlog::warn("cannot load the analysis outputs yet (serving without them): {}", e.what());
        snap->analysis = make_empty_analysis_source()->load();
    }
    spdlog::debug("loaded {} papers in {:.0f} ms, thumbnails in {:.0f} ms, the index in {:.0f} ms",
                  snap->catalog->size(), catalog_ms, thumbs_ms, ms_since(t0));
    snap->generation = 1;
    current_ = std::move(snap);
}

SiteData::FileStamp SiteData::stamp(const fs::path& p) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) return {};
    return {static_cast<uint64_t>(st.st_ino), static_cast<uint64_t>(st.st_size),
            static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
}

std::shared_ptr<const Snapshot> SiteData::current() const {
    std::lock_guard lock(mu_);
    return current_;
}

bool SiteData::refresh() {
    std::lock_guard refresh_lock(refresh_mu_);
    auto old = current();
    auto next = std::make_shared<Snapshot>();
    next->catalog = old->catalog;
    next->thumbs = old->thumbs;
    next->analysis = old->analysis;
    bool changed = false;
    FileStamp db = stamp(data_dir_.papers_db());
    FileStamp wal = stamp(data_dir_.papers_db().string() + "-wal");
    FileStamp thumbs = stamp(data_dir_.thumbs_dir());
    try {
        if (!(db == db_stamp_) || !(wal == wal_stamp_)) {
            // A checkpoint or an unchanged rerun moves the stamps too: reload only when the
            // papers changed.
            auto version = Catalog::content_version(data_dir_.papers_db());
            if (version != content_version_) {
                next->catalog = Catalog::load(data_dir_.papers_db());
                content_version_ = version;
                changed = true;
                spdlog::info("reloaded papers.db: {} papers", next->catalog->size());
            }
        }
        if (!(thumbs == thumbs_stamp_)) {
            next->thumbs = ThumbSet::scan(data_dir_.thumbs_dir());
            changed = true;
        }
        if (analysis_source_->changed()) {
            next->analysis = analysis_source_->load();
            changed = true;
            spdlog::info("loaded analysis generation {}", next->analysis->generation());
        }
    } catch (const std::exception& e) {
        spdlog::warn("reload failed, still serving the previous data: {}", e.what());
        return false;
    }
    db_stamp_ = db;
    wal_stamp_ = wal;
    thumbs_stamp_ = thumbs;
    if (!changed) return false;
    next->generation = old->generation + 1;
    std::lock_guard lock(mu_);
    current_ = std::move(next);
    return true;
}

}  // namespace asp::serve
