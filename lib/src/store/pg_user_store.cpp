// The PostgreSQL back end of UserStore (libpqxx 6.4): the same behaviour as the SQLite one,
// for several serve instances sharing their users. The schema is created and migrated on
// open, under an advisory lock so instances starting together do not race; its version sits
// in the table asp_schema_version. Text columns use the "C" collation so that ordering and
// ISO 8601 comparisons match SQLite's byte order whatever the database's locale.
#include <asp/store/user_store.hpp>

#include <poll.h>

#include <map>
#include <mutex>
#include <stdexcept>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#pragma GCC diagnostic ignored "-Wdeprecated"
#include <pqxx/pqxx>
#pragma GCC diagnostic pop

#include <asp/core/time.hpp>

namespace asp {
namespace {

// An arbitrary constant: the key of the advisory lock held while migrating.
constexpr long long kMigrationLock = 0x61737075736572;  // "aspuser"

const char* const kPgUserMigrations[] = {
    // 0 -> 1
    R"sql(
    CREATE TABLE users (
        id            BIGSERIAL PRIMARY KEY,
        username      TEXT COLLATE "C" NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        created_at    TEXT COLLATE "C" NOT NULL,
        library_rev   BIGINT NOT NULL DEFAULT 0
    );
    CREATE TABLE library (
        seq      BIGSERIAL PRIMARY KEY,
        user_id  BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        paper_id TEXT COLLATE "C" NOT NULL,
        saved_at TEXT COLLATE "C" NOT NULL,
        UNIQUE (user_id, paper_id)
    );
    CREATE INDEX library_paper ON library(paper_id);
    CREATE INDEX library_saved_at ON library(saved_at);
    )sql",
    // 1 -> 2: sessions end when session_rev moves (serve's logout, password change)
    R"sql(
    ALTER TABLE users ADD COLUMN session_rev BIGINT NOT NULL DEFAULT 0;
    )sql",
    // 2 -> 3: tags and "not interested" feedback
    R"sql(
    CREATE TABLE tags (
        id         BIGSERIAL PRIMARY KEY,
        user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name       TEXT COLLATE "C" NOT NULL,
        created_at TEXT COLLATE "C" NOT NULL,
        UNIQUE (user_id, name)
    );
    CREATE TABLE tag_papers (
        seq       BIGSERIAL PRIMARY KEY,
        tag_id    BIGINT NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
        paper_id  TEXT COLLATE "C" NOT NULL,
        tagged_at TEXT COLLATE "C" NOT NULL,
        UNIQUE (tag_id, paper_id)
    );
    CREATE TABLE feedback (
        seq        BIGSERIAL PRIMARY KEY,
        user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        paper_id   TEXT COLLATE "C" NOT NULL,
        value      INTEGER NOT NULL,
        created_at TEXT COLLATE "C" NOT NULL,
        UNIQUE (user_id, paper_id)
    );
    )sql",
};
constexpr int kPgUserSchemaVersion = static_cast<int>(std::size(kPgUserMigrations));

const char* const kUserColumns =
    "id, username, password_hash, created_at, library_rev, session_rev";

User row_to_user(const pqxx::row& r) {
    User u;
    u.id = r[0].as<int64_t>();
    u.username = r[1].as<std::string>();
    u.password_hash = r[2].as<std::string>();
    u.created_at = r[3].as<std::string>();
    u.library_rev = r[4].as<int64_t>();
    u.session_rev = r[5].as<int64_t>();
    return u;
}

class PgUserStore final : public UserStore {
public:
    explicit PgUserStore(std::string url) : url_(std::move(url)) {
        connect();
        migrate();
    }

    std::optional<User> create_user(std::string_view username,
                                    std::string_view password_hash) override {
        return with_tx<std::optional<User>>([&](pqxx::work& w) -> std::optional<User> {
            auto r = w.exec_params(std::string("INSERT INTO users (username, password_hash, created_at) "
                                               "VALUES ($1, $2, $3) ON CONFLICT (username) DO NOTHING "
                                               "RETURNING ") + kUserColumns,
                                   std::string(username), std::string(password_hash), utc_now_iso8601());
            if (r.empty()) return std::nullopt;
            return row_to_user(r[0]);
        });
    }

