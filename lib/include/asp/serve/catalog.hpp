// Catalog: an immutable, in-memory snapshot of what serve shows, so a request never waits on
// the disk: every paper of papers.db (the public columns), the recent orders, which papers
// have a thumbnail, and what analyze/buildsvm published (Analysis). SiteData holds the
// current snapshot and swaps in a new one (a shared_ptr, atomically) when the pipeline
// publishes new files; requests that hold the old snapshot finish with it.
//
// Loading failures (a corrupt papers.db) throw; SiteData::refresh() keeps the old snapshot
// and logs when a reload fails, so a bad publish never takes the site down.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <asp/core/data_dir.hpp>

namespace asp::serve {

struct CatalogPaper {
    std::string id;
    int version = 1;
    std::string title;
    std::string abstract;
    std::vector<std::string> authors;
    std::vector<std::string> categories;
    std::string published;  // ISO 8601 UTC
    std::string updated;
    int64_t published_at = 0;  // unix seconds
    int64_t updated_at = 0;
};

// A ranked paper id from the analysis outputs.
struct Scored {
    std::string id;
    double score = 0;
};

// What analyze (index/) and buildsvm (recs/) published, as serve reads it.
class Analysis {
public:
    virtual ~Analysis() = default;
    // The generation serve shows (changes when the pipeline publishes new outputs).
    virtual std::string generation() const = 0;
    virtual bool has_index() const = 0;
    // The k papers most similar to `id` (not itself), best first; empty when unknown.
    virtual std::vector<Scored> similar(std::string_view id, size_t k) const = 0;
    // A window of the papers matching a free-text query, best first, and how many matched.
    virtual std::pair<std::vector<Scored>, size_t> search(std::string_view query, size_t offset,
                                                          size_t limit) const = 0;
    // A user's recommendations, best first; empty when none were computed.
    virtual std::vector<Scored> recommendations(int64_t user_id) const = 0;
};

// Opens the analysis outputs of a data directory and says when they changed.
class AnalysisSource {
public:
    virtual ~AnalysisSource() = default;
    // A cheap check (file generations, mtimes) whether load() would give something new.
    virtual bool changed() = 0;
    virtual std::shared_ptr<const Analysis> load() = 0;
};

// Until analyze's reader is there: no index, no recommendations.
std::unique_ptr<AnalysisSource> make_empty_analysis_source();

class Catalog {
public:
    // Reads papers.db (absent: an empty catalog).
    static std::shared_ptr<const Catalog> load(const std::filesystem::path& papers_db);
    // (largest change_seq, row count): changes whenever a paper is added or changed.
    static std::pair<int64_t, int64_t> content_version(const std::filesystem::path& papers_db);

    Catalog() = default;
    Catalog(const Catalog&) = delete;
    Catalog& operator=(const Catalog&) = delete;

    size_t size() const { return papers_.size(); }
    const CatalogPaper* find(std::string_view id) const;
    const CatalogPaper& at(uint32_t index) const { return papers_[index]; }
    // Newest updated first; only_v1: papers still at version 1.
    const std::vector<uint32_t>& recent(bool only_v1) const { return only_v1 ? recent_v1_ : recent_; }

private:
    std::vector<CatalogPaper> papers_;
    std::unordered_map<std::string_view, uint32_t> by_id_;
    std::vector<uint32_t> recent_, recent_v1_;
};

// The thumbnail files present (file stems, "2101.00001v2").
class ThumbSet {
public:
    static std::shared_ptr<const ThumbSet> scan(const std::filesystem::path& thumbs_dir);
    bool contains(const std::string& stem) const { return stems_.count(stem) > 0; }

private:
    std::unordered_set<std::string> stems_;
};

// Rendered pages of one snapshot (anonymous views only), bounded in bytes.
class PageCache {
public:
    std::shared_ptr<const std::string> get(const std::string& key) const;
    void put(const std::string& key, std::shared_ptr<const std::string> page);

private:
    static constexpr size_t kMaxBytes = 32u << 20;
    mutable std::mutex mu_;
    std::unordered_map<std::string, std::shared_ptr<const std::string>> pages_;
    size_t bytes_ = 0;
};

struct Snapshot {
    std::shared_ptr<const Catalog> catalog;
    std::shared_ptr<const ThumbSet> thumbs;
    std::shared_ptr<const Analysis> analysis;
    uint64_t generation = 0;
    mutable PageCache cache;
};

class SiteData {
public:
    SiteData(DataDir data_dir, std::unique_ptr<AnalysisSource> analysis);
    std::shared_ptr<const Snapshot> current() const;
    // Checks the data directory; swaps in a new snapshot when something changed. Returns
    // whether it swapped. Never throws: a failed reload keeps the current snapshot.
    bool refresh();

private:
    struct FileStamp {
        uint64_t inode = 0, size = 0;
        int64_t mtime_ns = 0;
        bool operator==(const FileStamp&) const = default;
    };
    static FileStamp stamp(const std::filesystem::path& p);

    DataDir data_dir_;
    std::unique_ptr<AnalysisSource> analysis_source_;
    std::mutex refresh_mu_;
    FileStamp db_stamp_, wal_stamp_, thumbs_stamp_;
    std::pair<int64_t, int64_t> content_version_{-1, -1};
    mutable std::mutex mu_;
    std::shared_ptr<const Snapshot> current_;
};

}  // namespace asp::serve
