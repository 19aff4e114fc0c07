#include <asp/serve/catalog.hpp>

#include <sys/stat.h>

#include <algorithm>

#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <asp/core/time.hpp>
#include <asp/store/papers_db.hpp>

namespace asp::serve {
namespace fs = std::filesystem;

namespace {

class EmptyAnalysis final : public Analysis {
public:
    std::string generation() const override { return ""; }
    bool has_index() const override { return false; }
    std::vector<Scored> similar(std::string_view, size_t) const override { return {}; }
    std::pair<std::vector<Scored>, size_t> search(std::string_view, size_t,
                                                  size_t) const override {
        return {};
    }
    std::vector<Scored> recommendations(int64_t) const override { return {}; }
};

class EmptyAnalysisSource final : public AnalysisSource {
public:
    bool changed() override { return false; }
    std::shared_ptr<const Analysis> load() override { return std::make_shared<EmptyAnalysis>(); }
};

std::vector<std::string> json_strings(const std::string& text) {
    std::vector<std::string> out;
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (!j.is_array()) return out;
    for (const auto& v : j)
        if (v.is_string()) out.push_back(v.get<std::string>());
    return out;
}

}  // namespace

std::unique_ptr<AnalysisSource> make_empty_analysis_source() {
    return std::make_unique<EmptyAnalysisSource>();
}

std::shared_ptr<const Catalog> Catalog::load(const fs::path& papers_db) {
    auto catalog = std::make_shared<Catalog>();
    if (!fs::exists(papers_db)) return catalog;
    PapersDb db(papers_db, OpenMode::ReadOnly);
    SQLite::Statement q(db.database(),
                        "SELECT id, version, title, abstract, authors, categories, published, "
                        "updated FROM papers");
    while (q.executeStep()) {
        CatalogPaper p;
        p.id = q.getColumn(0).getString();
        p.version = q.getColumn(1).getInt();
        p.title = q.getColumn(2).getString();
        p.abstract = q.getColumn(3).getString();
        p.authors = json_strings(q.getColumn(4).getString());
        p.categories = json_strings(q.getColumn(5).getString());
        p.published = q.getColumn(6).getString();
        p.updated = q.getColumn(7).getString();
        p.published_at = parse_iso8601(p.published).value_or(0);
        p.updated_at = parse_iso8601(p.updated).value_or(p.published_at);
        catalog->papers_.push_back(std::move(p));
    }
    auto& papers = catalog->papers_;
    catalog->by_id_.reserve(papers.size());
    catalog->recent_.reserve(papers.size());
    for (uint32_t i = 0; i < papers.size(); ++i) {
        catalog->by_id_.emplace(papers[i].id, i);
        catalog->recent_.push_back(i);
    }
    std::sort(catalog->recent_.begin(), catalog->recent_.end(), [&](uint32_t a, uint32_t b) {
        if (papers[a].updated_at != papers[b].updated_at)
            return papers[a].updated_at > papers[b].updated_at;
        return papers[a].id > papers[b].id;
    });
    for (uint32_t i : catalog->recent_)
        if (papers[i].version == 1) catalog->recent_v1_.push_back(i);
    return catalog;
}

std::pair<int64_t, int64_t> Catalog::content_version(const fs::path& papers_db) {
    if (!fs::exists(papers_db)) return {0, 0};
    PapersDb db(papers_db, OpenMode::ReadOnly);
    SQLite::Statement q(db.database(), "SELECT COALESCE(MAX(change_seq), 0), COUNT(*) FROM papers");
    q.executeStep();
    return {q.getColumn(0).getInt64(), q.getColumn(1).getInt64()};
}

const CatalogPaper* Catalog::find(std::string_view id) const {
    auto it = by_id_.find(id);
    return it == by_id_.end() ? nullptr : &papers_[it->second];
}

std::shared_ptr<const ThumbSet> ThumbSet::scan(const fs::path& thumbs_dir) {
    auto set = std::make_shared<ThumbSet>();
    std::error_code ec;
    for (fs::directory_iterator it(thumbs_dir, ec), end; !ec && it != end; it.increment(ec)) {
        const auto& name = it->path().filename().string();
        if (name.size() > 4 && name.compare(name.size() - 4, 4, ".jpg") == 0)
            set->stems_.insert(name.substr(0, name.size() - 4));
    }
    return set;
}

std::shared_ptr<const std::string> PageCache::get(const std::string& key) const {
    std::lock_guard lock(mu_);
    auto it = pages_.find(key);
    return it == pages_.end() ? nullptr : it->second;
}

void PageCache::put(const std::string& key, std::shared_ptr<const std::string> page) {
    std::lock_guard lock(mu_);
    if (bytes_ + page->size() > kMaxBytes) {
        pages_.clear();
        bytes_ = 0;
    }
    bytes_ += page->size();
    pages_[key] = std::move(page);
}

SiteData::SiteData(DataDir data_dir, std::unique_ptr<AnalysisSource> analysis)
    : data_dir_(std::move(data_dir)), analysis_source_(std::move(analysis)) {
    db_stamp_ = stamp(data_dir_.papers_db());
    wal_stamp_ = stamp(data_dir_.papers_db().string() + "-wal");
    thumbs_stamp_ = stamp(data_dir_.thumbs_dir());
    auto snap = std::make_shared<Snapshot>();
    content_version_ = Catalog::content_version(data_dir_.papers_db());
    snap->catalog = Catalog::load(data_dir_.papers_db());
    snap->thumbs = ThumbSet::scan(data_dir_.thumbs_dir());
    try {
        snap->analysis = analysis_source_->load();
    } catch (const std::exception& e) {
        spdlog::warn("cannot load the analysis outputs yet (serving without them): {}", e.what());
        snap->analysis = make_empty_analysis_source()->load();
    }
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