    std::optional<User> find_user(std::string_view username) override {
        return with_tx<std::optional<User>>([&](pqxx::work& w) -> std::optional<User> {
            auto r = w.exec_params(std::string("SELECT ") + kUserColumns + " FROM users WHERE username = $1",
                                   std::string(username));
            if (r.empty()) return std::nullopt;
            return row_to_user(r[0]);
        });
    }

    std::optional<User> find_user_by_id(int64_t user_id) override {
        return with_tx<std::optional<User>>([&](pqxx::work& w) -> std::optional<User> {
            auto r = w.exec_params(std::string("SELECT ") + kUserColumns + " FROM users WHERE id = $1", user_id);
            if (r.empty()) return std::nullopt;
            return row_to_user(r[0]);
        });
    }

    bool set_password_hash(int64_t user_id, std::string_view password_hash) override {
        return with_tx<bool>([&](pqxx::work& w) {
            return w.exec_params("UPDATE users SET password_hash = $1 WHERE id = $2",
                                 std::string(password_hash), user_id)
                       .affected_rows() > 0;
        });
    }

    bool bump_session_rev(int64_t user_id) override {
        return with_tx<bool>([&](pqxx::work& w) {
            return w.exec_params("UPDATE users SET session_rev = session_rev + 1 WHERE id = $1",
                                 user_id)
                       .affected_rows() > 0;
        });
    }

    bool delete_user(int64_t user_id) override {
        // library, tags (and their papers) and feedback go with the user (ON DELETE CASCADE).
        return with_tx<bool>([&](pqxx::work& w) {
            return w.exec_params("DELETE FROM users WHERE id = $1", user_id).affected_rows() > 0;
        });
    }

    bool save_paper(int64_t user_id, std::string_view paper_id) override {
        return with_tx<bool>([&](pqxx::work& w) {
            bool changed = w.exec_params("INSERT INTO library (user_id, paper_id, saved_at) "
                                         "VALUES ($1, $2, $3) ON CONFLICT (user_id, paper_id) DO NOTHING",
                                         user_id, std::string(paper_id), utc_now_iso8601())
                               .affected_rows() > 0;
            if (changed) bump_rev(w, user_id);
            return changed;
        });
    }

    bool unsave_paper(int64_t user_id, std::string_view paper_id) override {
        return with_tx<bool>([&](pqxx::work& w) {
            bool changed = w.exec_params("DELETE FROM library WHERE user_id = $1 AND paper_id = $2",
                                         user_id, std::string(paper_id))
                               .affected_rows() > 0;
            if (changed) {
                bump_rev(w, user_id);
                w.exec_params("DELETE FROM tag_papers WHERE paper_id = $1 AND tag_id IN "
                              "(SELECT id FROM tags WHERE user_id = $2)",
                              std::string(paper_id), user_id);
            }
            return changed;
        });
    }

    std::vector<LibraryEntry> library(int64_t user_id) override {
        return with_tx<std::vector<LibraryEntry>>([&](pqxx::work& w) {
            auto r = w.exec_params("SELECT paper_id, saved_at FROM library WHERE user_id = $1 "
                                   "ORDER BY saved_at DESC, seq DESC",
                                   user_id);
            std::vector<LibraryEntry> out;
            for (const auto& row : r) out.push_back({row[0].as<std::string>(), row[1].as<std::string>()});
            return out;
        });
    }

    bool in_library(int64_t user_id, std::string_view paper_id) override {
        return with_tx<bool>([&](pqxx::work& w) {
            return !w.exec_params("SELECT 1 FROM library WHERE user_id = $1 AND paper_id = $2", user_id,
                                  std::string(paper_id))
                        .empty();
        });
    }

    std::vector<std::pair<std::string, int64_t>> save_counts(std::string_view since) override {
        return with_tx<std::vector<std::pair<std::string, int64_t>>>([&](pqxx::work& w) {
            auto r = w.exec_params("SELECT paper_id, COUNT(*) AS n FROM library WHERE saved_at >= $1 "
                                   "GROUP BY paper_id ORDER BY n DESC, paper_id DESC",
                                   std::string(since));
            std::vector<std::pair<std::string, int64_t>> out;
            for (const auto& row : r) out.emplace_back(row[0].as<std::string>(), row[1].as<int64_t>());
            return out;
        });
    }

