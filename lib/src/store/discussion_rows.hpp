// Private to the store: what the SQLite and PostgreSQL discussion stores share (the SQL is
// theirs; the rules around it are here), and how the user stores make theirs.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <asp/store/discussion_store.hpp>

namespace SQLite {
class Database;
}

namespace asp {

class PgSession;

std::unique_ptr<DiscussionStore> make_sqlite_discussions(SQLite::Database& db, std::mutex& mu);
std::unique_ptr<DiscussionStore> make_pg_discussions(PgSession& session);

// The columns of a Comment (row order as both back ends read them), without WHERE.
inline constexpr const char* kCommentSelect =
    "SELECT c.id, c.paper_id, c.version, COALESCE(c.user_id, 0), COALESCE(u.username, ''), "
    "c.text, c.created_at, c.edited_at, c.state FROM comments c "
    "LEFT JOIN users u ON u.id = c.user_id ";

struct CommentTagRow {
    int64_t comment_id = 0;
    int64_t user_id = 0;
    std::string tag;
};

// Fills tags, my_tags and flaggers of `comments` from their tag rows.
void attach_comment_tags(std::vector<Comment>& comments, const std::vector<CommentTagRow>& rows,
                         int64_t viewer);

// The time stamps a rate limit compares against: now minus a minute and minus a day.
struct RateWindows {
    int64_t now = 0;
    std::string minute_ago, day_ago;
};
RateWindows rate_windows();

// Seconds until a post fits again, when the `limit`-th newest post (`nth_newest`, ISO 8601) of
// a `window`-second limit leaves the window; at least 1.
int64_t seconds_until_free(std::string_view nth_newest, int64_t window, int64_t now);

// The moderation action's log name and the state it leaves a comment in.
std::string_view action_name(ModerationAction action);
CommentState state_after(ModerationAction action);

// Rows (paper, saved_at, username), newest save first, grouped by paper in that order.
struct SaveRow {
    std::string paper_id, saved_at, username;
};
std::vector<FriendSave> group_saves(const std::vector<SaveRow>& rows);

}  // namespace asp
