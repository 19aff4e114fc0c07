// Discussions' JSON API (/api/comments/..., /api/moderation) and the listings of discussed,
// hot and friends' papers (docs/tools/serve.md, Discussions).
#include <charconv>
#include <ctime>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <asp/core/time.hpp>

#include "serve/comment_text.hpp"
#include "serve/site_discuss.hpp"
#include "serve/site_impl.hpp"

namespace asp::serve {

using nlohmann::json;
using web::Method;
using web::Request;
using web::Response;

std::optional<int64_t> comment_id_from(std::string_view text) {
    if (text.empty() || text.size() > 18) return std::nullopt;
    int64_t v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || p != text.data() + text.size() || v <= 0) return std::nullopt;
    return v;
}

CommentPath parse_comment_path(std::string_view rest) {
    CommentPath out;
    auto slash = rest.find('/');
    out.id = comment_id_from(rest.substr(0, slash));
    if (slash != std::string_view::npos) out.action = rest.substr(slash + 1);
    return out;
}

bool folded(const Comment& c) { return c.flaggers >= kFoldFlaggers; }

std::string comment_json(const Comment& c, bool admin) {
    json tags = json::object();
    for (const auto& [tag, n] : c.tags) tags[tag] = n;
    json j = {{"cid", c.id},
              {"paper_id", c.paper_id},
              {"user", c.username.empty() ? json(kDeletedAuthor) : json(c.username)},
              {"text", c.text},
              {"created", c.created_at},
              {"edited", c.edited_at.empty() ? json(nullptr) : json(c.edited_at)},
              {"version", c.version},
              {"tags", tags},
              {"my_tags", c.my_tags},
              {"folded", folded(c)}};
    if (admin) j["hidden"] = c.state == CommentState::Hidden;
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

namespace {

Response comment_outcome_error(CommentOutcome outcome) {
    switch (outcome) {
        case CommentOutcome::NotFound: return Response::json_error(404, "no such comment");
        case CommentOutcome::Forbidden: return Response::json_error(403, "not your comment");
        case CommentOutcome::TooLate:
            return Response::json_error(403, "a comment can be edited for 15 minutes after posting");
        case CommentOutcome::OwnComment: return Response::json_error(403, "you cannot tag your own comment");
        default: return Response::json_error(500, "internal error");
    }
}

std::optional<std::string> json_text(const Request& r) {
    auto j = json::parse(r.body, nullptr, false);
    if (!j.is_object() || !j.contains("text") || !j["text"].is_string()) return std::nullopt;
    return j["text"].get<std::string>();
}

Response rate_limited(int64_t retry_after) {
    auto resp = Response::json_error(429, "too many comments: at most 5 a minute and 100 a day");
    resp.header("Retry-After", std::to_string(retry_after));
    return resp;
}

std::string since_iso(int64_t seconds) {
    return seconds ? format_iso8601(static_cast<int64_t>(std::time(nullptr)) - seconds) : "";
}

}  // namespace

std::variant<CommentPost, Response> Site::Impl::post_comment(RequestContext& c, std::string_view paper_path,
                                                            std::string_view text) {
    if (!c.user) return Response::json_error(401, "log in first");
    auto id = paper_id_from_path(paper_path);
    if (!id) return Response::json_error(400, "not an arXiv id");
    auto checked = check_comment_text(text);
    if (auto* bad = std::get_if<CommentTextError>(&checked)) return Response::json_error(400, bad->reason);
    auto p = c.snap->catalog->find(*id);
    if (!p) return Response::json_error(404, "no such paper");
    auto posted = users.discussions().add_comment(c.user->id, *id, p->version, std::get<std::string>(checked),
                                                  options.comment_limits);
    if (posted.outcome == CommentOutcome::RateLimited) return rate_limited(posted.retry_after);
    return CommentPost{*posted.comment};
}

std::variant<CommentPost, Response> Site::Impl::change_comment(RequestContext& c, int64_t cid,
                                                              std::string_view action, std::string_view arg) {
    if (!c.user) return Response::json_error(401, "log in first");
    auto& d = users.discussions();
    CommentOutcome outcome;
    if (action == "edit") {
        auto checked = check_comment_text(arg);
        if (auto* bad = std::get_if<CommentTextError>(&checked)) return Response::json_error(400, bad->reason);
        outcome = d.edit_comment(cid, c.user->id, std::get<std::string>(checked), options.comment_limits);
    } else if (action == "delete") {
        auto current = d.comment(cid, 0);
        if (current && current->user_id != c.user->id && is_admin(c)) {
            outcome = d.moderate(cid, c.user->username, ModerationAction::Delete);
            spdlog::warn("moderation: {} deleted comment {} on {}", c.user->username, cid, current->paper_id);
        } else {
            outcome = d.delete_comment(cid, c.user->id);
        }
        if (outcome == CommentOutcome::Changed) return CommentPost{Comment{}};
    } else if (action == "tag" || action == "untag") {
        if (!is_comment_tag(arg)) return Response::json_error(400, "unknown comment tag");
        outcome = d.tag_comment(cid, c.user->id, arg, action == "tag");
    } else if (action == "hide" || action == "unhide") {
        if (!is_admin(c)) return Response::json_error(403, "only an admin may hide comments");
        outcome = d.moderate(cid, c.user->username,
                             action == "hide" ? ModerationAction::Hide : ModerationAction::Unhide);
        if (outcome == CommentOutcome::Changed)
            spdlog::warn("moderation: {} {} comment {}", c.user->username, action, cid);
    } else {
        return Response::json_error(400, "unknown action");
    }
    if (outcome != CommentOutcome::Changed && outcome != CommentOutcome::Unchanged)
        return comment_outcome_error(outcome);
    auto after = d.comment(cid, c.user->id);
    if (!after) return Response::json_error(404, "no such comment");
    return CommentPost{*after};
}

void Site::Impl::add_discussion_routes() {
    router.add(Method::Get, "/api/comments/*", [this](Request& r) {
        auto& c = ctx(r);
        auto id = paper_id_from_path(r.path_rest);
        if (!id) return Response::json_error(400, "not an arXiv id");
        if (!c.snap->catalog->find(*id)) return Response::json_error(404, "no such paper");
        const bool admin = is_admin(c);
        auto list = users.discussions().comments(*id, c.user ? c.user->id : 0, admin);
        std::string out = "{\"comments\":[";
        for (size_t i = 0; i < list.size(); ++i) out += (i ? "," : "") + comment_json(list[i], admin);
        out += "],\"total\":" + std::to_string(list.size()) + "}";
        return Response::json(200, std::move(out));
    });
    // POST /api/comments/<paper id> {"text"}: a new comment. POST /api/comments/<cid>/hide,
    // /unhide: an admin's.
    add_change_route(Method::Post, "/api/comments/*", [this](Request& r, RequestContext& c) {
        auto path = parse_comment_path(r.path_rest);
        if (path.id && !path.action.empty()) {
            auto result = change_comment(c, *path.id, path.action, "");
            if (auto* resp = std::get_if<Response>(&result)) return std::move(*resp);
            return Response::json(200, comment_json(std::get<CommentPost>(result).comment, true));
        }
        auto text = json_text(r);
        if (!text) return Response::json_error(400, "expected JSON {\"text\": ...}");
        auto result = post_comment(c, r.path_rest, *text);
        if (auto* resp = std::get_if<Response>(&result)) return std::move(*resp);
        return Response::json(201, comment_json(std::get<CommentPost>(result).comment, is_admin(c)));
    });
    add_change_route(Method::Patch, "/api/comments/*", [this](Request& r, RequestContext& c) {
        auto path = parse_comment_path(r.path_rest);
        if (!path.id || !path.action.empty()) return Response::json_error(400, "expected /api/comments/<cid>");
        auto text = json_text(r);
        if (!text) return Response::json_error(400, "expected JSON {\"text\": ...}");
        auto result = change_comment(c, *path.id, "edit", *text);
        if (auto* resp = std::get_if<Response>(&result)) return std::move(*resp);
        return Response::json(200, comment_json(std::get<CommentPost>(result).comment, is_admin(c)));
    });
    // PUT|DELETE /api/comments/<cid>/tags/<tag>; DELETE /api/comments/<cid>.
    auto tag_or_delete = [this](bool put) {
        return [this, put](Request& r, RequestContext& c) {
            auto path = parse_comment_path(r.path_rest);
            if (!path.id) return Response::json_error(400, "expected /api/comments/<cid>[/tags/<tag>]");
            std::string action, arg;
            if (path.action.rfind("tags/", 0) == 0) {
                action = put ? "tag" : "untag";
                arg = path.action.substr(5);
            } else if (!put && path.action.empty()) {
                action = "delete";
            } else {
                return Response::json_error(400, "expected /api/comments/<cid>/tags/<tag>");
            }
            auto result = change_comment(c, *path.id, action, arg);
            if (auto* resp = std::get_if<Response>(&result)) return std::move(*resp);
            if (action == "delete") return Response::json(200, R"({"deleted":true})");
            return Response::json(200, comment_json(std::get<CommentPost>(result).comment, is_admin(c)));
        };
    };
    add_change_route(Method::Put, "/api/comments/*", tag_or_delete(true));
    add_change_route(Method::Delete, "/api/comments/*", tag_or_delete(false));

    router.add(Method::Get, "/api/moderation", [this](Request& r) {
        auto& c = ctx(r);
        if (!is_admin(c)) return Response::json_error(403, "admins only");
        json log = json::array();
        for (const auto& e : users.discussions().moderation_log(200))
            log.push_back({{"at", e.at}, {"admin", e.admin}, {"action", e.action}, {"cid", e.comment_id},
                           {"paper_id", e.paper_id}});
        return Response::json(200, json{{"log", log}}.dump(-1, ' ', false, json::error_handler_t::replace));
    });
}

std::variant<Listing, BadRequest> Site::Impl::discussions(RequestContext& c, Window w) {
    std::vector<ListItem> all;
    for (const auto& p : users.discussions().discussed_papers())
        if (auto paper = c.snap->catalog->find(p.paper_id)) all.push_back(list_item(*paper));
    return window_of(all, w);
}

std::variant<Listing, BadRequest> Site::Impl::hot(const RequestContext& c, std::string_view time, Window w) {
    if (time != "day" && time != "3days" && time != "week")
        return BadRequest{400, "time must be one of day, 3days, week"};
    std::vector<ListItem> all;
    for (const auto& [id, n] : users.discussions().activity(since_iso(*time_filter_seconds(time))))
        if (auto paper = c.snap->catalog->find(id))
            all.push_back(list_item(*paper, static_cast<double>(n), ScoreKind::Readers));
    return window_of(all, w);
}

std::variant<Listing, BadRequest> Site::Impl::friends(RequestContext& c, std::string_view time, Window w) {
    auto seconds = time_filter_seconds(time);
    if (!seconds) return BadRequest{400, "time must be one of day, 3days, week, month, year, all"};
    std::vector<ListItem> all;
    for (auto& s : users.discussions().friends_saves(c.user->id, since_iso(*seconds))) {
        auto paper = c.snap->catalog->find(s.paper_id);
        if (!paper) continue;
        all.push_back(list_item(*paper));
        all.back().saved_by = std::move(s.saved_by);
    }
    return window_of(all, w);
}

}  // namespace asp::serve
