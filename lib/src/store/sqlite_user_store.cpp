#include <asp/store/user_store.hpp>

#include <map>
#include <mutex>

#include <asp/core/time.hpp>

#include "store/discussion_rows.hpp"
#include "store/mail_tags.hpp"
#include "store/sqlite_util.hpp"

namespace asp {
namespace {

const char* const kUserMigrations[] = {
    // 0 -> 1
    R"sql(
    CREATE TABLE IF NOT EXISTS users (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        username      TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        created_at    TEXT NOT NULL,
        library_rev   INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE IF NOT EXISTS library (
        user_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        paper_id TEXT NOT NULL,
        saved_at TEXT NOT NULL,
        UNIQUE (user_id, paper_id)
    );
    CREATE INDEX IF NOT EXISTS library_paper ON library(paper_id);
    CREATE INDEX IF NOT EXISTS library_saved_at ON library(saved_at);
    )sql",
    // 1 -> 2
    R"sql(
    ALTER TABLE users ADD COLUMN session_rev INTEGER NOT NULL DEFAULT 0;
    )sql",
    // 2 -> 3: tags and "not interested" feedback
    R"sql(
    CREATE TABLE tags (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name       TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (user_id, name)
    );
    CREATE TABLE tag_papers (
        tag_id    INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
        paper_id  TEXT NOT NULL,
        tagged_at TEXT NOT NULL,
        UNIQUE (tag_id, paper_id)
    );
    CREATE TABLE feedback (
        user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        paper_id   TEXT NOT NULL,
        value      INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (user_id, paper_id)
    );
    )sql",
    // 3 -> 4: e-mail address, digest preferences, private feed token; what digests held
    R"sql(
    CREATE TABLE IF NOT EXISTS mail_settings (
        user_id           INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        email             TEXT NOT NULL DEFAULT '',
        verified          INTEGER NOT NULL DEFAULT 0,
        verify_nonce      TEXT NOT NULL DEFAULT '',
        frequency         TEXT NOT NULL DEFAULT 'off',
        tags              TEXT NOT NULL DEFAULT '[]',
        last_digest_at    TEXT NOT NULL DEFAULT '',
        failures          INTEGER NOT NULL DEFAULT 0,
        disabled          INTEGER NOT NULL DEFAULT 0,
        unsubscribe_token TEXT NOT NULL DEFAULT '',
        feed_token   TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX IF NOT EXISTS mail_settings_unsubscribe ON mail_settings(unsubscribe_token);
    CREATE INDEX IF NOT EXISTS mail_settings_feed ON mail_settings(feed_token);
    CREATE TABLE IF NOT EXISTS digest_seen (
        user_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        paper_id TEXT NOT NULL,
        sent     INTEGER NOT NULL,
        at       TEXT NOT NULL,
        UNIQUE (user_id, paper_id)
    );
    )sql",
    // 4 -> 5: discussions (comments and their tags, moderation), follows, public libraries
    R"sql(
    CREATE TABLE comments (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        paper_id   TEXT NOT NULL,
        version    INTEGER NOT NULL,
        user_id    INTEGER REFERENCES users(id) ON DELETE SET NULL,
        text       TEXT NOT NULL,
        created_at TEXT NOT NULL,
        edited_at  TEXT NOT NULL DEFAULT '',
        state      INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX comments_paper ON comments(paper_id, id);
    CREATE INDEX comments_user ON comments(user_id, created_at);
    CREATE INDEX comments_created ON comments(created_at);
    CREATE TABLE comment_tags (
        comment_id INTEGER NOT NULL REFERENCES comments(id) ON DELETE CASCADE,
        user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        tag        TEXT NOT NULL,
        UNIQUE (comment_id, user_id, tag)
    );
    CREATE TABLE moderation_log (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        at         TEXT NOT NULL,
        admin      TEXT NOT NULL,
        action     TEXT NOT NULL,
        comment_id INTEGER NOT NULL,
        paper_id   TEXT NOT NULL
    );
    CREATE TABLE discussion_rev (id INTEGER PRIMARY KEY CHECK (id = 1), rev INTEGER NOT NULL);
    INSERT INTO discussion_rev VALUES (1, 0);
    CREATE TABLE follows (
        user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        followed_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at  TEXT NOT NULL,
        UNIQUE (user_id, followed_id)
    );
    ALTER TABLE users ADD COLUMN public_library INTEGER NOT NULL DEFAULT 0;
    )sql",
};

