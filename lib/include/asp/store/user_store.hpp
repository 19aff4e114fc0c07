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

#include <asp/store/discussion_store.hpp>

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

// A user's e-mail address and digest preferences (serve's account page, the digest tool).
struct MailSettings {
    std::string email;               // empty: none given
    bool verified = false;           // only verified addresses get digests
    std::string frequency = "off";   // "daily" | "weekly" | "off"
    std::vector<std::string> tags;   // the digest's tags; empty: the whole library
    std::string last_digest_at;      // ISO 8601 UTC of the last digest sent; empty: never
    int64_t failures = 0;            // consecutive permanent delivery failures
    bool disabled = false;           // set at 3 failures; cleared by a new address
    std::string unsubscribe_token;   // random; the digest's one-click unsubscribe link
    std::string feed_token;          // the private feed's token; empty: no feed
};

// One user due for a digest, as the digest tool reads them.
struct DigestRecipient {
    int64_t user_id = 0;
    std::string username;
    MailSettings mail;
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
    // Removes the user, their library, tags, feedback, comment tags and follows; their comments
    // stay as "[deleted]" (author and text removed). False when there was no such user.
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

    // --- E-mail, digests and private feeds ---
    // Defaults (no address, digest off) for a user who never set anything.
    virtual MailSettings mail_settings(int64_t user_id) = 0;
    // Stores `email` unverified, with the pending verification `nonce` and a fresh
    // `unsubscribe_token`; clears failures and the disabled mark. False: no such user.
    virtual bool set_email(int64_t user_id, std::string_view email, std::string_view nonce,
                           std::string_view unsubscribe_token) = 0;
    // Verifies the address when `email` is still the stored one and `nonce` the pending one;
    // the nonce is consumed (single use). False otherwise.
    virtual bool verify_email(int64_t user_id, std::string_view email, std::string_view nonce) = 0;
    virtual bool set_digest(int64_t user_id, std::string_view frequency,
                            const std::vector<std::string>& tags) = 0;
    // Turns the digest off for the owner of `token`; their user id, or nullopt.
    virtual std::optional<int64_t> unsubscribe(std::string_view token) = 0;
    // The private recommendations feed's token (random, shown on the account page); an empty
    // token revokes the feed.
    virtual bool set_feed_token(int64_t user_id, std::string_view token) = 0;
    virtual std::optional<User> find_user_by_feed_token(std::string_view token) = 0;
    // Users with a verified, enabled address and a digest frequency other than "off".
    virtual std::vector<DigestRecipient> digest_recipients() = 0;
    // Papers already in (or passed over by) one of the user's digests.
    virtual std::vector<std::string> digest_seen(int64_t user_id) = 0;
    // After a digest went out, in one transaction: `sent` and `passed` papers remembered,
    // last_digest_at = `at`, failures cleared; remembered papers older than 60 days dropped.
    virtual void record_digest(int64_t user_id, const std::vector<std::string>& sent,
                               const std::vector<std::string>& passed, std::string_view at) = 0;
    // A permanent delivery failure; the address is disabled at 3. Returns the new count.
    virtual int64_t record_mail_failure(int64_t user_id) = 0;

    // Comments, follows and activity, in the same database (asp/store/discussion_store.hpp).
    virtual DiscussionStore& discussions() = 0;
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
