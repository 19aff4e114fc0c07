#include <asp/store/user_store.hpp>

#include <mutex>

#include <asp/core/time.hpp>

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
};

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
    }

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
        SQLite::Statement lib(*db_, "DELETE FROM library WHERE user_id = ?");
        lib.bind(1, static_cast<int64_t>(user_id));
        lib.exec();
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
        while (q.executeStep()) {
            int64_t id = q.getColumn(0).getInt64();
            if (out.empty() || out.back().user_id != id)
                out.push_back({id, q.getColumn(1).getString(), q.getColumn(2).getInt64(), {}});
            out.back().paper_ids.push_back(q.getColumn(3).getString());
        }
        return out;
    }

private:
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
            SQLite::Statement rev(*db_, "UPDATE users SET library_rev = library_rev + 1 WHERE id = ?");
            rev.bind(1, static_cast<int64_t>(user_id));
            rev.exec();
        }
        tx.commit();
        return changed;
    }

    std::mutex mu_;  // one connection, used from serve's worker threads
    std::unique_ptr<SQLite::Database> db_;
};

}  // namespace

std::unique_ptr<UserStore> open_sqlite_user_store(const std::string& path) {
    return std::make_unique<SqliteUserStore>(path);
}

}  // namespace asp