const char* const kMailColumns =
    "email, verified, frequency, tags, last_digest_at, failures, disabled, unsubscribe_token, "
    "feed_token";

MailSettings row_to_mail(SQLite::Statement& q, int first) {
    MailSettings m;
    m.email = q.getColumn(first).getString();
    m.verified = q.getColumn(first + 1).getInt() != 0;
    m.frequency = q.getColumn(first + 2).getString();
    m.tags = tags_from_json(q.getColumn(first + 3).getString());
    m.last_digest_at = q.getColumn(first + 4).getString();
    m.failures = q.getColumn(first + 5).getInt64();
    m.disabled = q.getColumn(first + 6).getInt() != 0;
    m.unsubscribe_token = q.getColumn(first + 7).getString();
    m.feed_token = q.getColumn(first + 8).getString();
    return m;
}


User row_to_user(SQLite::Statement& q) {
    User u;
    u.id = q.getColumn(0).getInt64();
    u.username = q.getColumn(1).getString();
    u.password_hash = q.getColumn(2).getString();
    u.created_at = q.getColumn(3).getString();
    u.library_rev = q.getColumn(4).getInt64();
    u.session_rev = q.getColumn(5).getInt64();
    return u;
}

class SqliteUserStore final : public UserStore {
public:
    explicit SqliteUserStore(const std::string& path) : db_(open_sqlite(path, OpenMode::ReadWrite)) {
        migrate_sqlite(*db_, kUserMigrations, std::size(kUserMigrations));
        discussions_ = make_sqlite_discussions(*db_, mu_);
    }

    DiscussionStore& discussions() override { return *discussions_; }

    std::optional<User> create_user(std::string_view username,
                                    std::string_view password_hash) override {
        std::lock_guard lock(mu_);
        SQLite::Statement st(*db_,
                             "INSERT INTO users (username, password_hash, created_at) "
                             "VALUES (?, ?, ?) ON CONFLICT(username) DO NOTHING");
        st.bind(1, std::string(username));
        st.bind(2, std::string(password_hash));
        st.bind(3, utc_now_iso8601());
        if (st.exec() == 0) return std::nullopt;
        return find_locked("username", std::string(username));
    }

    std::optional<User> find_user(std::string_view username) override {
        std::lock_guard lock(mu_);
        return find_locked("username", std::string(username));
    }

    std::optional<User> find_user_by_id(int64_t user_id) override {
        std::lock_guard lock(mu_);
        SQLite::Statement q(*db_,
                            "SELECT id, username, password_hash, created_at, library_rev, "
                            "session_rev FROM users WHERE id = ?");
        q.bind(1, static_cast<int64_t>(user_id));
        if (!q.executeStep()) return std::nullopt;
        return row_to_user(q);
    }

    bool set_password_hash(int64_t user_id, std::string_view password_hash) override {
        std::lock_guard lock(mu_);
        SQLite::Statement st(*db_, "UPDATE users SET password_hash = ? WHERE id = ?");
        st.bind(1, std::string(password_hash));
        st.bind(2, static_cast<int64_t>(user_id));
        return st.exec() > 0;
    }

    bool bump_session_rev(int64_t user_id) override {
        std::lock_guard lock(mu_);
        SQLite::Statement st(*db_, "UPDATE users SET session_rev = session_rev + 1 WHERE id = ?");
        st.bind(1, static_cast<int64_t>(user_id));
        return st.exec() > 0;
    }

