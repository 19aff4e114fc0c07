// Catalog: an immutable, in-memory snapshot of what serve shows, so listing, sorting and
// looking papers up never touch the disk: every paper of papers.db (its short public columns,
// compactly), the recent orders, which papers have a thumbnail, and what analyze/buildsvm
// published (Analysis). Abstracts, most of a paper's bytes, stay in papers.db: a page reads
// the ones it shows (Catalog::abstracts, one indexed lookup each). SiteData holds the current
// snapshot and swaps in a new one (a shared_ptr, atomically) when the pipeline publishes new
// files; requests that hold the old snapshot finish with it.
//
// Loading failures (a corrupt papers.db) throw; SiteData::refresh() keeps the old snapshot
// and logs when a reload fails, so a bad publish never takes the site down.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
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
#include <asp/store/papers_db.hpp>

namespace asp::serve {

// Names (authors, categories) packed in one string, separated by '\n' (no name holds one).
class NameList {
public:
    NameList() = default;
    explicit NameList(std::string_view packed) : packed_(packed) {}
    bool empty() const { return packed_.empty(); }
    // Calls fn(std::string_view) for each name, in order.
    template <class Fn>
    void for_each(Fn&& fn) const {
        size_t pos = 0;
        while (pos < packed_.size()) {
            size_t end = packed_.find('\n', pos);
            if (end == std::string_view::npos) end = packed_.size();
            fn(packed_.substr(pos, end - pos));
            pos = end + 1;
        }
    }
    std::vector<std::string> to_vector() const {
        std::vector<std::string> out;
        for_each([&](std::string_view name) { out.emplace_back(name); });
        return out;
    }

private:
    std::string_view packed_;
};

// One paper as the catalog holds it: views into the catalog's memory, valid while the
// catalog is. The abstract is not held (it is most of a paper's bytes): Catalog::abstracts()
// reads it from papers.db for the papers a page shows.
struct CatalogPaper {
    std::string_view id;
    int version = 1;
    std::string_view title;
    NameList authors;
    NameList categories;
    std::string_view published;  // ISO 8601 UTC
    std::string_view updated;
    int64_t published_at = 0;  // unix seconds
    int64_t updated_at = 0;
};

// A ranked paper id from the analysis outputs.
struct Scored {
    std::string id;
    double score = 0;
};

// One recommendation model a reader asks for: the whole library, one tag, or several tags'
// union (docs/tools/serve.md, "Recommendations").
struct ModelQuery {
    int64_t user_id = 0;
    std::string cache_key;    // names the model among the user's ("" the library, "tag:<id>", ...)
    int64_t nightly_tag = 0;  // buildsvm's list to prefer when it is as fresh: 0 the user's own
                              // (whole library), > 0 that tag's, < 0 none (a union of tags)
    std::vector<std::string> positives;       // the papers the model learns from
    std::vector<std::string> not_interested;  // the user's explicit negatives
    // False: answer only from buildsvm's list or the cache; when the model must be trained,
    // say so (ModelAnswer::needs_training) instead (serve then trains on a worker thread,
    // not on the event loop that asked).
    bool may_train = true;
};

struct ModelAnswer {
    std::vector<Scored> ranked;  // best first; neither positives nor not-interested papers
    bool nightly = false;        // buildsvm's list (else computed now, or cached since)
    bool needs_training = false; // may_train was false and the model is not at hand
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
    // How many papers the index holds (0 without an index).
    virtual size_t indexed_count() const { return 0; }
    // A paper's tf-idf terms and weights (empty when it is not indexed).
    virtual std::vector<std::pair<std::string, double>> terms_of(std::string_view) const { return {}; }
    // The model's ranking: buildsvm's list when it was trained on exactly these inputs and
    // this index, else trained now (and kept until the inputs or the index change). Thread
    // safe. Without an index: only buildsvm's whole-library list, if any.
    virtual ModelAnswer recommend(const ModelQuery& q) const {
        if (q.nightly_tag != 0) return {};
        return {recommendations(q.user_id), true};
    }
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

// Every paper of papers.db in a compact form: one byte arena for the short text fields, one
// fixed-size record per paper, an open-addressing id table and the recent orders. Loading
// 50k papers takes a fraction of a second and ~10 MB.
class Catalog {
public:
    // Reads papers.db (absent: an empty catalog).
    static std::shared_ptr<const Catalog> load(const std::filesystem::path& papers_db);
    // (largest change_seq, row count): changes whenever a paper is added or changed.
    static std::pair<int64_t, int64_t> content_version(const std::filesystem::path& papers_db);

    Catalog();
    ~Catalog();
    Catalog(const Catalog&) = delete;
    Catalog& operator=(const Catalog&) = delete;

    size_t size() const { return records_.size(); }
    std::optional<CatalogPaper> find(std::string_view id) const;
    // The position of a paper (an index for at()), nullopt when absent.
    std::optional<uint32_t> position(std::string_view id) const { return index_of(id); }
    CatalogPaper at(uint32_t index) const;
    // The arXiv queries fetch has run on this papers.db (its resume records), sorted.
    const std::vector<std::string>& followed_queries() const { return queries_; }
    // Newest updated first; only_v1: papers still at version 1.
    const std::vector<uint32_t>& recent(bool only_v1) const { return only_v1 ? recent_v1_ : recent_; }
    // The abstracts of these papers, read from papers.db now (one indexed lookup each, on a
    // pooled read-only connection); "" for a paper no longer there. Throws on a database error.
    std::vector<std::string> abstracts(const std::vector<std::string_view>& ids) const;
    // The long fields of these papers (abstract, arXiv comment, journal reference, DOI), read
    // like abstracts(): empty strings for a paper no longer there or a field arXiv left out.
    using Details = PaperDetails;
    std::vector<Details> details(const std::vector<std::string_view>& ids) const;
    // Calls fn(position, abstract) for every paper of this catalog still in papers.db (one
    // sequential read: field search over abstracts). Throws on a database error.
    void for_each_abstract(const std::function<void(uint32_t, std::string_view)>& fn) const;

private:
    struct Record {
        uint32_t offset;  // in arena_: id, title, authors, categories, published, updated
        uint32_t title_len, authors_len, categories_len;
        uint16_t id_len;
        uint8_t published_len, updated_len;
        int32_t version;
        int64_t published_at, updated_at;
    };
    struct AbstractReader;
    std::optional<uint32_t> index_of(std::string_view id) const;
    std::string_view id_at(uint32_t index) const;

    std::filesystem::path db_path_;
    std::string arena_;
    std::vector<Record> records_;
    std::vector<uint32_t> slots_;  // open addressing: record index + 1, 0 = empty
    std::vector<uint32_t> recent_, recent_v1_;
    std::vector<std::string> queries_;
    mutable std::mutex readers_mu_;
    mutable std::vector<std::unique_ptr<AbstractReader>> readers_;
};

// The thumbnail files present (file stems, "2101.00001v2").
class ThumbSet {
public:
    static std::shared_ptr<const ThumbSet> scan(const std::filesystem::path& thumbs_dir);
    bool contains(const std::string& stem) const { return stems_.count(stem) > 0; }
    size_t size() const { return stems_.size(); }

private:
    std::unordered_set<std::string> stems_;
};

// Rendered pages of one snapshot (anonymous views only), bounded in bytes.
class PageCache {
public:
    std::shared_ptr<const std::string> get(const std::string& key) const;
    void put(const std::string& key, std::shared_ptr<const std::string> page);

private:
    static constexpr size_t kMaxBytes = 16u << 20;
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