    int64_t user_count() override {
        return with_tx<int64_t>([&](pqxx::work& w) {
            return w.exec("SELECT COUNT(*) FROM users")[0][0].as<int64_t>();
        });
    }

    std::vector<UserLibrary> all_libraries() override {
        return with_tx<std::vector<UserLibrary>>([&](pqxx::work& w) {
            auto r = w.exec("SELECT u.id, u.username, u.library_rev, l.paper_id FROM users u "
                            "JOIN library l ON l.user_id = u.id ORDER BY u.id, l.paper_id");
            std::vector<UserLibrary> out;
            std::map<int64_t, size_t> at;
            for (const auto& row : r) {
                int64_t id = row[0].as<int64_t>();
                if (out.empty() || out.back().user_id != id) {
                    at[id] = out.size();
                    out.push_back({id, row[1].as<std::string>(), row[2].as<int64_t>(), {}, {}, {}});
                }
                out.back().paper_ids.push_back(row[3].as<std::string>());
            }
            for (const auto& row : w.exec("SELECT t.user_id, t.id, t.name, p.paper_id FROM tags t "
                                          "JOIN tag_papers p ON p.tag_id = t.id "
                                          "ORDER BY t.user_id, t.name, p.paper_id")) {
                auto u = at.find(row[0].as<int64_t>());
                if (u == at.end()) continue;
                auto& tags = out[u->second].tags;
                int64_t tag_id = row[1].as<int64_t>();
                if (tags.empty() || tags.back().id != tag_id)
                    tags.push_back({tag_id, row[2].as<std::string>(), {}});
                tags.back().paper_ids.push_back(row[3].as<std::string>());
            }
            for (const auto& row : w.exec("SELECT user_id, paper_id FROM feedback WHERE value < 0 "
                                          "ORDER BY user_id, paper_id")) {
                auto u = at.find(row[0].as<int64_t>());
                if (u != at.end()) out[u->second].not_interested.push_back(row[1].as<std::string>());
            }
            return out;
        });
    }

    std::vector<TagInfo> tags(int64_t user_id) override {
        return with_tx<std::vector<TagInfo>>([&](pqxx::work& w) {
            std::vector<TagInfo> out;
            for (const auto& row : w.exec_params("SELECT t.id, t.name, COUNT(p.paper_id) FROM tags t "
                                                 "LEFT JOIN tag_papers p ON p.tag_id = t.id "
                                                 "WHERE t.user_id = $1 GROUP BY t.id ORDER BY t.name",
                                                 user_id))
                out.push_back({row[0].as<int64_t>(), row[1].as<std::string>(), row[2].as<int64_t>()});
            return out;
        });
    }

    TagOutcome tag_paper(int64_t user_id, std::string_view tag, std::string_view paper_id,
                         size_t max_tags) override {
        return with_tx<TagOutcome>([&](pqxx::work& w) {
            // One tag change per user at a time: the limit check and the insert stay together.
            w.exec_params("SELECT 1 FROM users WHERE id = $1 FOR UPDATE", user_id);
            auto id = tag_id(w, user_id, tag);
            if (!id) {
                auto n = w.exec_params("SELECT COUNT(*) FROM tags WHERE user_id = $1", user_id)[0][0].as<int64_t>();
                if (static_cast<size_t>(n) >= max_tags) return TagOutcome::TooManyTags;
                id = w.exec_params("INSERT INTO tags (user_id, name, created_at) VALUES ($1, $2, $3) "
                                   "RETURNING id",
                                   user_id, std::string(tag), utc_now_iso8601())[0][0]
                         .as<int64_t>();
            }
            if (w.exec_params("INSERT INTO library (user_id, paper_id, saved_at) VALUES ($1, $2, $3) "
                              "ON CONFLICT (user_id, paper_id) DO NOTHING",
                              user_id, std::string(paper_id), utc_now_iso8601())
                    .affected_rows() > 0)
                bump_rev(w, user_id);
            bool changed = w.exec_params("INSERT INTO tag_papers (tag_id, paper_id, tagged_at) "
                                         "VALUES ($1, $2, $3) ON CONFLICT (tag_id, paper_id) DO NOTHING",
                                         *id, std::string(paper_id), utc_now_iso8601())
                               .affected_rows() > 0;
            return changed ? TagOutcome::Changed : TagOutcome::Unchanged;
        });
    }

