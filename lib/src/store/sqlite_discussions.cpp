// The SQLite back end of DiscussionStore, on the user store's connection and mutex (users.db).
#include <SQLiteCpp/SQLiteCpp.h>

#include <asp/core/time.hpp>

#include "store/discussion_rows.hpp"

namespace asp {
namespace {

Comment row_to_comment(SQLite::Statement& q) {
    Comment c;
    c.id = q.getColumn(0).getInt64();
    c.paper_id = q.getColumn(1).getString();
    c.version = q.getColumn(2).getInt64();
    c.user_id = q.getColumn(3).getInt64();
    c.username = q.getColumn(4).getString();
    c.text = q.getColumn(5).getString();
    c.created_at = q.getColumn(6).getString();
    c.edited_at = q.getColumn(7).getString();
    c.state = static_cast<CommentState>(q.getColumn(8).getInt());
    return c;
}

class SqliteDiscussions final : public DiscussionStore {
public:
    SqliteDiscussions(SQLite::Database& db, std::mutex& mu) : db_(db), mu_(mu) {}

    PostResult add_comment(int64_t user_id, std::string_view paper_id, int64_t version,
                           std::string_view text, const CommentLimits& limits) override {
        std::lock_guard lock(mu_);
        SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
        auto w = rate_windows();
        for (auto [limit, since, window] : {std::tuple{limits.per_minute, w.minute_ago, int64_t{60}},
                                            std::tuple{limits.per_day, w.day_ago, int64_t{86400}}}) {
            SQLite::Statement q(db_,
                                "SELECT created_at FROM comments WHERE user_id = ? AND created_at >= ? "
                                "ORDER BY created_at DESC LIMIT 1 OFFSET ?");
            q.bind(1, user_id);
            q.bind(2, since);
            q.bind(3, std::max<int64_t>(0, limit - 1));
            if (limit <= 0 || q.executeStep()) {
                PostResult r;
                r.outcome = CommentOutcome::RateLimited;
                r.retry_after = limit <= 0 ? window : seconds_until_free(q.getColumn(0).getString(), window, w.now);
                return r;
            }
        }
        SQLite::Statement ins(db_,
                              "INSERT INTO comments (paper_id, version, user_id, text, created_at) "
                              "VALUES (?, ?, ?, ?, ?)");
        ins.bind(1, std::string(paper_id));
        ins.bind(2, version);
        ins.bind(3, user_id);
        ins.bind(4, std::string(text));
        ins.bind(5, format_iso8601(w.now));
        ins.exec();
        int64_t id = db_.getLastInsertRowid();
        bump_rev();
        tx.commit();
        PostResult r;
        r.comment = find_locked(id, user_id);
        return r;
    }

    std::optional<Comment> comment(int64_t comment_id, int64_t viewer) override {
        std::lock_guard lock(mu_);
        return find_locked(comment_id, viewer);
    }

    std::vector<Comment> comments(std::string_view paper_id, int64_t viewer, bool with_hidden) override {
        std::lock_guard lock(mu_);
        SQLite::Statement q(db_, std::string(kCommentSelect) +
                                     "WHERE c.paper_id = ? AND c.state <= ? ORDER BY c.id");
        q.bind(1, std::string(paper_id));
        q.bind(2, with_hidden ? 1 : 0);
        std::vector<Comment> out;
        while (q.executeStep()) out.push_back(row_to_comment(q));
        SQLite::Statement t(db_,
                            "SELECT t.comment_id, t.user_id, t.tag FROM comment_tags t "
                            "JOIN comments c ON c.id = t.comment_id WHERE c.paper_id = ?");
        t.bind(1, std::string(paper_id));
        attach_comment_tags(out, tag_rows(t), viewer);
        return out;
    }

    CommentOutcome edit_comment(int64_t comment_id, int64_t user_id, std::string_view text,
                                const CommentLimits& limits) override {
        std::lock_guard lock(mu_);
        SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
        auto c = find_locked(comment_id, 0);
        if (!c || c->state != CommentState::Visible) return CommentOutcome::NotFound;
        if (c->user_id != user_id) return CommentOutcome::Forbidden;
        auto created = parse_iso8601(c->created_at);
        int64_t now = rate_windows().now;
        if (!created || now - *created > limits.edit_seconds) return CommentOutcome::TooLate;
        if (c->text == text) return CommentOutcome::Unchanged;
        SQLite::Statement st(db_, "UPDATE comments SET text = ?, edited_at = ? WHERE id = ?");
        st.bind(1, std::string(text));
        st.bind(2, format_iso8601(now));
        st.bind(3, comment_id);
        st.exec();
        tx.commit();
        return CommentOutcome::Changed;
    }