    bool delete_user(int64_t user_id) override {
        std::lock_guard lock(mu_);
        SQLite::Transaction tx(*db_);
        for (const char* sql : {"UPDATE comments SET user_id = NULL, text = '' WHERE user_id = ?",
                                "DELETE FROM comment_tags WHERE user_id = ?",
                                "DELETE FROM follows WHERE user_id = ?1 OR followed_id = ?1",
                                "DELETE FROM tag_papers WHERE tag_id IN "
                                "(SELECT id FROM tags WHERE user_id = ?)",
                                "DELETE FROM tags WHERE user_id = ?",
                                "DELETE FROM feedback WHERE user_id = ?",
                                "DELETE FROM library WHERE user_id = ?",
                                "DELETE FROM mail_settings WHERE user_id = ?",
                                "DELETE FROM digest_seen WHERE user_id = ?"}) {
            SQLite::Statement del(*db_, sql);
            del.bind(1, static_cast<int64_t>(user_id));
            del.exec();
        }
        db_->exec("UPDATE discussion_rev SET rev = rev + 1");
        SQLite::Statement st(*db_, "DELETE FROM users WHERE id = ?");
        st.bind(1, static_cast<int64_t>(user_id));
        bool removed = st.exec() > 0;
        tx.commit();
        return removed;
    }

    bool save_paper(int64_t user_id, std::string_view paper_id) override {
        return change_library(user_id,
                              "INSERT INTO library (user_id, paper_id, saved_at) VALUES (?, ?, ?) "
                              "ON CONFLICT(user_id, paper_id) DO NOTHING",
                              paper_id, true);
    }

    bool unsave_paper(int64_t user_id, std::string_view paper_id) override {
        return change_library(user_id, "DELETE FROM library WHERE user_id = ? AND paper_id = ?",
                              paper_id, false);
    }

    std::vector<LibraryEntry> library(int64_t user_id) override {
        std::lock_guard lock(mu_);
        SQLite::Statement q(*db_,
                            "SELECT paper_id, saved_at FROM library WHERE user_id = ? "
                            "ORDER BY saved_at DESC, rowid DESC");
        q.bind(1, static_cast<int64_t>(user_id));
        std::vector<LibraryEntry> out;
        while (q.executeStep())
            out.push_back({q.getColumn(0).getString(), q.getColumn(1).getString()});
        return out;
    }

    bool in_library(int64_t user_id, std::string_view paper_id) override {
        std::lock_guard lock(mu_);
        SQLite::Statement q(*db_, "SELECT 1 FROM library WHERE user_id = ? AND paper_id = ?");
        q.bind(1, static_cast<int64_t>(user_id));
        q.bind(2, std::string(paper_id));
        return q.executeStep();
    }

    std::vector<std::pair<std::string, int64_t>> save_counts(std::string_view since) override {
        std::lock_guard lock(mu_);
        SQLite::Statement q(*db_,
                            "SELECT paper_id, COUNT(*) AS n FROM library WHERE saved_at >= ? "
                            "GROUP BY paper_id ORDER BY n DESC, paper_id DESC");
        q.bind(1, std::string(since));
        std::vector<std::pair<std::string, int64_t>> out;
        while (q.executeStep())
            out.emplace_back(q.getColumn(0).getString(), q.getColumn(1).getInt64());
        return out;
    }

    int64_t user_count() override {
        std::lock_guard lock(mu_);
        SQLite::Statement q(*db_, "SELECT COUNT(*) FROM users");
        q.executeStep();
        return q.getColumn(0).getInt64();
    }

