// PapersDb: papers.db, the SQLite database (WAL) of paper records that fetch writes and every
// later stage reads. One row per paper (latest version only), plus each stage's per-paper
// outcome (done / failed with a reason) so a failed paper is not retried on every run.
// The format is public (docs/formats/papers-db.md); the schema carries a version
// (PRAGMA user_version) and open() migrates older files forward.
//
// Failures (cannot open, corrupt file, disk full) throw SQLite::Exception: a stage that
// cannot reach its database cannot do its job.
//
// Thread-safety: a PapersDb is one SQLite connection; one thread uses it at a time (serve
// keeps a pool of read-only ones). Other processes may read and write the same file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <asp/store/paper.hpp>

namespace SQLite {
class Database;
}

namespace asp {

enum class OpenMode { ReadOnly, ReadWrite };

enum class UpsertOutcome {
    Added,            // a paper not seen before
    NewVersion,       // a newer version replaced the stored one
    MetadataChanged,  // same version, some field changed (e.g. a journal ref added)
    Unchanged,        // same version and fields, or an older version (ignored)
    Rejected,         // not stored: clean_paper() refused it (a warning says why)
};

// Field limits at the door of papers.db (docs/formats/papers-db.md): longer text is cut at a
// character boundary and ends in "…".
struct PaperLimits {
    static constexpr size_t kTitle = 1000, kAbstract = 10000, kAuthor = 300,
                            kAuthorsTotal = 64 * 1024, kComment = 2000, kJournalRef = 1000,
                            kDoi = 300, kCategory = 64, kCategories = 32, kLinks = 16,
                            kLinkHref = 2000, kLinkField = 100;
};

// The one door of papers.db for records from the network (every source: the arXiv API, OAI-PMH):
// every text field cleaned (asp/core/clean_text.hpp: valid UTF-8, no control characters,
// whitespace collapsed, capped at PaperLimits), `published` and `updated` normalised to
// ISO 8601 UTC ("...Z"; an empty `updated` takes `published`). Returns nullopt and sets `why`
// when the record cannot be stored: an unparseable or missing `published`, an unparseable
// `updated`, or an empty id. PapersDb::upsert calls it; sources may call it earlier to warn.
std::optional<Paper> clean_paper(Paper paper, std::string& why);

struct UpsertCounts {
    size_t added = 0, new_versions = 0, changed = 0, unchanged = 0;
    size_t rejected = 0;  // refused by clean_paper() (each logged as a warning)
    size_t new_or_newer() const { return added + new_versions; }
};

enum class StageState { Done, Failed };

// A paper's listing fields straight from papers.db, for a scan over every row (serve's
// catalog): the views point into SQLite's row and are valid only during the callback;
// authors and categories are the stored JSON arrays.
struct PaperListingRow {
    std::string_view id;
    int version = 0;
    std::string_view title, authors_json, categories_json, published, updated;
};

// The long fields of a paper (empty when the paper or the field is absent).
struct PaperDetails {
    std::string abstract, comment, journal_ref, doi;
};

struct StageRecord {
    std::string id;
    int version = 0;
    StageState state = StageState::Done;
    std::string reason;  // why it failed; empty when done
    int attempts = 0;
    std::string updated_at;
};

class PapersDb {
public:
    static constexpr int kSchemaVersion = 1;

    // Opens (ReadWrite: creates and migrates) the database at `path`.
    PapersDb(const std::filesystem::path& path, OpenMode mode);
    ~PapersDb();
    PapersDb(PapersDb&&) noexcept;
    PapersDb& operator=(PapersDb&&) noexcept;

    UpsertOutcome upsert(const Paper& paper);
    // All papers of one page in one transaction: either the whole page is saved or none.
    // `before_commit` runs inside that transaction with the page's counts, so what it writes
    // (e.g. fetch's resume point, through set_meta) is saved together with the page.
    UpsertCounts upsert_all(const std::vector<Paper>& papers,
                            const std::function<void(const UpsertCounts&)>& before_commit = {});

    // Removes a paper (withdrawn from arXiv altogether: an OAI deleted record) with its stage
    // records, as if it had never been fetched. False when it was not there.
    bool remove(std::string_view id);

    std::optional<Paper> get(std::string_view id) const;
    size_t count() const;
    // Every paper, newest published first.
    std::vector<Paper> all() const;
    void for_each(const std::function<void(const Paper&)>& fn) const;

    // Papers published at or after `since` (ISO 8601 UTC), newest first (uses the index on
    // published: a day's papers cost a day's rows, not the whole table).
    std::vector<Paper> published_since(std::string_view since) const;

    // A counter bumped on every insert or change; papers changed after a given value.
    int64_t change_seq() const;
    // change_seq() and count() read together (one statement, so one snapshot).
    std::pair<int64_t, int64_t> change_seq_and_count() const;
    std::vector<Paper> changed_since(int64_t seq) const;

    // Per-stage outcome of a paper version ("download", "pdf2txt", "thumb", ...).
    void record_done(std::string_view stage, std::string_view id, int version);
    void record_failure(std::string_view stage, std::string_view id, int version,
                        std::string_view reason);
    void clear_stage_record(std::string_view stage, std::string_view id);
    std::optional<StageRecord> stage_record(std::string_view stage, std::string_view id) const;
    std::unordered_map<std::string, StageRecord> stage_records(std::string_view stage) const;

    // Small key/value settings of the stages (e.g. an analyze fingerprint).
    std::optional<std::string> meta(std::string_view key) const;
    void set_meta(std::string_view key, std::string_view value);
    // The rest of every meta key that starts with `prefix` (no '%' or '_' in it; ASCII case
    // ignored, as SQL's LIKE), in key order: e.g. fetch's resume records.
    std::vector<std::string> meta_key_suffixes(std::string_view prefix) const;

    // Reads through a memory map of the file (up to 1 GiB) rather than page copies: for a
    // connection about to scan the whole table.
    void use_memory_map();
    // Every paper's listing fields, in storage order.
    void for_each_listing_row(const std::function<void(const PaperListingRow&)>& fn) const;
    // Every paper's id and abstract, in storage order (the views as in PaperListingRow).
    void for_each_abstract(
        const std::function<void(std::string_view id, std::string_view abstract)>& fn) const;
    // The long fields of these papers, read in one transaction (one lock round for a page's
    // lookups); the lookup is prepared once per PapersDb.
    std::vector<PaperDetails> details(const std::vector<std::string_view>& ids);

private:
    friend struct PapersDbTestAccess;  // tests reach the connection (commit hooks, raw checks)
    struct DetailsQuery;
    std::unique_ptr<SQLite::Database> db_;
    std::unique_ptr<DetailsQuery> details_;
};

}  // namespace asp
