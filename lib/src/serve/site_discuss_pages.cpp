// Discussions' HTML: /discuss/<id> (the paper and its comments), the forms that post, edit,
// delete, tag and moderate comments without script, /discussions and /hot.
#include <algorithm>
#include <ctime>

#include <nlohmann/json.hpp>

#include <asp/core/time.hpp>
#include <asp/web/url.hpp>

#include "serve/comment_text.hpp"
#include "serve/html.hpp"
#include "serve/site_discuss.hpp"
#include "serve/site_impl.hpp"

namespace asp::serve {
namespace {

using web::Method;
using web::Request;
using web::Response;

// A paper's discussion (an arXiv id holds only URL-safe characters: letters, digits, ".", "/", "-").
std::string discuss_url(std::string_view id) { return "/discuss/" + std::string(id); }

std::string field(const web::Fields& form, std::string_view name) {
    for (const auto& [k, v] : form)
        if (k == name) return v;
    return "";
}

// An API failure (JSON {"error"}) as the HTML error page, keeping Retry-After.
Response as_page(const RequestContext& c, const Response& api) {
    auto j = nlohmann::json::parse(api.body, nullptr, false);
    std::string message = j.is_object() && j.contains("error") && j["error"].is_string()
                              ? j["error"].get<std::string>()
                              : "that did not work";
    auto page = html::error_page(c, api.status, message);
    for (const auto& [name, value] : api.headers)
        if (name == "Retry-After") page.header(name, value);
    return page;
}

std::string csrf_field(const RequestContext& c) {
    return "<input type=\"hidden\" name=\"csrf\" value=\"" + html::escape(c.csrf) + "\">";
}

// One button form on a comment: POST /comment/<cid> with action (and tag).
void comment_button(std::string& out, const RequestContext& c, int64_t cid, std::string_view action,
                    std::string_view tag, std::string_view label, bool on = false) {
    out += "<form method=\"post\" class=\"inline\" action=\"/comment/" + std::to_string(cid) + "\">" +
           csrf_field(c) + "<input type=\"hidden\" name=\"action\" value=\"";
    html::append_escaped(out, action);
    out += "\">";
    if (!tag.empty()) {
        out += "<input type=\"hidden\" name=\"tag\" value=\"";
        html::append_escaped(out, tag);
        out += "\">";
    }
    out += on ? "<button type=\"submit\" class=\"ctag on\" aria-pressed=\"true\">"
              : "<button type=\"submit\" class=\"ctag\">";
    html::append_escaped(out, label);
    out += "</button></form>";
}

void comment_html(std::string& out, const RequestContext& c, const Comment& cm, bool admin,
                  int64_t edit_seconds) {
    const bool own = c.user && cm.user_id == c.user->id;
    out += "<article class=\"comment" + std::string(cm.state == CommentState::Hidden ? " hidden" : "") +
           "\" id=\"c" + std::to_string(cm.id) + "\"><header>";
    if (cm.username.empty()) {
        out += "<span class=\"author deleted\">";
        html::append_escaped(out, kDeletedAuthor);
        out += "</span>";
    } else {
        out += "<a class=\"author\" href=\"/u/";
        html::append_escaped(out, url_encode(cm.username));
        out += "\">";
        html::append_escaped(out, cm.username);
        out += "</a>";
    }
    out += " <time datetime=\"";
    html::append_escaped(out, cm.created_at);
    out += "\">";
    std::string shown = cm.created_at.substr(0, 16);
    if (shown.size() > 10 && shown[10] == 'T') shown[10] = ' ';
    html::append_escaped(out, shown);
    out += " UTC</time> <span class=\"version\">on v" + std::to_string(cm.version) + "</span>";
    if (!cm.edited_at.empty()) out += " <span class=\"edited\">(edited)</span>";
    if (cm.state == CommentState::Hidden) out += " <span class=\"hidden-mark\">[hidden by an admin]</span>";
    out += "</header>";
    std::string body = "<div class=\"comment-text\">";
    if (cm.username.empty())
        body += "<p class=\"deleted\">[deleted]</p>";
    else
        append_comment_html(body, cm.text);
    body += "</div>";
    if (folded(cm))
        out += "<details class=\"folded\"><summary>Folded: tagged spam or troll by " +
               std::to_string(cm.flaggers) + " readers</summary>" + body + "</details>";
    else
        out += body;
    out += "<div class=\"comment-tags\">";
    for (auto tag : kCommentTags) {
        auto n = cm.tags.count(std::string(tag)) ? cm.tags.at(std::string(tag)) : 0;
        std::string label = std::string(tag) + (n ? " " + std::to_string(n) : "");
        if (c.user && !own && cm.state == CommentState::Visible) {
            bool mine = std::find(cm.my_tags.begin(), cm.my_tags.end(), tag) != cm.my_tags.end();
            comment_button(out, c, cm.id, mine ? "untag" : "tag", tag, label, mine);
        } else if (n) {
            out += "<span class=\"ctag\">";
            html::append_escaped(out, label);
            out += "</span>";
        }
    }
    out += "</div>";
    if (own || admin) {
        out += "<div class=\"comment-actions\">";
        auto created = parse_iso8601(cm.created_at);
        if (own && created && std::time(nullptr) - *created <= edit_seconds) {
            out += "<details><summary>edit</summary><form method=\"post\" action=\"/comment/" +
                   std::to_string(cm.id) + "\">" + csrf_field(c) +
                   "<input type=\"hidden\" name=\"action\" value=\"edit\"><textarea name=\"text\" "
                   "required maxlength=\"5000\" rows=\"4\" aria-label=\"comment text\">";
            html::append_escaped(out, cm.text);
            out += "</textarea><button type=\"submit\">save</button></form></details>";
        }
        if (own || admin) comment_button(out, c, cm.id, "delete", "", "delete");
        if (admin && !own)
            comment_button(out, c, cm.id, cm.state == CommentState::Hidden ? "unhide" : "hide", "",
                           cm.state == CommentState::Hidden ? "unhide" : "hide");
        out += "</div>";
    }
    out += "</article>";
}

}  // namespace

void Site::Impl::add_discussion_pages() {
    // The original's /discuss?id=<id>.
    router.add(Method::Get, "/discuss", [](Request& r) {
        auto id = paper_id_from_path(r.query_param("id").value_or(""));
        if (!id) return html::error_page(ctx(r), 400, "expected /discuss?id=<arXiv id>");
        return Response::redirect(discuss_url(*id));
    });
    router.add(Method::Get, "/discuss/*", [this](Request& r) {
        auto& c = ctx(r);
        auto id = paper_id_from_path(r.path_rest);
        if (!id) return html::error_page(c, 400, "not an arXiv id");
        auto p = c.snap->catalog->find(*id);
        if (!p) return html::error_page(c, 404, "no such paper");
        const bool admin = is_admin(c);
        std::vector<ListItem> origin{list_item(*p)};
        with_abstracts(*c.snap->catalog, origin);
        auto comments = users.discussions().comments(*id, c.user ? c.user->id : 0, admin);
        std::string main = "<section class=\"origin\">";
        html::paper_card(main, origin[0], c.snap->thumbs->contains(file_stem(p->id, p->version)),
                         in_library(c, p->id), c.user.has_value(), c.csrf, discuss_url(*id));
        main += "</section><h1>Discussion</h1><p class=\"hint\">" +
                (comments.empty() ? std::string("No comments yet.")
                                  : std::to_string(comments.size()) + (comments.size() == 1 ? " comment" : " comments")) +
                ", oldest first.</p><section class=\"comments\">";
        for (const auto& cm : comments) comment_html(main, c, cm, admin, options.comment_limits.edit_seconds);
        main += "</section>";
        if (c.user) {
            main += "<form class=\"post-comment\" method=\"post\" action=\"/discuss/" +
                    html::escape(*id) + "\">" + csrf_field(c) +
                    "<label for=\"comment-text\">Your comment (plain text; links allowed)</label>"
                    "<textarea id=\"comment-text\" name=\"text\" required maxlength=\"5000\" "
                    "rows=\"5\"></textarea><button type=\"submit\">post comment</button></form>";
        } else {
            main += "<p class=\"notice\"><a href=\"/login?next=/discuss/" + html::escape(*id) +
                    "\">Log in</a> to join the discussion.</p>";
        }
        return Response::html(200, html::document(html::page_frame(c, "Discussion of " + *id), main));
    });
    router.add(Method::Post, "/discuss/*", [this](Request& r) {
        auto& c = ctx(r);
        if (!csrf_ok(r, c)) return html::error_page(c, 403, "The form expired; please try again.");
        if (!c.user) return Response::redirect("/login");
        auto result = post_comment(c, r.path_rest, field(r.form(), "text"));
        if (auto* api = std::get_if<Response>(&result)) return as_page(c, *api);
        const auto& cm = std::get<CommentPost>(result).comment;
        return Response::redirect(discuss_url(cm.paper_id) + "#c" + std::to_string(cm.id));
    });
    router.add(Method::Post, "/comment/*", [this](Request& r) {
        auto& c = ctx(r);
        if (!csrf_ok(r, c)) return html::error_page(c, 403, "The form expired; please try again.");
        if (!c.user) return Response::redirect("/login");
        auto cid = comment_id_from(r.path_rest);
        if (!cid) return html::error_page(c, 400, "not a comment id");
        auto form = r.form();
        std::string action = field(form, "action");
        auto before = users.discussions().comment(*cid, 0);
        auto result = change_comment(c, *cid, action, action == "edit" ? field(form, "text") : field(form, "tag"));
        if (auto* api = std::get_if<Response>(&result)) return as_page(c, *api);
        if (!before) return Response::redirect("/");
        return Response::redirect(discuss_url(before->paper_id) +
                                  (action == "delete" ? "" : "#c" + std::to_string(*cid)));
    });

    auto listing_route = [this](std::string path, auto compute) {
        router.add(Method::Get, std::move(path), [this, compute](Request& r) {
            auto& c = ctx(r);
            auto w = page_window(r);
            if (auto* bad = std::get_if<BadRequest>(&w)) return html::error_page(c, bad->status, bad->message);
            return compute(r, c, std::get<Window>(w));
        });
    };
    listing_route("/discussions", [this](Request& r, RequestContext& c, Window w) {
        auto l = discussions(c, w);
        if (auto* bad = std::get_if<BadRequest>(&l)) return html::error_page(c, bad->status, bad->message);
        return render_listing(r, c, "Discussions", "<p class=\"hint\">Papers by their latest comment.</p>",
                              std::move(std::get<Listing>(l)), w, "Nobody has commented on a paper yet.");
    });
    listing_route("/hot", [this](Request& r, RequestContext& c, Window w) {
        std::string time(r.query_param("time").value_or("week"));
        auto l = hot(c, time, w);
        if (auto* bad = std::get_if<BadRequest>(&l)) return html::error_page(c, bad->status, bad->message);
        std::string controls;
        html::filter_links(controls, "/hot", {{"day", "last day"}, {"3days", "last 3 days"}, {"week", "last week"}},
                           "time", time);
        controls += "<p class=\"hint\">Papers ranked by this site's readers in this time: each reader "
                    "who saved or discussed a paper counts once.</p>";
        return render_listing(r, c, "Hot on this site", controls, std::move(std::get<Listing>(l)), w,
                              "Nobody saved or discussed a paper in this time.");
    });
}

}  // namespace asp::serve