    std::vector<UserLibrary> all_libraries() override {
        std::lock_guard lock(mu_);
        SQLite::Statement q(*db_,
                            "SELECT u.id, u.username, u.library_rev, l.paper_id FROM users u "
                            "JOIN library l ON l.user_id = u.id ORDER BY u.id, l.paper_id");
        std::vector<UserLibrary> out;
        std::map<int64_t, size_t> at;
        while (q.executeStep()) {
            int64_t id = q.getColumn(0).getInt64();
            if (out.empty() || out.back().user_id != id) {
                at[id] = out.size();
                out.push_back({id, q.getColumn(1).getString(), q.getColumn(2).getInt64(), {}, {}, {}});
            }
            out.back().paper_ids.push_back(q.getColumn(3).getString());
        }
        SQLite::Statement t(*db_,
                            "SELECT t.user_id, t.id, t.name, p.paper_id FROM tags t "
                            "JOIN tag_papers p ON p.tag_id = t.id ORDER BY t.user_id, t.name, p.paper_id");
        while (t.executeStep()) {
            auto u = at.find(t.getColumn(0).getInt64());
            if (u == at.end()) continue;
            auto& tags = out[u->second].tags;
            int64_t tag_id = t.getColumn(1).getInt64();
            if (tags.empty() || tags.back().id != tag_id)
                tags.push_back({tag_id, t.getColumn(2).getString(), {}});
            tags.back().paper_ids.push_back(t.getColumn(3).getString());
        }
        SQLite::Statement f(*db_,
                            "SELECT user_id, paper_id FROM feedback WHERE value < 0 "
                            "ORDER BY user_id, paper_id");
        while (f.executeStep()) {
            auto u = at.find(f.getColumn(0).getInt64());
            if (u != at.end()) out[u->second].not_interested.push_back(f.getColumn(1).getString());
        }
        return out;
    }

    std::vector<TagInfo> tags(int64_t user_id) override {
        std::lock_guard lock(mu_);
        SQLite::Statement q(*db_,
                            "SELECT t.id, t.name, COUNT(p.paper_id) FROM tags t "
                            "LEFT JOIN tag_papers p ON p.tag_id = t.id WHERE t.user_id = ? "
                            "GROUP BY t.id ORDER BY t.name");
        q.bind(1, static_cast<int64_t>(user_id));
        std::vector<TagInfo> out;
        while (q.executeStep())
            out.push_back({q.getColumn(0).getInt64(), q.getColumn(1).getString(), q.getColumn(2).getInt64()});
        return out;
    }

    TagOutcome tag_paper(int64_t user_id, std::string_view tag, std::string_view paper_id,
                         size_t max_tags) override {
        std::lock_guard lock(mu_);
        SQLite::Transaction tx(*db_);
        auto tag_id = tag_id_locked(user_id, tag);
        if (!tag_id) {
            SQLite::Statement n(*db_, "SELECT COUNT(*) FROM tags WHERE user_id = ?");
            n.bind(1, static_cast<int64_t>(user_id));
            n.executeStep();
            if (static_cast<size_t>(n.getColumn(0).getInt64()) >= max_tags) return TagOutcome::TooManyTags;
            SQLite::Statement add(*db_, "INSERT INTO tags (user_id, name, created_at) VALUES (?, ?, ?)");
            add.bind(1, static_cast<int64_t>(user_id));
            add.bind(2, std::string(tag));
            add.bind(3, utc_now_iso8601());
            add.exec();
            tag_id = db_->getLastInsertRowid();
        }
        SQLite::Statement save(*db_,
                               "INSERT INTO library (user_id, paper_id, saved_at) VALUES (?, ?, ?) "
                               "ON CONFLICT(user_id, paper_id) DO NOTHING");
        save.bind(1, static_cast<int64_t>(user_id));
        save.bind(2, std::string(paper_id));
        save.bind(3, utc_now_iso8601());
        if (save.exec() > 0) bump_rev_locked(user_id);
        SQLite::Statement st(*db_,
                             "INSERT INTO tag_papers (tag_id, paper_id, tagged_at) VALUES (?, ?, ?) "
                             "ON CONFLICT(tag_id, paper_id) DO NOTHING");
        st.bind(1, *tag_id);
        st.bind(2, std::string(paper_id));
        st.bind(3, utc_now_iso8601());
        bool changed = st.exec() > 0;
        tx.commit();
        return changed ? TagOutcome::Changed : TagOutcome::Unchanged;
    }

