// DiscussionStore: what the original kept in MongoDB, kept in the user store's own database
// (SQLite users.db or PostgreSQL, same schema version): comments on papers with the original's
// comment tags, moderation, follows and public libraries, and the site's own activity (/hot).
// Reached through UserStore::discussions(); every call is one transaction, so several serve
// instances on one PostgreSQL see the same discussion and nothing is half-written.
//
// Comments are never removed from the table: a deleted one (by its author or an admin) is
// marked and leaves every listing; a hidden one (an admin's) is shown to admins only; the
// comments of a deleted account stay, with their text and author removed ("[deleted]").
// Failures of the store itself throw std::runtime_error; expected outcomes are values.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace asp {

// The original's comment tags, in its order.
inline constexpr std::array<std::string_view, 7> kCommentTags = {
    "insightful!", "thank you", "agree", "disagree", "not constructive", "troll", "spam"};
bool is_comment_tag(std::string_view tag);

enum class CommentState { Visible = 0, Hidden = 1, Deleted = 2 };

struct Comment {
    int64_t id = 0;
    std::string paper_id;
    int64_t version = 0;        // the paper version commented on
    int64_t user_id = 0;        // 0: the author's account was deleted
    std::string username;       // empty: the author's account was deleted
    std::string text;           // empty: the author's account was deleted
    std::string created_at;     // ISO 8601 UTC
    std::string edited_at;      // empty: never edited
    CommentState state = CommentState::Visible;
    std::map<std::string, int64_t> tags;  // tag -> how many users gave it (given ones only)
    std::vector<std::string> my_tags;     // the viewer's tags on it, in kCommentTags order
    int64_t flaggers = 0;                 // users who tagged it "spam" or "troll"
};

struct CommentLimits {
    int64_t per_minute = 5;
    int64_t per_day = 100;
    int64_t edit_seconds = 15 * 60;  // how long the author may edit
};

enum class CommentOutcome {
    Changed,
    Unchanged,    // already so
    NotFound,     // no such comment (or deleted)
    Forbidden,    // not the author's
    TooLate,      // the edit window has passed
    OwnComment,   // tagging one's own comment
    RateLimited,  // too many comments in the last minute or day
};

struct PostResult {
    CommentOutcome outcome = CommentOutcome::Changed;
    std::optional<Comment> comment;  // when posted
    int64_t retry_after = 0;         // seconds, when rate limited
};

enum class ModerationAction { Hide, Unhide, Delete };

struct ModerationEntry {
    std::string at;     // ISO 8601 UTC
    std::string admin;  // username
    std::string action;  // "hide" | "unhide" | "delete"
    int64_t comment_id = 0;
    std::string paper_id;
};

struct DiscussedPaper {
    std::string paper_id;
    int64_t comments = 0;    // visible ones
    std::string last_at;     // the newest visible comment
};

struct FollowedUser {
    std::string username;
    bool public_library = false;
};

struct FriendSave {
    std::string paper_id;
    std::string saved_at;               // the newest save among the followed users
    std::vector<std::string> saved_by;  // newest saver first
};

class DiscussionStore {
public:
    virtual ~DiscussionStore() = default;

    // --- Comments ---
    // Posts a comment unless the user posted `per_minute` in the last minute or `per_day` in
    // the last day (deleted ones count): then RateLimited with the seconds until one more fits.
    virtual PostResult add_comment(int64_t user_id, std::string_view paper_id, int64_t version,
                                   std::string_view text, const CommentLimits& limits) = 0;
    // With the viewer's tags (viewer 0: nobody). nullopt when missing or deleted.
    virtual std::optional<Comment> comment(int64_t comment_id, int64_t viewer) = 0;
    // A paper's comments, oldest first, without deleted ones; hidden ones only when asked.
    virtual std::vector<Comment> comments(std::string_view paper_id, int64_t viewer,
                                          bool with_hidden) = 0;
    // The author's edit, within limits.edit_seconds of posting.
    virtual CommentOutcome edit_comment(int64_t comment_id, int64_t user_id, std::string_view text,
                                        const CommentLimits& limits) = 0;
    // The author's delete.
    virtual CommentOutcome delete_comment(int64_t comment_id, int64_t user_id) = 0;
    // Gives (on) or takes back a comment tag (the caller checks is_comment_tag); never on
    // one's own comment.
    virtual CommentOutcome tag_comment(int64_t comment_id, int64_t user_id, std::string_view tag,
                                       bool on) = 0;
    // An admin's action on any comment, written to the moderation log in the same transaction.
    virtual CommentOutcome moderate(int64_t comment_id, std::string_view admin,
                                    ModerationAction action) = 0;
    // Newest first.
    virtual std::vector<ModerationEntry> moderation_log(size_t limit) = 0;

    // Visible comments per paper (papers with at least one).
    virtual std::map<std::string, int64_t> comment_counts() = 0;
    // Papers by their newest visible comment, newest first.
    virtual std::vector<DiscussedPaper> discussed_papers() = 0;
    // Moves whenever a comment count may have changed (for caches of listings).
    virtual int64_t revision() = 0;

    // --- Follows and public libraries ---
    // A library is private until its owner makes it public. False: no such user.
    virtual bool set_public_library(int64_t user_id, bool is_public) = 0;
    virtual bool public_library(int64_t user_id) = 0;
    // True when it changed.
    virtual bool follow(int64_t user_id, int64_t followed_id) = 0;
    virtual bool unfollow(int64_t user_id, int64_t followed_id) = 0;
    // By username.
    virtual std::vector<FollowedUser> following(int64_t user_id) = 0;
    // Papers saved at or after `since` (ISO 8601; empty: all time) by followed users whose
    // library is public, newest save first.
    virtual std::vector<FriendSave> friends_saves(int64_t user_id, std::string_view since) = 0;

    // --- Activity ---
    // Papers by how many readers saved or (visibly) commented on them at or after `since`,
    // each reader counted once per paper; most active first (ties: higher id first).
    virtual std::vector<std::pair<std::string, int64_t>> activity(std::string_view since) = 0;
};

}  // namespace asp
