// The PostgreSQL back end of DiscussionStore, on the user store's PgSession: the same
// behaviour as the SQLite one. Changes of one comment lock its row (FOR UPDATE); a user's
// posts are counted under a lock on the user's row, so two instances cannot both let a sixth
// comment of the minute through.
#include <asp/core/time.hpp>

#include "store/discussion_rows.hpp"
#include "store/pg_session.hpp"

namespace asp {
namespace {

Comment row_to_comment(const pqxx::row& r) {
    Comment c;
    c.id = r[0].as<int64_t>();
    c.paper_id = r[1].as<std::string>();
    c.version = r[2].as<int64_t>();
    c.user_id = r[3].as<int64_t>();
    c.username = r[4].as<std::string>();
    c.text = r[5].as<std::string>();
    c.created_at = r[6].as<std::string>();
    c.edited_at = r[7].as<std::string>();
    c.state = static_cast<CommentState>(r[8].as<int>());
    return c;
}

std::vector<CommentTagRow> tag_rows(const pqxx::result& r) {
    std::vector<CommentTagRow> rows;
    for (const auto& row : r) rows.push_back({row[0].as<int64_t>(), row[1].as<int64_t>(), row[2].as<std::string>()});
    return rows;
}

// A comment with the viewer's tags; `lock`: FOR UPDATE (the caller changes it).
std::optional<Comment> find(pqxx::work& w, int64_t comment_id, int64_t viewer, bool lock = false) {
    auto r = w.exec_params(std::string(kCommentSelect) + "WHERE c.id = $1 AND c.state < 2" +
                               (lock ? " FOR UPDATE OF c" : ""),
                           comment_id);
    if (r.empty()) return std::nullopt;
    std::vector<Comment> one{row_to_comment(r[0])};
    attach_comment_tags(one,
                        tag_rows(w.exec_params("SELECT comment_id, user_id, tag FROM comment_tags "
                                               "WHERE comment_id = $1",
                                               comment_id)),
                        viewer);
    return std::move(one[0]);
}

void set_state(pqxx::work& w, int64_t comment_id, CommentState state) {
    w.exec_params("UPDATE comments SET state = $1 WHERE id = $2", static_cast<int>(state), comment_id);
    w.exec("UPDATE discussion_rev SET rev = rev + 1");
}

class PgDiscussions final : public DiscussionStore {
public:
    explicit PgDiscussions(PgSession& pg) : pg_(pg) {}

    PostResult add_comment(int64_t user_id, std::string_view paper_id, int64_t version,
                           std::string_view text, const CommentLimits& limits) override {
        return pg_.with_tx<PostResult>([&](pqxx::work& w) {
            w.exec_params("SELECT 1 FROM users WHERE id = $1 FOR UPDATE", user_id);
            auto win = rate_windows();
            for (auto [limit, since, window] : {std::tuple{limits.per_minute, win.minute_ago, int64_t{60}},
                                                std::tuple{limits.per_day, win.day_ago, int64_t{86400}}}) {
                pqxx::result r;
                if (limit > 0)
                    r = w.exec_params("SELECT created_at FROM comments WHERE user_id = $1 AND created_at >= $2 "
                                      "ORDER BY created_at DESC LIMIT 1 OFFSET $3",
                                      user_id, since, limit - 1);
                if (limit <= 0 || !r.empty()) {
                    PostResult out;
                    out.outcome = CommentOutcome::RateLimited;
                    out.retry_after = limit <= 0 ? window
                                                 : seconds_until_free(r[0][0].as<std::string>(), window, win.now);
                    return out;
                }
            }
            auto id = w.exec_params("INSERT INTO comments (paper_id, version, user_id, text, created_at) "
                                    "VALUES ($1, $2, $3, $4, $5) RETURNING id",
                                    std::string(paper_id), version, user_id, std::string(text),
                                    format_iso8601(win.now))[0][0]
                          .as<int64_t>();
            w.exec("UPDATE discussion_rev SET rev = rev + 1");
            PostResult out;
            out.comment = find(w, id, user_id);
            return out;
        });
    }

    std::optional<Comment> comment(int64_t comment_id, int64_t viewer) override {
        return pg_.with_tx<std::optional<Comment>>([&](pqxx::work& w) { return find(w, comment_id, viewer); });
    }