    TagOutcome untag_paper(int64_t user_id, std::string_view tag, std::string_view paper_id) override {
        std::lock_guard lock(mu_);
        auto tag_id = tag_id_locked(user_id, tag);
        if (!tag_id) return TagOutcome::NoSuchTag;
        SQLite::Statement st(*db_, "DELETE FROM tag_papers WHERE tag_id = ? AND paper_id = ?");
        st.bind(1, *tag_id);
        st.bind(2, std::string(paper_id));
        return st.exec() > 0 ? TagOutcome::Changed : TagOutcome::Unchanged;
    }

    bool delete_tag(int64_t user_id, std::string_view tag) override {
        std::lock_guard lock(mu_);
        SQLite::Transaction tx(*db_);
        auto tag_id = tag_id_locked(user_id, tag);
        if (!tag_id) return false;
        SQLite::Statement p(*db_, "DELETE FROM tag_papers WHERE tag_id = ?");
        p.bind(1, *tag_id);
        p.exec();
        SQLite::Statement t(*db_, "DELETE FROM tags WHERE id = ?");
        t.bind(1, *tag_id);
        t.exec();
        tx.commit();
        return true;
    }

    TagOutcome rename_tag(int64_t user_id, std::string_view from, std::string_view to) override {
        std::lock_guard lock(mu_);
        SQLite::Transaction tx(*db_);
        auto tag_id = tag_id_locked(user_id, from);
        if (!tag_id) return TagOutcome::NoSuchTag;
        if (from == to) return TagOutcome::Unchanged;
        if (tag_id_locked(user_id, to)) return TagOutcome::NameTaken;
        SQLite::Statement st(*db_, "UPDATE tags SET name = ? WHERE id = ?");
        st.bind(1, std::string(to));
        st.bind(2, *tag_id);
        st.exec();
        tx.commit();
        return TagOutcome::Changed;
    }

    std::optional<TagInfo> find_tag(int64_t user_id, std::string_view tag) override {
        std::lock_guard lock(mu_);
        SQLite::Statement q(*db_,
                            "SELECT t.id, t.name, COUNT(p.paper_id) FROM tags t "
                            "LEFT JOIN tag_papers p ON p.tag_id = t.id "
                            "WHERE t.user_id = ? AND t.name = ? GROUP BY t.id");
        q.bind(1, static_cast<int64_t>(user_id));
        q.bind(2, std::string(tag));
        if (!q.executeStep()) return std::nullopt;
        return TagInfo{q.getColumn(0).getInt64(), q.getColumn(1).getString(), q.getColumn(2).getInt64()};
    }

    std::vector<std::string> tag_papers(int64_t tag_id) override {
        std::lock_guard lock(mu_);
        SQLite::Statement q(*db_,
                            "SELECT paper_id FROM tag_papers WHERE tag_id = ? "
                            "ORDER BY tagged_at DESC, rowid DESC");
        q.bind(1, tag_id);
        std::vector<std::string> out;
        while (q.executeStep()) out.push_back(q.getColumn(0).getString());
        return out;
    }

    std::vector<std::pair<std::string, std::string>> paper_tags(int64_t user_id) override {
        std::lock_guard lock(mu_);
        SQLite::Statement q(*db_,
                            "SELECT p.paper_id, t.name FROM tags t JOIN tag_papers p ON p.tag_id = t.id "
                            "WHERE t.user_id = ? ORDER BY t.name, p.paper_id");
        q.bind(1, static_cast<int64_t>(user_id));
        std::vector<std::pair<std::string, std::string>> out;
        while (q.executeStep()) out.emplace_back(q.getColumn(0).getString(), q.getColumn(1).getString());
        return out;
    }