    CommentOutcome delete_comment(int64_t comment_id, int64_t user_id) override {
        std::lock_guard lock(mu_);
        SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
        auto c = find_locked(comment_id, 0);
        if (!c || c->state == CommentState::Deleted) return CommentOutcome::NotFound;
        if (c->user_id != user_id) return CommentOutcome::Forbidden;
        set_state(comment_id, CommentState::Deleted);
        tx.commit();
        return CommentOutcome::Changed;
    }

    CommentOutcome tag_comment(int64_t comment_id, int64_t user_id, std::string_view tag, bool on) override {
        std::lock_guard lock(mu_);
        SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
        auto c = find_locked(comment_id, 0);
        if (!c || c->state != CommentState::Visible) return CommentOutcome::NotFound;
        if (c->user_id == user_id) return CommentOutcome::OwnComment;
        SQLite::Statement st(db_, on ? "INSERT INTO comment_tags (comment_id, user_id, tag) VALUES (?, ?, ?) "
                                       "ON CONFLICT DO NOTHING"
                                     : "DELETE FROM comment_tags WHERE comment_id = ? AND user_id = ? AND tag = ?");
        st.bind(1, comment_id);
        st.bind(2, user_id);
        st.bind(3, std::string(tag));
        bool changed = st.exec() > 0;
        tx.commit();
        return changed ? CommentOutcome::Changed : CommentOutcome::Unchanged;
    }

    CommentOutcome moderate(int64_t comment_id, std::string_view admin, ModerationAction action) override {
        std::lock_guard lock(mu_);
        SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
        auto c = find_locked(comment_id, 0);
        if (!c || c->state == CommentState::Deleted) return CommentOutcome::NotFound;
        if (c->state == state_after(action)) return CommentOutcome::Unchanged;
        set_state(comment_id, state_after(action));
        SQLite::Statement log(db_,
                              "INSERT INTO moderation_log (at, admin, action, comment_id, paper_id) "
                              "VALUES (?, ?, ?, ?, ?)");
        log.bind(1, utc_now_iso8601());
        log.bind(2, std::string(admin));
        log.bind(3, std::string(action_name(action)));
        log.bind(4, comment_id);
        log.bind(5, c->paper_id);
        log.exec();
        tx.commit();
        return CommentOutcome::Changed;
    }

    std::vector<ModerationEntry> moderation_log(size_t limit) override {
        std::lock_guard lock(mu_);
        SQLite::Statement q(db_,
                            "SELECT at, admin, action, comment_id, paper_id FROM moderation_log "
                            "ORDER BY id DESC LIMIT ?");
        q.bind(1, static_cast<int64_t>(limit));
        std::vector<ModerationEntry> out;
        while (q.executeStep())
            out.push_back({q.getColumn(0).getString(), q.getColumn(1).getString(), q.getColumn(2).getString(),
                           q.getColumn(3).getInt64(), q.getColumn(4).getString()});
        return out;
    }

    std::map<std::string, int64_t> comment_counts() override {
        std::lock_guard lock(mu_);
        SQLite::Statement q(db_, "SELECT paper_id, COUNT(*) FROM comments WHERE state = 0 GROUP BY paper_id");
        std::map<std::string, int64_t> out;
        while (q.executeStep()) out.emplace(q.getColumn(0).getString(), q.getColumn(1).getInt64());
        return out;
    }

    std::vector<DiscussedPaper> discussed_papers() override {
        std::lock_guard lock(mu_);
        SQLite::Statement q(db_,
                            "SELECT paper_id, COUNT(*), MAX(created_at) AS last, MAX(id) AS newest "
                            "FROM comments WHERE state = 0 GROUP BY paper_id ORDER BY last DESC, newest DESC");
        std::vector<DiscussedPaper> out;
        while (q.executeStep())
            out.push_back({q.getColumn(0).getString(), q.getColumn(1).getInt64(), q.getColumn(2).getString()});
        return out;
    }

    int64_t revision() override {
        std::lock_guard lock(mu_);
        SQLite::Statement q(db_, "SELECT rev FROM discussion_rev");
        return q.executeStep() ? q.getColumn(0).getInt64() : 0;
    }

    bool set_public_library(int64_t user_id, bool is_public) override {
        std::lock_guard lock(mu_);
        SQLite::Statement st(db_, "UPDATE users SET public_library = ? WHERE id = ?");
        st.bind(1, is_public ? 1 : 0);
        st.bind(2, user_id);
        return st.exec() > 0;
    }

    bool public_library(int64_t user_id) override {
        std::lock_guard lock(mu_);
        SQLite::Statement q(db_, "SELECT public_library FROM users WHERE id = ?");
        q.bind(1, user_id);
        return q.executeStep() && q.getColumn(0).getInt() != 0;
    }

