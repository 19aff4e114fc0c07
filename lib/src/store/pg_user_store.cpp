// The PostgreSQL back end of UserStore (libpqxx 6.4): the same behaviour as the SQLite one,
// for several serve instances sharing their users. The schema is created and migrated on
// open, under an advisory lock so instances starting together do not race; its version sits
// in the table asp_schema_version. Text columns use the "C" collation so that ordering and
// ISO 8601 comparisons match SQLite's byte order whatever the database's locale.
#include <asp/store/user_store.hpp>

#include <map>
#include <mutex>
#include <stdexcept>

#include <asp/core/time.hpp>

#include "store/discussion_rows.hpp"
#include "store/mail_tags.hpp"
#include "store/pg_session.hpp"

namespace asp {
namespace {

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
    // 3 -> 4: e-mail address, digest preferences, private feed token; what digests held
    R"sql(
    CREATE TABLE mail_settings (
        user_id           BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        email             TEXT COLLATE "C" NOT NULL DEFAULT '',
        verified          BOOLEAN NOT NULL DEFAULT FALSE,
        verify_nonce      TEXT COLLATE "C" NOT NULL DEFAULT '',
        frequency         TEXT COLLATE "C" NOT NULL DEFAULT 'off',
        tags              TEXT NOT NULL DEFAULT '[]',
        last_digest_at    TEXT COLLATE "C" NOT NULL DEFAULT '',
        failures          BIGINT NOT NULL DEFAULT 0,
        disabled          BOOLEAN NOT NULL DEFAULT FALSE,
        unsubscribe_token TEXT COLLATE "C" NOT NULL DEFAULT '',
        feed_token   TEXT COLLATE "C" NOT NULL DEFAULT ''
    );
    CREATE INDEX mail_settings_unsubscribe ON mail_settings(unsubscribe_token);
    CREATE INDEX mail_settings_feed ON mail_settings(feed_token);
    CREATE TABLE digest_seen (
        user_id  BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        paper_id TEXT COLLATE "C" NOT NULL,
        sent     BOOLEAN NOT NULL,
        at       TEXT COLLATE "C" NOT NULL,
        UNIQUE (user_id, paper_id)
    );
    )sql",
    // 4 -> 5: discussions (comments and their tags, moderation), follows, public libraries
    R"sql(
    CREATE TABLE comments (
        id         BIGSERIAL PRIMARY KEY,
        paper_id   TEXT COLLATE "C" NOT NULL,
        version    BIGINT NOT NULL,
        user_id    BIGINT REFERENCES users(id) ON DELETE SET NULL,
        text       TEXT NOT NULL,
        created_at TEXT COLLATE "C" NOT NULL,
        edited_at  TEXT COLLATE "C" NOT NULL DEFAULT '',
        state      INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX comments_paper ON comments(paper_id, id);
    CREATE INDEX comments_user ON comments(user_id, created_at);
    CREATE INDEX comments_created ON comments(created_at);
    CREATE TABLE comment_tags (
        comment_id BIGINT NOT NULL REFERENCES comments(id) ON DELETE CASCADE,
        user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        tag        TEXT COLLATE "C" NOT NULL,
        UNIQUE (comment_id, user_id, tag)
    );
    CREATE TABLE moderation_log (
        id         BIGSERIAL PRIMARY KEY,
        at         TEXT COLLATE "C" NOT NULL,
        admin      TEXT COLLATE "C" NOT NULL,
        action     TEXT COLLATE "C" NOT NULL,
        comment_id BIGINT NOT NULL,
        paper_id   TEXT COLLATE "C" NOT NULL
    );
    CREATE TABLE discussion_rev (id INTEGER PRIMARY KEY CHECK (id = 1), rev BIGINT NOT NULL);
    INSERT INTO discussion_rev VALUES (1, 0);
    CREATE TABLE follows (
        user_id     BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        followed_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at  TEXT COLLATE "C" NOT NULL,
        UNIQUE (user_id, followed_id)
    );
    ALTER TABLE users ADD COLUMN public_library INTEGER NOT NULL DEFAULT 0;
    )sql",
};
constexpr int kPgUserSchemaVersion = static_cast<int>(std::size(kPgUserMigrations));