    TagOutcome untag_paper(int64_t user_id, std::string_view tag, std::string_view paper_id) override {
        return with_tx<TagOutcome>([&](pqxx::work& w) {
            auto id = tag_id(w, user_id, tag);
            if (!id) return TagOutcome::NoSuchTag;
            return w.exec_params("DELETE FROM tag_papers WHERE tag_id = $1 AND paper_id = $2", *id,
                                 std::string(paper_id))
                               .affected_rows() > 0
                       ? TagOutcome::Changed
                       : TagOutcome::Unchanged;
        });
    }

    bool delete_tag(int64_t user_id, std::string_view tag) override {
        // tag_papers go with the tag (ON DELETE CASCADE).
        return with_tx<bool>([&](pqxx::work& w) {
            return w.exec_params("DELETE FROM tags WHERE user_id = $1 AND name = $2", user_id,
                                 std::string(tag))
                       .affected_rows() > 0;
        });
    }

    TagOutcome rename_tag(int64_t user_id, std::string_view from, std::string_view to) override {
        return with_tx<TagOutcome>([&](pqxx::work& w) {
            w.exec_params("SELECT 1 FROM users WHERE id = $1 FOR UPDATE", user_id);
            auto id = tag_id(w, user_id, from);
            if (!id) return TagOutcome::NoSuchTag;
            if (from == to) return TagOutcome::Unchanged;
            if (tag_id(w, user_id, to)) return TagOutcome::NameTaken;
            w.exec_params("UPDATE tags SET name = $1 WHERE id = $2", std::string(to), *id);
            return TagOutcome::Changed;
        });
    }

    std::optional<TagInfo> find_tag(int64_t user_id, std::string_view tag) override {
        return with_tx<std::optional<TagInfo>>([&](pqxx::work& w) -> std::optional<TagInfo> {
            auto r = w.exec_params("SELECT t.id, t.name, COUNT(p.paper_id) FROM tags t "
                                   "LEFT JOIN tag_papers p ON p.tag_id = t.id "
                                   "WHERE t.user_id = $1 AND t.name = $2 GROUP BY t.id",
                                   user_id, std::string(tag));
            if (r.empty()) return std::nullopt;
            return TagInfo{r[0][0].as<int64_t>(), r[0][1].as<std::string>(), r[0][2].as<int64_t>()};
        });
    }

    std::vector<std::string> tag_papers(int64_t tag_id) override {
        return with_tx<std::vector<std::string>>([&](pqxx::work& w) {
            std::vector<std::string> out;
            for (const auto& row : w.exec_params("SELECT paper_id FROM tag_papers WHERE tag_id = $1 "
                                                 "ORDER BY tagged_at DESC, seq DESC",
                                                 tag_id))
                out.push_back(row[0].as<std::string>());
            return out;
        });
    }

    std::vector<std::pair<std::string, std::string>> paper_tags(int64_t user_id) override {
        return with_tx<std::vector<std::pair<std::string, std::string>>>([&](pqxx::work& w) {
            std::vector<std::pair<std::string, std::string>> out;
            for (const auto& row : w.exec_params("SELECT p.paper_id, t.name FROM tags t "
                                                 "JOIN tag_papers p ON p.tag_id = t.id WHERE t.user_id = $1 "
                                                 "ORDER BY t.name, p.paper_id",
                                                 user_id))
                out.emplace_back(row[0].as<std::string>(), row[1].as<std::string>());
            return out;
        });
    }

    bool set_feedback(int64_t user_id, std::string_view paper_id, int value) override {
        return with_tx<bool>([&](pqxx::work& w) {
            bool changed = w.exec_params("INSERT INTO feedback (user_id, paper_id, value, created_at) "
                                         "VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, paper_id) "
                                         "DO UPDATE SET value = EXCLUDED.value "
                                         "WHERE feedback.value <> EXCLUDED.value",
                                         user_id, std::string(paper_id), value, utc_now_iso8601())
                               .affected_rows() > 0;
            if (changed) bump_rev(w, user_id);
            return changed;
        });
    }

    bool clear_feedback(int64_t user_id, std::string_view paper_id) override {
        return with_tx<bool>([&](pqxx::work& w) {
            bool changed = w.exec_params("DELETE FROM feedback WHERE user_id = $1 AND paper_id = $2",
                                         user_id, std::string(paper_id))
                               .affected_rows() > 0;
            if (changed) bump_rev(w, user_id);
            return changed;
        });
    }