    bool set_feedback(int64_t user_id, std::string_view paper_id, int value) override {
        std::lock_guard lock(mu_);
        SQLite::Transaction tx(*db_);
        SQLite::Statement st(*db_,
                             "INSERT INTO feedback (user_id, paper_id, value, created_at) VALUES (?, ?, ?, ?) "
                             "ON CONFLICT(user_id, paper_id) DO UPDATE SET value = excluded.value "
                             "WHERE value != excluded.value");
        st.bind(1, static_cast<int64_t>(user_id));
        st.bind(2, std::string(paper_id));
        st.bind(3, value);
        st.bind(4, utc_now_iso8601());
        bool changed = st.exec() > 0;
        if (changed) bump_rev_locked(user_id);
        tx.commit();
        return changed;
    }

    bool clear_feedback(int64_t user_id, std::string_view paper_id) override {
        std::lock_guard lock(mu_);
        SQLite::Transaction tx(*db_);
        SQLite::Statement st(*db_, "DELETE FROM feedback WHERE user_id = ? AND paper_id = ?");
        st.bind(1, static_cast<int64_t>(user_id));
        st.bind(2, std::string(paper_id));
        bool changed = st.exec() > 0;
        if (changed) bump_rev_locked(user_id);
        tx.commit();
        return changed;
    }

    std::vector<FeedbackEntry> feedback(int64_t user_id) override {
        std::lock_guard lock(mu_);
        SQLite::Statement q(*db_,
                            "SELECT paper_id, value, created_at FROM feedback WHERE user_id = ? "
                            "ORDER BY created_at DESC, rowid DESC");
        q.bind(1, static_cast<int64_t>(user_id));
        std::vector<FeedbackEntry> out;
        while (q.executeStep())
            out.push_back({q.getColumn(0).getString(), q.getColumn(1).getInt(), q.getColumn(2).getString()});
        return out;
    }

    MailSettings mail_settings(int64_t user_id) override {
        std::lock_guard lock(mu_);
        SQLite::Statement q(*db_, std::string("SELECT ") + kMailColumns +
                                      " FROM mail_settings WHERE user_id = ?");
        q.bind(1, user_id);
        if (!q.executeStep()) return MailSettings{};
        return row_to_mail(q, 0);
    }

    bool set_email(int64_t user_id, std::string_view email, std::string_view nonce,
                   std::string_view unsubscribe_token) override {
        std::lock_guard lock(mu_);
        if (!user_exists_locked(user_id)) return false;
        SQLite::Statement st(*db_,
                             "INSERT INTO mail_settings (user_id, email, verified, verify_nonce, "
                             "failures, disabled, unsubscribe_token) VALUES (?, ?, 0, ?, 0, 0, ?) "
                             "ON CONFLICT(user_id) DO UPDATE SET email = excluded.email, "
                             "verified = 0, verify_nonce = excluded.verify_nonce, failures = 0, "
                             "disabled = 0, unsubscribe_token = excluded.unsubscribe_token");
        st.bind(1, user_id);
        st.bind(2, std::string(email));
        st.bind(3, std::string(nonce));
        st.bind(4, std::string(unsubscribe_token));
        return st.exec() > 0;
    }

    bool verify_email(int64_t user_id, std::string_view email, std::string_view nonce) override {
        if (nonce.empty()) return false;
        std::lock_guard lock(mu_);
        SQLite::Statement st(*db_,
                             "UPDATE mail_settings SET verified = 1, verify_nonce = '' "
                             "WHERE user_id = ? AND email = ? AND verify_nonce = ?");
        st.bind(1, user_id);
        st.bind(2, std::string(email));
        st.bind(3, std::string(nonce));
        return st.exec() > 0;
    }