const char* const kUserColumns =
    "id, username, password_hash, created_at, library_rev, session_rev";

const char* const kMailColumns =
    "email, verified, frequency, tags, last_digest_at, failures, disabled, unsubscribe_token, "
    "feed_token";

MailSettings row_to_mail(const pqxx::row& r, int first) {
    MailSettings m;
    m.email = r[first].as<std::string>();
    m.verified = r[first + 1].as<bool>();
    m.frequency = r[first + 2].as<std::string>();
    m.tags = tags_from_json(r[first + 3].as<std::string>());
    m.last_digest_at = r[first + 4].as<std::string>();
    m.failures = r[first + 5].as<int64_t>();
    m.disabled = r[first + 6].as<bool>();
    m.unsubscribe_token = r[first + 7].as<std::string>();
    m.feed_token = r[first + 8].as<std::string>();
    return m;
}

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
    explicit PgUserStore(std::string url) : pg_(std::move(url)) {
        pg_.migrate(kPgUserMigrations, kPgUserSchemaVersion);
        discussions_ = make_pg_discussions(pg_);
    }

    DiscussionStore& discussions() override { return *discussions_; }

    std::optional<User> create_user(std::string_view username,
                                    std::string_view password_hash) override {
        return pg_.with_tx<std::optional<User>>([&](pqxx::work& w) -> std::optional<User> {
            auto r = w.exec_params(std::string("INSERT INTO users (username, password_hash, created_at) "
                                               "VALUES ($1, $2, $3) ON CONFLICT (username) DO NOTHING "
                                               "RETURNING ") + kUserColumns,
                                   std::string(username), std::string(password_hash), utc_now_iso8601());
            if (r.empty()) return std::nullopt;
            return row_to_user(r[0]);
        });
    }

    std::optional<User> find_user(std::string_view username) override {
        return pg_.with_tx<std::optional<User>>([&](pqxx::work& w) -> std::optional<User> {
            auto r = w.exec_params(std::string("SELECT ") + kUserColumns + " FROM users WHERE username = $1",
                                   std::string(username));
            if (r.empty()) return std::nullopt;
            return row_to_user(r[0]);
        });
    }

    std::optional<User> find_user_by_id(int64_t user_id) override {
        return pg_.with_tx<std::optional<User>>([&](pqxx::work& w) -> std::optional<User> {
            auto r = w.exec_params(std::string("SELECT ") + kUserColumns + " FROM users WHERE id = $1", user_id);
            if (r.empty()) return std::nullopt;
            return row_to_user(r[0]);
        });
    }

    bool set_password_hash(int64_t user_id, std::string_view password_hash) override {
        return pg_.with_tx<bool>([&](pqxx::work& w) {
            return w.exec_params("UPDATE users SET password_hash = $1 WHERE id = $2",
                                 std::string(password_hash), user_id)
                       .affected_rows() > 0;
        });
    }

    bool bump_session_rev(int64_t user_id) override {
        return pg_.with_tx<bool>([&](pqxx::work& w) {
            return w.exec_params("UPDATE users SET session_rev = session_rev + 1 WHERE id = $1",
                                 user_id)
                       .affected_rows() > 0;
        });
    }

    bool delete_user(int64_t user_id) override {
        // library, tags (and their papers), feedback, comment tags and follows go with the user
        // (ON DELETE CASCADE); comments stay, without author and text.
        return pg_.with_tx<bool>([&](pqxx::work& w) {
            w.exec_params("UPDATE comments SET user_id = NULL, text = '' WHERE user_id = $1", user_id);
            w.exec("UPDATE discussion_rev SET rev = rev + 1");
            return w.exec_params("DELETE FROM users WHERE id = $1", user_id).affected_rows() > 0;
        });
    }

    bool save_paper(int64_t user_id, std::string_view paper_id) override {
        return pg_.with_tx<bool>([&](pqxx::work& w) {
            bool changed = w.exec_params("INSERT INTO library (user_id, paper_id, saved_at) "
                                         "VALUES ($1, $2, $3) ON CONFLICT (user_id, paper_id) DO NOTHING",
                                         user_id, std::string(paper_id), utc_now_iso8601())
                               .affected_rows() > 0;
            if (changed) bump_rev(w, user_id);
            return changed;
        });
    }

    bool unsave_paper(int64_t user_id, std::string_view paper_id) override {
        return pg_.with_tx<bool>([&](pqxx::work& w) {
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
        return pg_.with_tx<std::vector<LibraryEntry>>([&](pqxx::work& w) {
            auto r = w.exec_params("SELECT paper_id, saved_at FROM library WHERE user_id = $1 "
                                   "ORDER BY saved_at DESC, seq DESC",
                                   user_id);
            std::vector<LibraryEntry> out;
            for (const auto& row : r) out.push_back({row[0].as<std::string>(), row[1].as<std::string>()});
            return out;
        });
    }

    bool in_library(int64_t user_id, std::string_view paper_id) override {
        return pg_.with_tx<bool>([&](pqxx::work& w) {
            return !w.exec_params("SELECT 1 FROM library WHERE user_id = $1 AND paper_id = $2", user_id,
                                  std::string(paper_id))
                        .empty();
        });
    }

    std::vector<std::pair<std::string, int64_t>> save_counts(std::string_view since) override {
        return pg_.with_tx<std::vector<std::pair<std::string, int64_t>>>([&](pqxx::work& w) {
            auto r = w.exec_params("SELECT paper_id, COUNT(*) AS n FROM library WHERE saved_at >= $1 "
                                   "GROUP BY paper_id ORDER BY n DESC, paper_id DESC",
                                   std::string(since));
            std::vector<std::pair<std::string, int64_t>> out;
            for (const auto& row : r) out.emplace_back(row[0].as<std::string>(), row[1].as<int64_t>());
            return out;
        });
    }

    int64_t user_count() override {
        return pg_.with_tx<int64_t>([&](pqxx::work& w) {
            return w.exec("SELECT COUNT(*) FROM users")[0][0].as<int64_t>();
        });
    }

    std::vector<UserLibrary> all_libraries() override {
        return pg_.with_tx<std::vector<UserLibrary>>([&](pqxx::work& w) {
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
        return pg_.with_tx<std::vector<TagInfo>>([&](pqxx::work& w) {
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
        return pg_.with_tx<TagOutcome>([&](pqxx::work& w) {
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
        return pg_.with_tx<TagOutcome>([&](pqxx::work& w) {
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
        return pg_.with_tx<bool>([&](pqxx::work& w) {
            return w.exec_params("DELETE FROM tags WHERE user_id = $1 AND name = $2", user_id,
                                 std::string(tag))
                       .affected_rows() > 0;
        });
    }

    TagOutcome rename_tag(int64_t user_id, std::string_view from, std::string_view to) override {
        return pg_.with_tx<TagOutcome>([&](pqxx::work& w) {
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
        return pg_.with_tx<std::optional<TagInfo>>([&](pqxx::work& w) -> std::optional<TagInfo> {
            auto r = w.exec_params("SELECT t.id, t.name, COUNT(p.paper_id) FROM tags t "
                                   "LEFT JOIN tag_papers p ON p.tag_id = t.id "
                                   "WHERE t.user_id = $1 AND t.name = $2 GROUP BY t.id",
                                   user_id, std::string(tag));
            if (r.empty()) return std::nullopt;
            return TagInfo{r[0][0].as<int64_t>(), r[0][1].as<std::string>(), r[0][2].as<int64_t>()};
        });
    }

    std::vector<std::string> tag_papers(int64_t tag_id) override {
        return pg_.with_tx<std::vector<std::string>>([&](pqxx::work& w) {
            std::vector<std::string> out;
            for (const auto& row : w.exec_params("SELECT paper_id FROM tag_papers WHERE tag_id = $1 "
                                                 "ORDER BY tagged_at DESC, seq DESC",
                                                 tag_id))
                out.push_back(row[0].as<std::string>());
            return out;
        });
    }

    std::vector<std::pair<std::string, std::string>> paper_tags(int64_t user_id) override {
        return pg_.with_tx<std::vector<std::pair<std::string, std::string>>>([&](pqxx::work& w) {
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
        return pg_.with_tx<bool>([&](pqxx::work& w) {
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
        return pg_.with_tx<bool>([&](pqxx::work& w) {
            bool changed = w.exec_params("DELETE FROM feedback WHERE user_id = $1 AND paper_id = $2",
                                         user_id, std::string(paper_id))
                               .affected_rows() > 0;
            if (changed) bump_rev(w, user_id);
            return changed;
        });
    }

    std::vector<FeedbackEntry> feedback(int64_t user_id) override {
        return pg_.with_tx<std::vector<FeedbackEntry>>([&](pqxx::work& w) {
            std::vector<FeedbackEntry> out;
            for (const auto& row : w.exec_params("SELECT paper_id, value, created_at FROM feedback "
                                                 "WHERE user_id = $1 ORDER BY created_at DESC, seq DESC",
                                                 user_id))
                out.push_back({row[0].as<std::string>(), row[1].as<int>(), row[2].as<std::string>()});
            return out;
        });
    }

    MailSettings mail_settings(int64_t user_id) override {
        return pg_.with_tx<MailSettings>([&](pqxx::work& w) {
            auto r = w.exec_params(std::string("SELECT ") + kMailColumns +
                                       " FROM mail_settings WHERE user_id = $1",
                                   user_id);
            return r.empty() ? MailSettings{} : row_to_mail(r[0], 0);
        });
    }

    bool set_email(int64_t user_id, std::string_view email, std::string_view nonce,
                   std::string_view unsubscribe_token) override {
        return pg_.with_tx<bool>([&](pqxx::work& w) {
            if (w.exec_params("SELECT 1 FROM users WHERE id = $1", user_id).empty()) return false;
            w.exec_params("INSERT INTO mail_settings (user_id, email, verified, verify_nonce, "
                          "failures, disabled, unsubscribe_token) VALUES ($1, $2, FALSE, $3, 0, "
                          "FALSE, $4) ON CONFLICT (user_id) DO UPDATE SET email = EXCLUDED.email, "
                          "verified = FALSE, verify_nonce = EXCLUDED.verify_nonce, failures = 0, "
                          "disabled = FALSE, unsubscribe_token = EXCLUDED.unsubscribe_token",
                          user_id, std::string(email), std::string(nonce),
                          std::string(unsubscribe_token));
            return true;
        });
    }

    bool verify_email(int64_t user_id, std::string_view email, std::string_view nonce) override {
        if (nonce.empty()) return false;
        return pg_.with_tx<bool>([&](pqxx::work& w) {
            return w.exec_params("UPDATE mail_settings SET verified = TRUE, verify_nonce = '' "
                                 "WHERE user_id = $1 AND email = $2 AND verify_nonce = $3",
                                 user_id, std::string(email), std::string(nonce))
                       .affected_rows() > 0;
        });
    }

    bool set_digest(int64_t user_id, std::string_view frequency,
                    const std::vector<std::string>& tags) override {
        return pg_.with_tx<bool>([&](pqxx::work& w) {
            if (w.exec_params("SELECT 1 FROM users WHERE id = $1", user_id).empty()) return false;
            w.exec_params("INSERT INTO mail_settings (user_id, frequency, tags) VALUES ($1, $2, $3) "
                          "ON CONFLICT (user_id) DO UPDATE SET frequency = EXCLUDED.frequency, "
                          "tags = EXCLUDED.tags",
                          user_id, std::string(frequency), tags_to_json(tags));
            return true;
        });
    }

    std::optional<int64_t> unsubscribe(std::string_view token) override {
        if (token.empty()) return std::nullopt;
        return pg_.with_tx<std::optional<int64_t>>([&](pqxx::work& w) -> std::optional<int64_t> {
            auto r = w.exec_params("UPDATE mail_settings SET frequency = 'off' "
                                   "WHERE unsubscribe_token = $1 RETURNING user_id",
                                   std::string(token));
            if (r.empty()) return std::nullopt;
            return r[0][0].as<int64_t>();
        });
    }

    bool set_feed_token(int64_t user_id, std::string_view token) override {
        return pg_.with_tx<bool>([&](pqxx::work& w) {
            if (w.exec_params("SELECT 1 FROM users WHERE id = $1", user_id).empty()) return false;
            w.exec_params("INSERT INTO mail_settings (user_id, feed_token) VALUES ($1, $2) "
                          "ON CONFLICT (user_id) DO UPDATE SET "
                          "feed_token = EXCLUDED.feed_token",
                          user_id, std::string(token));
            return true;
        });
    }

    std::optional<User> find_user_by_feed_token(std::string_view token) override {
        if (token.empty()) return std::nullopt;
        return pg_.with_tx<std::optional<User>>([&](pqxx::work& w) -> std::optional<User> {
            auto r = w.exec_params("SELECT u.id, u.username, u.password_hash, u.created_at, "
                                   "u.library_rev, u.session_rev FROM users u JOIN mail_settings m "
                                   "ON m.user_id = u.id WHERE m.feed_token = $1",
                                   std::string(token));
            if (r.empty()) return std::nullopt;
            return row_to_user(r[0]);
        });
    }

    std::vector<DigestRecipient> digest_recipients() override {
        return pg_.with_tx<std::vector<DigestRecipient>>([&](pqxx::work& w) {
            auto r = w.exec(std::string("SELECT u.id, u.username, ") + kMailColumns +
                            " FROM users u JOIN mail_settings m ON m.user_id = u.id "
                            "WHERE m.verified AND NOT m.disabled AND m.email <> '' "
                            "AND m.frequency IN ('daily', 'weekly') ORDER BY u.id");
            std::vector<DigestRecipient> out;
            for (const auto& row : r)
                out.push_back({row[0].as<int64_t>(), row[1].as<std::string>(), row_to_mail(row, 2)});
            return out;
        });
    }

    std::vector<std::string> digest_seen(int64_t user_id) override {
        return pg_.with_tx<std::vector<std::string>>([&](pqxx::work& w) {
            auto r = w.exec_params("SELECT paper_id FROM digest_seen WHERE user_id = $1", user_id);
            std::vector<std::string> out;
            for (const auto& row : r) out.push_back(row[0].as<std::string>());
            return out;
        });
    }

    void record_digest(int64_t user_id, const std::vector<std::string>& sent,
                       const std::vector<std::string>& passed, std::string_view at) override {
        pg_.with_tx<bool>([&](pqxx::work& w) {
            for (const auto* list : {&sent, &passed})
                for (const auto& id : *list)
                    w.exec_params("INSERT INTO digest_seen (user_id, paper_id, sent, at) "
                                  "VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, paper_id) DO NOTHING",
                                  user_id, id, list == &sent, std::string(at));
            w.exec_params("UPDATE mail_settings SET last_digest_at = $1, failures = 0 "
                          "WHERE user_id = $2",
                          std::string(at), user_id);
            w.exec_params("DELETE FROM digest_seen WHERE user_id = $1 AND at < $2", user_id,
                          format_iso8601(parse_iso8601(at).value_or(0) - 60 * 86400));
            return true;
        });
    }

    int64_t record_mail_failure(int64_t user_id) override {
        return pg_.with_tx<int64_t>([&](pqxx::work& w) -> int64_t {
            auto r = w.exec_params("UPDATE mail_settings SET failures = failures + 1, "
                                   "disabled = (failures + 1 >= 3) WHERE user_id = $1 "
                                   "RETURNING failures",
                                   user_id);
            return r.empty() ? 0 : r[0][0].as<int64_t>();
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

    PgSession pg_;
    std::unique_ptr<DiscussionStore> discussions_;  // on pg_
};

}  // namespace

std::unique_ptr<UserStore> open_postgres_user_store(const std::string& url) {
    return std::make_unique<PgUserStore>(url);
}

}  // namespace asp