    bool follow(int64_t user_id, int64_t followed_id) override {
        std::lock_guard lock(mu_);
        SQLite::Statement st(db_,
                             "INSERT INTO follows (user_id, followed_id, created_at) VALUES (?, ?, ?) "
                             "ON CONFLICT DO NOTHING");
        st.bind(1, user_id);
        st.bind(2, followed_id);
        st.bind(3, utc_now_iso8601());
        return st.exec() > 0;
    }

    bool unfollow(int64_t user_id, int64_t followed_id) override {
        std::lock_guard lock(mu_);
        SQLite::Statement st(db_, "DELETE FROM follows WHERE user_id = ? AND followed_id = ?");
        st.bind(1, user_id);
        st.bind(2, followed_id);
        return st.exec() > 0;
    }

    std::vector<FollowedUser> following(int64_t user_id) override {
        std::lock_guard lock(mu_);
        SQLite::Statement q(db_,
                            "SELECT u.username, u.public_library FROM follows f "
                            "JOIN users u ON u.id = f.followed_id WHERE f.user_id = ? ORDER BY u.username");
        q.bind(1, user_id);
        std::vector<FollowedUser> out;
        while (q.executeStep()) out.push_back({q.getColumn(0).getString(), q.getColumn(1).getInt() != 0});
        return out;
    }

    std::vector<FriendSave> friends_saves(int64_t user_id, std::string_view since) override {
        std::lock_guard lock(mu_);
        SQLite::Statement q(db_,
                            "SELECT l.paper_id, l.saved_at, u.username FROM follows f "
                            "JOIN users u ON u.id = f.followed_id AND u.public_library = 1 "
                            "JOIN library l ON l.user_id = u.id "
                            "WHERE f.user_id = ? AND l.saved_at >= ? "
                            "ORDER BY l.saved_at DESC, l.rowid DESC");
        q.bind(1, user_id);
        q.bind(2, std::string(since));
        std::vector<SaveRow> rows;
        while (q.executeStep())
            rows.push_back({q.getColumn(0).getString(), q.getColumn(1).getString(), q.getColumn(2).getString()});
        return group_saves(rows);
    }

    std::vector<std::pair<std::string, int64_t>> activity(std::string_view since) override {
        std::lock_guard lock(mu_);
        SQLite::Statement q(db_,
                            "SELECT paper_id, COUNT(DISTINCT user_id) AS n FROM ("
                            "SELECT user_id, paper_id FROM library WHERE saved_at >= ?1 UNION ALL "
                            "SELECT user_id, paper_id FROM comments WHERE created_at >= ?1 "
                            "AND state = 0 AND user_id IS NOT NULL) "
                            "GROUP BY paper_id ORDER BY n DESC, paper_id DESC");
        q.bind(1, std::string(since));
        std::vector<std::pair<std::string, int64_t>> out;
        while (q.executeStep()) out.emplace_back(q.getColumn(0).getString(), q.getColumn(1).getInt64());
        return out;
    }

private:
    std::optional<Comment> find_locked(int64_t comment_id, int64_t viewer) {
        SQLite::Statement q(db_, std::string(kCommentSelect) + "WHERE c.id = ? AND c.state < 2");
        q.bind(1, comment_id);
        if (!q.executeStep()) return std::nullopt;
        std::vector<Comment> one{row_to_comment(q)};
        SQLite::Statement t(db_, "SELECT comment_id, user_id, tag FROM comment_tags WHERE comment_id = ?");
        t.bind(1, comment_id);
        attach_comment_tags(one, tag_rows(t), viewer);
        return std::move(one[0]);
    }

    static std::vector<CommentTagRow> tag_rows(SQLite::Statement& t) {
        std::vector<CommentTagRow> rows;
        while (t.executeStep())
            rows.push_back({t.getColumn(0).getInt64(), t.getColumn(1).getInt64(), t.getColumn(2).getString()});
        return rows;
    }

    void set_state(int64_t comment_id, CommentState state) {
        SQLite::Statement st(db_, "UPDATE comments SET state = ? WHERE id = ?");
        st.bind(1, static_cast<int>(state));
        st.bind(2, comment_id);
        st.exec();
        bump_rev();
    }

    void bump_rev() { db_.exec("UPDATE discussion_rev SET rev = rev + 1"); }

    SQLite::Database& db_;
    std::mutex& mu_;
};

}  // namespace

std::unique_ptr<DiscussionStore> make_sqlite_discussions(SQLite::Database& db, std::mutex& mu) {
    return std::make_unique<SqliteDiscussions>(db, mu);
}

}  // namespace asp