    std::vector<Comment> comments(std::string_view paper_id, int64_t viewer, bool with_hidden) override {
        return pg_.with_tx<std::vector<Comment>>([&](pqxx::work& w) {
            std::vector<Comment> out;
            for (const auto& row : w.exec_params(std::string(kCommentSelect) +
                                                     "WHERE c.paper_id = $1 AND c.state <= $2 ORDER BY c.id",
                                                 std::string(paper_id), with_hidden ? 1 : 0))
                out.push_back(row_to_comment(row));
            attach_comment_tags(out,
                                tag_rows(w.exec_params("SELECT t.comment_id, t.user_id, t.tag FROM comment_tags t "
                                                       "JOIN comments c ON c.id = t.comment_id WHERE c.paper_id = $1",
                                                       std::string(paper_id))),
                                viewer);
            return out;
        });
    }

    CommentOutcome edit_comment(int64_t comment_id, int64_t user_id, std::string_view text,
                                const CommentLimits& limits) override {
        return pg_.with_tx<CommentOutcome>([&](pqxx::work& w) {
            auto c = find(w, comment_id, 0, true);
            if (!c || c->state != CommentState::Visible) return CommentOutcome::NotFound;
            if (c->user_id != user_id) return CommentOutcome::Forbidden;
            auto created = parse_iso8601(c->created_at);
            int64_t now = rate_windows().now;
            if (!created || now - *created > limits.edit_seconds) return CommentOutcome::TooLate;
            if (c->text == text) return CommentOutcome::Unchanged;
            w.exec_params("UPDATE comments SET text = $1, edited_at = $2 WHERE id = $3", std::string(text),
                          format_iso8601(now), comment_id);
            return CommentOutcome::Changed;
        });
    }

    CommentOutcome delete_comment(int64_t comment_id, int64_t user_id) override {
        return pg_.with_tx<CommentOutcome>([&](pqxx::work& w) {
            auto c = find(w, comment_id, 0, true);
            if (!c) return CommentOutcome::NotFound;
            if (c->user_id != user_id) return CommentOutcome::Forbidden;
            set_state(w, comment_id, CommentState::Deleted);
            return CommentOutcome::Changed;
        });
    }

    CommentOutcome tag_comment(int64_t comment_id, int64_t user_id, std::string_view tag, bool on) override {
        return pg_.with_tx<CommentOutcome>([&](pqxx::work& w) {
            auto c = find(w, comment_id, 0);
            if (!c || c->state != CommentState::Visible) return CommentOutcome::NotFound;
            if (c->user_id == user_id) return CommentOutcome::OwnComment;
            bool changed =
                w.exec_params(on ? "INSERT INTO comment_tags (comment_id, user_id, tag) VALUES ($1, $2, $3) "
                                   "ON CONFLICT DO NOTHING"
                                 : "DELETE FROM comment_tags WHERE comment_id = $1 AND user_id = $2 AND tag = $3",
                              comment_id, user_id, std::string(tag))
                    .affected_rows() > 0;
            return changed ? CommentOutcome::Changed : CommentOutcome::Unchanged;
        });
    }

    CommentOutcome moderate(int64_t comment_id, std::string_view admin, ModerationAction action) override {
        return pg_.with_tx<CommentOutcome>([&](pqxx::work& w) {
            auto c = find(w, comment_id, 0, true);
            if (!c) return CommentOutcome::NotFound;
            if (c->state == state_after(action)) return CommentOutcome::Unchanged;
            set_state(w, comment_id, state_after(action));
            w.exec_params("INSERT INTO moderation_log (at, admin, action, comment_id, paper_id) "
                          "VALUES ($1, $2, $3, $4, $5)",
                          utc_now_iso8601(), std::string(admin), std::string(action_name(action)), comment_id,
                          c->paper_id);
            return CommentOutcome::Changed;
        });
    }

    std::vector<ModerationEntry> moderation_log(size_t limit) override {
        return pg_.with_tx<std::vector<ModerationEntry>>([&](pqxx::work& w) {
            std::vector<ModerationEntry> out;
            for (const auto& row : w.exec_params("SELECT at, admin, action, comment_id, paper_id FROM moderation_log "
                                                 "ORDER BY id DESC LIMIT $1",
                                                 static_cast<int64_t>(limit)))
                out.push_back({row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>(),
                               row[3].as<int64_t>(), row[4].as<std::string>()});
            return out;
        });
    }

    std::map<std::string, int64_t> comment_counts() override {
        return pg_.with_tx<std::map<std::string, int64_t>>([&](pqxx::work& w) {
            std::map<std::string, int64_t> out;
            for (const auto& row : w.exec("SELECT paper_id, COUNT(*) FROM comments WHERE state = 0 GROUP BY paper_id"))
                out.emplace(row[0].as<std::string>(), row[1].as<int64_t>());
            return out;
        });
    }