    bool set_digest(int64_t user_id, std::string_view frequency,
                    const std::vector<std::string>& tags) override {
        std::lock_guard lock(mu_);
        if (!user_exists_locked(user_id)) return false;
        SQLite::Statement st(*db_,
                             "INSERT INTO mail_settings (user_id, frequency, tags) VALUES (?, ?, ?) "
                             "ON CONFLICT(user_id) DO UPDATE SET frequency = excluded.frequency, "
                             "tags = excluded.tags");
        st.bind(1, user_id);
        st.bind(2, std::string(frequency));
        st.bind(3, tags_to_json(tags));
        return st.exec() > 0;
    }

    std::optional<int64_t> unsubscribe(std::string_view token) override {
        if (token.empty()) return std::nullopt;
        std::lock_guard lock(mu_);
        SQLite::Statement q(*db_, "SELECT user_id FROM mail_settings WHERE unsubscribe_token = ?");
        q.bind(1, std::string(token));
        if (!q.executeStep()) return std::nullopt;
        const int64_t id = q.getColumn(0).getInt64();
        SQLite::Statement st(*db_, "UPDATE mail_settings SET frequency = 'off' WHERE user_id = ?");
        st.bind(1, id);
        st.exec();
        return id;
    }

    bool set_feed_token(int64_t user_id, std::string_view token) override {
        std::lock_guard lock(mu_);
        if (!user_exists_locked(user_id)) return false;
        SQLite::Statement st(*db_,
                             "INSERT INTO mail_settings (user_id, feed_token) VALUES (?, ?) "
                             "ON CONFLICT(user_id) DO UPDATE SET "
                             "feed_token = excluded.feed_token");
        st.bind(1, user_id);
        st.bind(2, std::string(token));
        return st.exec() > 0;
    }

    std::optional<User> find_user_by_feed_token(std::string_view token) override {
        if (token.empty()) return std::nullopt;
        std::lock_guard lock(mu_);
        SQLite::Statement q(*db_,
                            "SELECT u.id, u.username, u.password_hash, u.created_at, "
                            "u.library_rev, u.session_rev FROM users u JOIN mail_settings m "
                            "ON m.user_id = u.id WHERE m.feed_token = ?");
        q.bind(1, std::string(token));
        if (!q.executeStep()) return std::nullopt;
        return row_to_user(q);
    }

    std::vector<DigestRecipient> digest_recipients() override {
        std::lock_guard lock(mu_);
        SQLite::Statement q(*db_, std::string("SELECT u.id, u.username, ") + kMailColumns +
                                      " FROM users u JOIN mail_settings m ON m.user_id = u.id "
                                      "WHERE m.verified = 1 AND m.disabled = 0 AND m.email != '' "
                                      "AND m.frequency IN ('daily', 'weekly') ORDER BY u.id");
        std::vector<DigestRecipient> out;
        while (q.executeStep())
            out.push_back({q.getColumn(0).getInt64(), q.getColumn(1).getString(), row_to_mail(q, 2)});
        return out;
    }

    std::vector<std::string> digest_seen(int64_t user_id) override {
        std::lock_guard lock(mu_);
        SQLite::Statement q(*db_, "SELECT paper_id FROM digest_seen WHERE user_id = ?");
        q.bind(1, user_id);
        std::vector<std::string> out;
        while (q.executeStep()) out.push_back(q.getColumn(0).getString());
        return out;
    }

