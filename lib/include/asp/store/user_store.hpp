// UserStore: accounts and libraries (saved papers), shared by serve (which writes them) and
// buildsvm (which reads every non-empty library). Two back ends with the same behaviour:
// SQLite (`users.db` in the data directory, the embedded default) and PostgreSQL (several
// serve instances sharing users; `--users-db postgresql://...`).
//
// Usernames are UNIQUE; a library holds a paper once per user. Every change to a user's
// library bumps that user's `library_rev`, so buildsvm can skip unchanged users.
// Failures of the store itself (cannot open, connection lost) throw std::runtime_error (or a
// subclass); expected outcomes (name taken, not found) are return values.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace asp {

class DataDir;

struct User {
    int64_t id = 0;
    std::string username;
    std::string password_hash;  // argon2id string (libsodium crypto_pwhash_str)
    std::string created_at;     // ISO 8601 UTC
    int64_t library_rev = 0;
    // Bumped when the user's sessions must end (logout, password change): serve's session
    // cookies carry it and are honoured only while it matches.
    int64_t session_rev = 0;
};

struct LibraryEntry {
    std::string paper_id;  // raw arXiv id
    std::string saved_at;  // ISO 8601 UTC
};

struct UserLibrary {
    int64_t user_id = 0;
    std::string username;
    int64_t library_rev = 0;
    std::vector<std::string> paper_ids;
};

class UserStore {
public:
    virtual ~UserStore() = default;

    // nullopt when the username is taken.
    virtual std::optional<User> create_user(std::string_view username,
                                            std::string_view password_hash) = 0;
    virtual std::optional<User> find_user(std::string_view username) = 0;
    virtual std::optional<User> find_user_by_id(int64_t user_id) = 0;
    virtual bool set_password_hash(int64_t user_id, std::string_view password_hash) = 0;
    // Ends every session of the user (session_rev + 1). False when there is no such user.
    virtual bool bump_session_rev(int64_t user_id) = 0;
    // Removes the user and their library. False when there was no such user.
    virtual bool delete_user(int64_t user_id) = 0;

    // True when the paper was newly saved / actually removed.
    virtual bool save_paper(int64_t user_id, std::string_view paper_id) = 0;
    virtual bool unsave_paper(int64_t user_id, std::string_view paper_id) = 0;
    // Newest saves first.
    virtual std::vector<LibraryEntry> library(int64_t user_id) = 0;
    virtual bool in_library(int64_t user_id, std::string_view paper_id) = 0;

    // How many users saved each paper (papers with at least one save), most saved first;
    // saves made at or after `since` (ISO 8601; empty: all time).
    virtual std::vector<std::pair<std::string, int64_t>> save_counts(std::string_view since) = 0;

    // Every user with a non-empty library (buildsvm).
    virtual std::vector<UserLibrary> all_libraries() = 0;

    // How many accounts there are (serve's /stats).
    virtual int64_t user_count() = 0;
};

// Opens the store named by `spec`: empty -> SQLite users.db in the data directory; a
// "postgresql://" or "postgres://" URL -> PostgreSQL; anything else -> a SQLite file path.
// Creates and migrates the schema.
std::unique_ptr<UserStore> open_user_store(std::string_view spec, const DataDir& data_dir);

// The SQLite back end, on an explicit path.
std::unique_ptr<UserStore> open_sqlite_user_store(const std::string& path);

// The PostgreSQL back end (libpqxx), on a libpq URL "postgresql://user:pass@host:port/db".
std::unique_ptr<UserStore> open_postgres_user_store(const std::string& url);

}  // namespace asp