    std::vector<DiscussedPaper> discussed_papers() override {
        return pg_.with_tx<std::vector<DiscussedPaper>>([&](pqxx::work& w) {
            std::vector<DiscussedPaper> out;
            for (const auto& row : w.exec("SELECT paper_id, COUNT(*), MAX(created_at) AS last, MAX(id) AS newest "
                                          "FROM comments WHERE state = 0 GROUP BY paper_id "
                                          "ORDER BY last DESC, newest DESC"))
                out.push_back({row[0].as<std::string>(), row[1].as<int64_t>(), row[2].as<std::string>()});
            return out;
        });
    }

    int64_t revision() override {
        return pg_.with_tx<int64_t>([&](pqxx::work& w) {
            auto r = w.exec("SELECT rev FROM discussion_rev");
            return r.empty() ? int64_t{0} : r[0][0].as<int64_t>();
        });
    }

    bool set_public_library(int64_t user_id, bool is_public) override {
        return pg_.with_tx<bool>([&](pqxx::work& w) {
            return w.exec_params("UPDATE users SET public_library = $1 WHERE id = $2", is_public ? 1 : 0, user_id)
                       .affected_rows() > 0;
        });
    }

    bool public_library(int64_t user_id) override {
        return pg_.with_tx<bool>([&](pqxx::work& w) {
            auto r = w.exec_params("SELECT public_library FROM users WHERE id = $1", user_id);
            return !r.empty() && r[0][0].as<int>() != 0;
        });
    }

    bool follow(int64_t user_id, int64_t followed_id) override {
        return pg_.with_tx<bool>([&](pqxx::work& w) {
            return w.exec_params("INSERT INTO follows (user_id, followed_id, created_at) VALUES ($1, $2, $3) "
                                 "ON CONFLICT DO NOTHING",
                                 user_id, followed_id, utc_now_iso8601())
                       .affected_rows() > 0;
        });
    }

    bool unfollow(int64_t user_id, int64_t followed_id) override {
        return pg_.with_tx<bool>([&](pqxx::work& w) {
            return w.exec_params("DELETE FROM follows WHERE user_id = $1 AND followed_id = $2", user_id, followed_id)
                       .affected_rows() > 0;
        });
    }

    std::vector<FollowedUser> following(int64_t user_id) override {
        return pg_.with_tx<std::vector<FollowedUser>>([&](pqxx::work& w) {
            std::vector<FollowedUser> out;
            for (const auto& row : w.exec_params("SELECT u.username, u.public_library FROM follows f "
                                                 "JOIN users u ON u.id = f.followed_id WHERE f.user_id = $1 "
                                                 "ORDER BY u.username",
                                                 user_id))
                out.push_back({row[0].as<std::string>(), row[1].as<int>() != 0});
            return out;
        });
    }

    std::vector<FriendSave> friends_saves(int64_t user_id, std::string_view since) override {
        return pg_.with_tx<std::vector<FriendSave>>([&](pqxx::work& w) {
            std::vector<SaveRow> rows;
            for (const auto& row : w.exec_params("SELECT l.paper_id, l.saved_at, u.username FROM follows f "
                                                 "JOIN users u ON u.id = f.followed_id AND u.public_library = 1 "
                                                 "JOIN library l ON l.user_id = u.id "
                                                 "WHERE f.user_id = $1 AND l.saved_at >= $2 "
                                                 "ORDER BY l.saved_at DESC, l.seq DESC",
                                                 user_id, std::string(since)))
                rows.push_back({row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>()});
            return group_saves(rows);
        });
    }

    std::vector<std::pair<std::string, int64_t>> activity(std::string_view since) override {
        return pg_.with_tx<std::vector<std::pair<std::string, int64_t>>>([&](pqxx::work& w) {
            std::vector<std::pair<std::string, int64_t>> out;
            for (const auto& row : w.exec_params("SELECT paper_id, COUNT(DISTINCT user_id) AS n FROM ("
                                                 "SELECT user_id, paper_id FROM library WHERE saved_at >= $1 "
                                                 "UNION ALL SELECT user_id, paper_id FROM comments "
                                                 "WHERE created_at >= $1 AND state = 0 AND user_id IS NOT NULL) a "
                                                 "GROUP BY paper_id ORDER BY n DESC, paper_id DESC",
                                                 std::string(since)))
                out.emplace_back(row[0].as<std::string>(), row[1].as<int64_t>());
            return out;
        });
    }

private:
    PgSession& pg_;
};

}  // namespace

std::unique_ptr<DiscussionStore> make_pg_discussions(PgSession& session) {
    return std::make_unique<PgDiscussions>(session);
}

}  // namespace asp
