// UserStore: accounts and libraries (saved papers), shared by serve (which writes them) and
// buildsvm (which reads every non-empty library). Two back ends with the same behaviour:
// SQLite (`users.db` in the data directory, the embedded default) and PostgreSQL (several
// serve instances sharing users; `--users-db postgresql://...`).
//
// Usernames are UNIQUE; a library holds a paper once per user. Every change to a user's
// library (a save, an unsave, a "not interested" mark) bumps that user's `library_rev`, so
// buildsvm can skip unchanged users. Tags (named subsets of the library) and feedback ("not
// interested" marks) belong to the user and go with them; a tag's own changes do not bump
// library_rev (its models are keyed by their content, asp/ml/svm_rank.hpp).
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

struct TagInfo {
    int64_t id = 0;  // stable across renames
    std::string name;
    int64_t count = 0;  // papers in the tag
};

struct UserTag {
    int64_t id = 0;
    std::string name;
    std::vector<std::string> paper_ids;  // sorted
};

struct FeedbackEntry {
    std::string paper_id;
    int value = 0;           // -1: not interested
    std::string created_at;  // ISO 8601 UTC
};

struct UserLibrary {
    int64_t user_id = 0;
    std::string username;
    int64_t library_rev = 0;
    std::vector<std::string> paper_ids;
    std::vector<UserTag> tags;                 // by name
    std::vector<std::string> not_interested;   // sorted
};

// What a tag change did.
enum class TagOutcome {
    Changed,
    Unchanged,    // already so
    NoSuchTag,
    TooManyTags,  // creating it would pass the limit
    NameTaken,    // rename: the new name exists
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
    // Removes the user, their library, tags and feedback. False when there was no such user.
    virtual bool delete_user(int64_t user_id) = 0;

    // True when the paper was newly saved / actually removed.
    virtual bool save_paper(int64_t user_id, std::string_view paper_id) = 0;
    // Unsaving a paper also removes it from every tag of the user.
    virtual bool unsave_paper(int64_t user_id, std::string_view paper_id) = 0;
    // Newest saves first.
    virtual std::vector<LibraryEntry> library(int64_t user_id) = 0;
    virtual bool in_library(int64_t user_id, std::string_view paper_id) = 0;

    // How many users saved each paper (papers with at least one save), most saved first;
    // saves made at or after `since` (ISO 8601; empty: all time).
    virtual std::vector<std::pair<std::string, int64_t>> save_counts(std::string_view since) = 0;

    // Every user with a non-empty library (buildsvm), with their tags and feedback.
    virtual std::vector<UserLibrary> all_libraries() = 0;

    // How many accounts there are (serve's /stats).
    virtual int64_t user_count() = 0;

    // Tags. Names are compared byte for byte; serve checks their syntax.
    // The user's tags by name, with their paper counts.
    virtual std::vector<TagInfo> tags(int64_t user_id) = 0;
    // Adds the paper to the tag, creating the tag when the user has fewer than `max_tags`
    // (else TooManyTags) and saving the paper when it was not saved (bumping library_rev).
    virtual TagOutcome tag_paper(int64_t user_id, std::string_view tag, std::string_view paper_id,
                                 size_t max_tags) = 0;
    // Removes the paper from the tag (it stays saved).
    virtual TagOutcome untag_paper(int64_t user_id, std::string_view tag,
                                   std::string_view paper_id) = 0;
    // Deletes the tag (its papers stay saved). False when there was no such tag.
    virtual bool delete_tag(int64_t user_id, std::string_view tag) = 0;
    virtual TagOutcome rename_tag(int64_t user_id, std::string_view from, std::string_view to) = 0;
    // nullopt when the user has no such tag.
    virtual std::optional<TagInfo> find_tag(int64_t user_id, std::string_view tag) = 0;
    // The tag's papers, newest tagged first.
    virtual std::vector<std::string> tag_papers(int64_t tag_id) = 0;
    // (paper id, tag name) for every tagged paper of the user, by tag name.
    virtual std::vector<std::pair<std::string, std::string>> paper_tags(int64_t user_id) = 0;

    // Feedback ("not interested" = -1). Changing it bumps library_rev. True when it changed.
    virtual bool set_feedback(int64_t user_id, std::string_view paper_id, int value) = 0;
    virtual bool clear_feedback(int64_t user_id, std::string_view paper_id) = 0;
    // Newest first.
    virtual std::vector<FeedbackEntry> feedback(int64_t user_id) = 0;
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
