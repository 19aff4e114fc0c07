#include <asp/store/papers_db.hpp>

#include <chrono>
#include <ctime>

#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>

#include <spdlog/spdlog.h>

#include <asp/core/clean_text.hpp>
#include <asp/core/time.hpp>

#include "store/sqlite_util.hpp"

namespace asp {
namespace {

using nlohmann::json;

// Each entry migrates from version i to i+1. Append only; never edit a released step.
const char* const kMigrations[] = {
    // 0 -> 1
    R"sql(
    CREATE TABLE IF NOT EXISTS meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS papers (
        id               TEXT PRIMARY KEY,
        version          INTEGER NOT NULL CHECK (version >= 1),
        title            TEXT NOT NULL,
        abstract         TEXT NOT NULL,
        authors          TEXT NOT NULL,   -- JSON array of names
        categories       TEXT NOT NULL,   -- JSON array, primary first
        primary_category TEXT NOT NULL,
        published        TEXT NOT NULL,   -- ISO 8601 UTC
        updated          TEXT NOT NULL,
        comment          TEXT,
        journal_ref      TEXT,
        doi              TEXT,
        links            TEXT NOT NULL DEFAULT '[]',  -- JSON array of {href, rel, type, title}
        fetched_at       TEXT NOT NULL,
        change_seq       INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS papers_published ON papers(published);
    CREATE INDEX IF NOT EXISTS papers_updated ON papers(updated);
    CREATE INDEX IF NOT EXISTS papers_change_seq ON papers(change_seq);
    CREATE TABLE IF NOT EXISTS stage_status (
        stage      TEXT NOT NULL,
        id         TEXT NOT NULL,
        version    INTEGER NOT NULL,
        state      TEXT NOT NULL CHECK (state IN ('done', 'failed')),
        reason     TEXT NOT NULL DEFAULT '',
        attempts   INTEGER NOT NULL DEFAULT 1,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (stage, id)
    );
    )sql",
};

std::string null_to_empty(const SQLite::Column& c) { return c.isNull() ? "" : c.getString(); }

void bind_or_null(SQLite::Statement& st, int idx, const std::string& v) {
    if (v.empty())
        st.bind(idx);
    else
        st.bind(idx, v);
}

constexpr const char* kPaperColumns =
    "id, version, title, abstract, authors, categories, primary_category, published, updated, "
    "comment, journal_ref, doi, links";

Paper row_to_paper(SQLite::Statement& q) {
    Paper p;
    p.id = q.getColumn(0).getString();
    p.version = q.getColumn(1).getInt();
    p.title = q.getColumn(2).getString();
    p.abstract = q.getColumn(3).getString();
    p.authors = json::parse(q.getColumn(4).getString()).get<std::vector<std::string>>();
    p.categories = json::parse(q.getColumn(5).getString()).get<std::vector<std::string>>();
    p.primary_category = q.getColumn(6).getString();
    p.published = q.getColumn(7).getString();
    p.updated = q.getColumn(8).getString();
    p.comment = null_to_empty(q.getColumn(9));
    p.journal_ref = null_to_empty(q.getColumn(10));
    p.doi = null_to_empty(q.getColumn(11));
    p.links = json::parse(q.getColumn(12).getString()).get<std::vector<PaperLink>>();
    return p;
}

}  // namespace

// The details lookup, prepared once: BEGIN, one indexed SELECT per paper, COMMIT.
struct PapersDb::DetailsQuery {
    explicit DetailsQuery(SQLite::Database& db)
        : begin(db, "BEGIN"),
          commit(db, "COMMIT"),
          query(db, "SELECT abstract, comment, journal_ref, doi FROM papers WHERE id = ?") {}
    SQLite::Statement begin, commit;
    SQLite::Statement query;
};

PapersDb::PapersDb(const std::filesystem::path& path, OpenMode mode) {
    db_ = open_sqlite(path, mode);
    if (mode == OpenMode::ReadWrite)
        migrate_sqlite(*db_, kMigrations, std::size(kMigrations));
    else
        check_sqlite_schema(*db_, path, kSchemaVersion);
}

PapersDb::~PapersDb() = default;
PapersDb::PapersDb(PapersDb&&) noexcept = default;
PapersDb& PapersDb::operator=(PapersDb&&) noexcept = default;

int64_t PapersDb::change_seq() const {
    SQLite::Statement q(*db_, "SELECT COALESCE(MAX(change_seq), 0) FROM papers");
    q.executeStep();
    return q.getColumn(0).getInt64();
}

std::pair<int64_t, int64_t> PapersDb::change_seq_and_count() const {
    SQLite::Statement q(*db_, "SELECT COALESCE(MAX(change_seq), 0), COUNT(*) FROM papers");
    q.executeStep();
    return {q.getColumn(0).getInt64(), q.getColumn(1).getInt64()};
}

void PapersDb::use_memory_map() { db_->exec("PRAGMA mmap_size = 1073741824"); }

namespace {
std::string_view text_of(const SQLite::Column& c) {
    return {c.getText(), static_cast<size_t>(c.getBytes())};
}
}  // namespace

void PapersDb::for_each_listing_row(const std::function<void(const PaperListingRow&)>& fn) const {
    SQLite::Statement q(*db_,
                        "SELECT id, version, title, authors, categories, published, updated "
                        "FROM papers");
    while (q.executeStep()) {
        PaperListingRow row;
        row.id = text_of(q.getColumn(0));
        row.version = q.getColumn(1).getInt();
        row.title = text_of(q.getColumn(2));
        row.authors_json = text_of(q.getColumn(3));
        row.categories_json = text_of(q.getColumn(4));
        row.published = text_of(q.getColumn(5));
        row.updated = text_of(q.getColumn(6));
        fn(row);
    }
}

void PapersDb::for_each_abstract(
    const std::function<void(std::string_view id, std::string_view abstract)>& fn) const {
    SQLite::Statement q(*db_, "SELECT id, abstract FROM papers");
    while (q.executeStep()) fn(text_of(q.getColumn(0)), text_of(q.getColumn(1)));
}

std::vector<PaperDetails> PapersDb::details(const std::vector<std::string_view>& ids) {
    if (!details_) details_ = std::make_unique<DetailsQuery>(*db_);
    auto& q = details_->query;
    details_->begin.tryReset();
    details_->begin.exec();
    std::vector<PaperDetails> out;
    out.reserve(ids.size());
    for (auto id : ids) {
        q.tryReset();
        q.bind(1, std::string(id));
        PaperDetails d;
        if (q.executeStep()) {
            auto text = [&q](int i) {
                auto c = q.getColumn(i);
                return c.isNull() ? std::string() : c.getString();
            };
            d = {text(0), text(1), text(2), text(3)};
        }
        out.push_back(std::move(d));
    }
    q.tryReset();
    details_->commit.tryReset();
    details_->commit.exec();  // ends the read transaction
    return out;
}

std::optional<Paper> clean_paper(Paper p, std::string& why) {
    using L = PaperLimits;
    auto clean = [](std::string& s, size_t max, bool multiline = false) {
        s = clean_text(s, CleanTextOptions{max, multiline});
    };
    clean(p.id, 64);
    if (p.id.empty()) {
        why = "empty id";
        return std::nullopt;
    }
    auto date = [&](std::string& s, const char* name) -> bool {
        clean(s, 64);
        auto t = parse_iso8601(s);
        if (!t) {
            why = p.id + ": unparseable " + std::string(name) + " date '" + s + "'";
            return false;
        }
        s = format_iso8601(*t);
        return true;
    };
    if (!date(p.published, "published")) return std::nullopt;
    if (p.updated.empty()) p.updated = p.published;
    else if (!date(p.updated, "updated")) return std::nullopt;
    clean(p.title, L::kTitle);
    clean(p.abstract, L::kAbstract, true);
    clean(p.comment, L::kComment);
    clean(p.journal_ref, L::kJournalRef);
    clean(p.doi, L::kDoi);
    std::vector<std::string> authors;
    size_t total = 0;
    for (auto& a : p.authors) {
        clean(a, L::kAuthor);
        if (a.empty()) continue;
        if (total + a.size() > L::kAuthorsTotal) break;
        total += a.size();
        authors.push_back(std::move(a));
    }
    p.authors = std::move(authors);
    std::vector<std::string> categories;
    for (auto& c : p.categories) {
        clean(c, L::kCategory);
        if (!c.empty() && categories.size() < L::kCategories) categories.push_back(std::move(c));
    }
    p.categories = std::move(categories);
    clean(p.primary_category, L::kCategory);
    if (p.links.size() > L::kLinks) p.links.resize(L::kLinks);
    for (auto& l : p.links) {
        clean(l.href, L::kLinkHref);
        clean(l.rel, L::kLinkField);
        clean(l.type, L::kLinkField);
        clean(l.title, L::kLinkField);
    }
    if (p.version < 1) p.version = 1;
    return p;
}

UpsertOutcome PapersDb::upsert(const Paper& raw) {
    std::string why;
    auto cleaned = clean_paper(raw, why);
    if (!cleaned) {
        spdlog::warn("not stored: {}", why);
        return UpsertOutcome::Rejected;
    }
    const Paper& paper = *cleaned;
    auto existing = get(paper.id);
    UpsertOutcome outcome;
    if (!existing)
        outcome = UpsertOutcome::Added;
    else if (paper.version > existing->version)
        outcome = UpsertOutcome::NewVersion;
    else if (paper.version == existing->version && !(paper == *existing))
        outcome = UpsertOutcome::MetadataChanged;
    else
        return UpsertOutcome::Unchanged;

    SQLite::Statement st(*db_,
                         "INSERT OR REPLACE INTO papers (id, version, title, abstract, authors, "
                         "categories, primary_category, published, updated, comment, journal_ref, "
                         "doi, links, fetched_at, change_seq) VALUES "
                         "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    st.bind(1, paper.id);
    st.bind(2, paper.version);
    st.bind(3, paper.title);
    st.bind(4, paper.abstract);
    st.bind(5, json(paper.authors).dump());
    st.bind(6, json(paper.categories).dump());
    st.bind(7, paper.primary_category);
    st.bind(8, paper.published);
    st.bind(9, paper.updated);
    bind_or_null(st, 10, paper.comment);
    bind_or_null(st, 11, paper.journal_ref);
    bind_or_null(st, 12, paper.doi);
    st.bind(13, json(paper.links).dump());
    st.bind(14, utc_now_iso8601());
    st.bind(15, static_cast<int64_t>(change_seq() + 1));
    st.exec();
    return outcome;
}

UpsertCounts PapersDb::upsert_all(const std::vector<Paper>& papers,
                                  const std::function<void(const UpsertCounts&)>& before_commit) {
    UpsertCounts counts;
    SQLite::Transaction tx(*db_);
    for (const auto& p : papers) {
        switch (upsert(p)) {
            case UpsertOutcome::Added: ++counts.added; break;
            case UpsertOutcome::NewVersion: ++counts.new_versions; break;
            case UpsertOutcome::MetadataChanged: ++counts.changed; break;
            case UpsertOutcome::Unchanged: ++counts.unchanged; break;
            case UpsertOutcome::Rejected: ++counts.rejected; break;
        }
    }
    if (before_commit) before_commit(counts);
    tx.commit();
    return counts;
}

bool PapersDb::remove(std::string_view id) {
    SQLite::Statement st(*db_, "DELETE FROM papers WHERE id = ?");
    st.bind(1, std::string(id));
    if (st.exec() == 0) return false;
    SQLite::Statement stages(*db_, "DELETE FROM stage_status WHERE id = ?");
    stages.bind(1, std::string(id));
    stages.exec();
    return true;
}

std::optional<Paper> PapersDb::get(std::string_view id) const {
    SQLite::Statement q(*db_, std::string("SELECT ") + kPaperColumns + " FROM papers WHERE id = ?");
    q.bind(1, std::string(id));
    if (!q.executeStep()) return std::nullopt;
    return row_to_paper(q);
}

size_t PapersDb::count() const {
    SQLite::Statement q(*db_, "SELECT COUNT(*) FROM papers");
    q.executeStep();
    return static_cast<size_t>(q.getColumn(0).getInt64());
}

void PapersDb::for_each(const std::function<void(const Paper&)>& fn) const {
    SQLite::Statement q(*db_, std::string("SELECT ") + kPaperColumns +
                                  " FROM papers ORDER BY published DESC, id DESC");
    while (q.executeStep()) fn(row_to_paper(q));
}

std::vector<Paper> PapersDb::all() const {
    std::vector<Paper> out;
    for_each([&](const Paper& p) { out.push_back(p); });
    return out;
}

std::vector<Paper> PapersDb::published_since(std::string_view since) const {
    SQLite::Statement q(*db_, std::string("SELECT ") + kPaperColumns +
                                  " FROM papers WHERE published >= ? ORDER BY published DESC, id DESC");
    q.bind(1, std::string(since));
    std::vector<Paper> out;
    while (q.executeStep()) out.push_back(row_to_paper(q));
    return out;
}

std::vector<Paper> PapersDb::changed_since(int64_t seq) const {
    SQLite::Statement q(*db_, std::string("SELECT ") + kPaperColumns +
                                  " FROM papers WHERE change_seq > ? ORDER BY change_seq");
    q.bind(1, static_cast<int64_t>(seq));
    std::vector<Paper> out;
    while (q.executeStep()) out.push_back(row_to_paper(q));
    return out;
}

void PapersDb::record_done(std::string_view stage, std::string_view id, int version) {
    SQLite::Statement st(*db_,
                         "INSERT INTO stage_status (stage, id, version, state, reason, attempts, "
                         "updated_at) VALUES (?, ?, ?, 'done', '', 1, ?) "
                         "ON CONFLICT(stage, id) DO UPDATE SET version = excluded.version, "
                         "state = 'done', reason = '', updated_at = excluded.updated_at");
    st.bind(1, std::string(stage));
    st.bind(2, std::string(id));
    st.bind(3, version);
    st.bind(4, utc_now_iso8601());
    st.exec();
}

void PapersDb::record_failure(std::string_view stage, std::string_view id, int version,
                              std::string_view reason) {
    SQLite::Statement st(
        *db_,
        "INSERT INTO stage_status (stage, id, version, state, reason, attempts, updated_at) "
        "VALUES (?, ?, ?, 'failed', ?, 1, ?) "
        "ON CONFLICT(stage, id) DO UPDATE SET reason = excluded.reason, "
        "updated_at = excluded.updated_at, state = 'failed', "
        "attempts = CASE WHEN stage_status.version = excluded.version AND "
        "stage_status.state = 'failed' THEN stage_status.attempts + 1 ELSE 1 END, "
        "version = excluded.version");
    st.bind(1, std::string(stage));
    st.bind(2, std::string(id));
    st.bind(3, version);
    st.bind(4, std::string(reason));
    st.bind(5, utc_now_iso8601());
    st.exec();
}

void PapersDb::clear_stage_record(std::string_view stage, std::string_view id) {
    SQLite::Statement st(*db_, "DELETE FROM stage_status WHERE stage = ? AND id = ?");
    st.bind(1, std::string(stage));
    st.bind(2, std::string(id));
    st.exec();
}

namespace {
StageRecord row_to_record(SQLite::Statement& q) {
    StageRecord r;
    r.id = q.getColumn(0).getString();
    r.version = q.getColumn(1).getInt();
    r.state = q.getColumn(2).getString() == "done" ? StageState::Done : StageState::Failed;
    r.reason = q.getColumn(3).getString();
    r.attempts = q.getColumn(4).getInt();
    r.updated_at = q.getColumn(5).getString();
    return r;
}
}  // namespace

std::optional<StageRecord> PapersDb::stage_record(std::string_view stage,
                                                  std::string_view id) const {
    SQLite::Statement q(*db_,
                        "SELECT id, version, state, reason, attempts, updated_at FROM "
                        "stage_status WHERE stage = ? AND id = ?");
    q.bind(1, std::string(stage));
    q.bind(2, std::string(id));
    if (!q.executeStep()) return std::nullopt;
    return row_to_record(q);
}

std::unordered_map<std::string, StageRecord> PapersDb::stage_records(
    std::string_view stage) const {
    SQLite::Statement q(*db_,
                        "SELECT id, version, state, reason, attempts, updated_at FROM "
                        "stage_status WHERE stage = ?");
    q.bind(1, std::string(stage));
    std::unordered_map<std::string, StageRecord> out;
    while (q.executeStep()) {
        auto r = row_to_record(q);
        out.emplace(r.id, std::move(r));
    }
    return out;
}

std::optional<std::string> PapersDb::meta(std::string_view key) const {
    SQLite::Statement q(*db_, "SELECT value FROM meta WHERE key = ?");
    q.bind(1, std::string(key));
    if (!q.executeStep()) return std::nullopt;
    return q.getColumn(0).getString();
}

std::vector<std::string> PapersDb::meta_key_suffixes(std::string_view prefix) const {
    SQLite::Statement q(*db_, "SELECT substr(key, ?) FROM meta WHERE key LIKE ? ORDER BY key");
    q.bind(1, static_cast<int64_t>(prefix.size()) + 1);
    q.bind(2, std::string(prefix) + "%");
    std::vector<std::string> out;
    while (q.executeStep()) out.push_back(q.getColumn(0).getString());
    return out;
}

void PapersDb::set_meta(std::string_view key, std::string_view value) {
    // Writes only a changed value: a rerun with nothing new must leave papers.db untouched.
    SQLite::Statement st(*db_,
                         "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO "
                         "UPDATE SET value = excluded.value WHERE value IS NOT excluded.value");
    st.bind(1, std::string(key));
    st.bind(2, std::string(value));
    st.exec();
}

}  // namespace asp