    std::vector<FeedbackEntry> feedback(int64_t user_id) override {
        return with_tx<std::vector<FeedbackEntry>>([&](pqxx::work& w) {
            std::vector<FeedbackEntry> out;
            for (const auto& row : w.exec_params("SELECT paper_id, value, created_at FROM feedback "
                                                 "WHERE user_id = $1 ORDER BY created_at DESC, seq DESC",
                                                 user_id))
                out.push_back({row[0].as<std::string>(), row[1].as<int>(), row[2].as<std::string>()});
            return out;
        });
    }

private:
    static std::optional<int64_t> tag_id(pqxx::work& w, int64_t user_id, std::string_view tag) {
        auto r = w.exec_params("SELECT id FROM tags WHERE user_id = $1 AND name = $2", user_id,
                               std::string(tag));
        if (r.empty()) return std::nullopt;
        return r[0][0].as<int64_t>();
    }

    static void bump_rev(pqxx::work& w, int64_t user_id) {
        w.exec_params("UPDATE users SET library_rev = library_rev + 1 WHERE id = $1", user_id);
    }

    void connect() {
        try {
            conn_ = std::make_unique<pqxx::connection>(url_);
        } catch (const pqxx::broken_connection& e) {
            throw std::runtime_error("cannot connect to PostgreSQL " + redacted() + ": " + first_line(e.what()));
        }
    }

    // The URL without its password, for messages.
    std::string redacted() const {
        auto at = url_.find('@');
        auto scheme = url_.find("://");
        if (at == std::string::npos || scheme == std::string::npos) return url_;
        auto colon = url_.find(':', scheme + 3);
        if (colon == std::string::npos || colon > at) return url_;
        return url_.substr(0, colon) + ":***" + url_.substr(at);
    }

    static std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

    void migrate() {
        std::lock_guard lock(mu_);
        pqxx::work w(*conn_);
        w.exec("SELECT pg_advisory_xact_lock(" + std::to_string(kMigrationLock) + ")");
        w.exec("CREATE TABLE IF NOT EXISTS asp_schema_version (version INTEGER NOT NULL)");
        auto r = w.exec("SELECT version FROM asp_schema_version");
        int version = r.empty() ? 0 : r[0][0].as<int>();
        if (r.empty()) w.exec("INSERT INTO asp_schema_version VALUES (0)");
        if (version > kPgUserSchemaVersion)
            throw std::runtime_error(redacted() + ": user schema version " + std::to_string(version) +
                                     " is newer than this program knows (" +
                                     std::to_string(kPgUserSchemaVersion) + "); upgrade the tools");
        for (int v = version; v < kPgUserSchemaVersion; ++v) {
            w.exec(kPgUserMigrations[v]);
            w.exec("UPDATE asp_schema_version SET version = " + std::to_string(v + 1));
        }
        w.commit();
    }

    // Runs `body` in a transaction; a connection lost (a PostgreSQL restart, a failover)
    // is reopened and the transaction tried once more.
    // An idle connection has nothing to read: readable means the server closed it or sent
    // its last words (a restart's "terminating connection"). Reconnecting before the next
    // transaction spares it a failure (and libpqxx 6.4's leak on that path).
    void reconnect_if_closed() {
        int fd = conn_->sock();
        pollfd p{fd, POLLIN, 0};
        if (fd < 0 || ::poll(&p, 1, 0) != 0) connect();
    }

    template <class T, class F>
    T with_tx(F&& body) {
        std::lock_guard lock(mu_);
        reconnect_if_closed();
        for (int attempt = 0;; ++attempt) {
            try {
                pqxx::work w(*conn_);
                T out = body(w);
                w.commit();
                return out;
            } catch (const pqxx::broken_connection& e) {
                if (attempt > 0)
                    throw std::runtime_error("PostgreSQL " + redacted() + ": " + first_line(e.what()));
                connect();
            }
        }
    }

    std::string url_;
    std::mutex mu_;  // one connection, used from serve's worker threads
    std::unique_ptr<pqxx::connection> conn_;
};

}  // namespace

std::unique_ptr<UserStore> open_postgres_user_store(const std::string& url) {
    return std::make_unique<PgUserStore>(url);
}

}  // namespace asp