    void record_digest(int64_t user_id, const std::vector<std::string>& sent,
                       const std::vector<std::string>& passed, std::string_view at) override {
        std::lock_guard lock(mu_);
        SQLite::Transaction tx(*db_);
        SQLite::Statement ins(*db_,
                              "INSERT INTO digest_seen (user_id, paper_id, sent, at) "
                              "VALUES (?, ?, ?, ?) ON CONFLICT(user_id, paper_id) DO NOTHING");
        for (const auto* list : {&sent, &passed}) {
            for (const auto& id : *list) {
                ins.bind(1, user_id);
                ins.bind(2, id);
                ins.bind(3, list == &sent ? 1 : 0);
                ins.bind(4, std::string(at));
                ins.exec();
                ins.reset();
            }
        }
        SQLite::Statement upd(*db_,
                              "UPDATE mail_settings SET last_digest_at = ?, failures = 0 "
                              "WHERE user_id = ?");
        upd.bind(1, std::string(at));
        upd.bind(2, user_id);
        upd.exec();
        SQLite::Statement prune(*db_, "DELETE FROM digest_seen WHERE user_id = ? AND at < ?");
        prune.bind(1, user_id);
        prune.bind(2, format_iso8601(parse_iso8601(at).value_or(0) - 60 * 86400));
        prune.exec();
        tx.commit();
    }

    int64_t record_mail_failure(int64_t user_id) override {
        std::lock_guard lock(mu_);
        SQLite::Statement st(*db_,
                             "UPDATE mail_settings SET failures = failures + 1, "
                             "disabled = (failures + 1 >= 3) WHERE user_id = ?");
        st.bind(1, user_id);
        st.exec();
        SQLite::Statement q(*db_, "SELECT failures FROM mail_settings WHERE user_id = ?");
        q.bind(1, user_id);
        return q.executeStep() ? q.getColumn(0).getInt64() : 0;
    }

private:
    bool user_exists_locked(int64_t user_id) {
        SQLite::Statement q(*db_, "SELECT 1 FROM users WHERE id = ?");
        q.bind(1, user_id);
        return q.executeStep();
    }

    std::optional<int64_t> tag_id_locked(int64_t user_id, std::string_view tag) {
        SQLite::Statement q(*db_, "SELECT id FROM tags WHERE user_id = ? AND name = ?");
        q.bind(1, static_cast<int64_t>(user_id));
        q.bind(2, std::string(tag));
        if (!q.executeStep()) return std::nullopt;
        return q.getColumn(0).getInt64();
    }

    void bump_rev_locked(int64_t user_id) {
        SQLite::Statement rev(*db_, "UPDATE users SET library_rev = library_rev + 1 WHERE id = ?");
        rev.bind(1, static_cast<int64_t>(user_id));
        rev.exec();
    }

    std::optional<User> find_locked(const char* column, const std::string& value) {
        SQLite::Statement q(*db_, std::string("SELECT id, username, password_hash, created_at, "
                                              "library_rev, session_rev FROM users WHERE ") +
                                      column + " = ?");
        q.bind(1, value);
        if (!q.executeStep()) return std::nullopt;
        return row_to_user(q);
    }

    bool change_library(int64_t user_id, const char* sql, std::string_view paper_id, bool insert) {
        std::lock_guard lock(mu_);
        SQLite::Transaction tx(*db_);
        SQLite::Statement st(*db_, sql);
        st.bind(1, static_cast<int64_t>(user_id));
        st.bind(2, std::string(paper_id));
        if (insert) st.bind(3, utc_now_iso8601());
        bool changed = st.exec() > 0;
        if (changed) {
            bump_rev_locked(user_id);
            if (!insert) {
                SQLite::Statement untag(*db_,
                                        "DELETE FROM tag_papers WHERE paper_id = ? AND tag_id IN "
                                        "(SELECT id FROM tags WHERE user_id = ?)");
                untag.bind(1, std::string(paper_id));
                untag.bind(2, static_cast<int64_t>(user_id));
                untag.exec();
            }
        }
        tx.commit();
        return changed;
    }

    std::mutex mu_;  // one connection, used from serve's worker threads
    std::unique_ptr<SQLite::Database> db_;
    std::unique_ptr<DiscussionStore> discussions_;  // on db_, under mu_
};

}  // namespace

std::unique_ptr<UserStore> open_sqlite_user_store(const std::string& path) {
    return std::make_unique<SqliteUserStore>(path);
}

}  // namespace asp
