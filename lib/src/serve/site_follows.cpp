// Follows and public libraries: the JSON API (/api/follow/..., /api/following,
// /api/account/public), /friends, /u/<username>, and their forms (docs/tools/serve.md).
#include <nlohmann/json.hpp>

#include <asp/web/url.hpp>

#include "serve/html.hpp"
#include "serve/site_impl.hpp"

namespace asp::serve {
namespace {

using nlohmann::json;
using web::Method;
using web::Request;
using web::Response;


std::string csrf_field(const RequestContext& c) {
    return "<input type=\"hidden\" name=\"csrf\" value=\"" + html::escape(c.csrf) + "\">";
}

}  // namespace

std::variant<bool, BadRequest> Site::Impl::change_follow(RequestContext& c, std::string_view username,
                                                         bool follow) {
    if (!c.user) return BadRequest{401, "log in first"};
    if (username.empty() || username.size() > 64) return BadRequest{400, "not a username"};
    auto other = users.find_user(username);
    if (!other) return BadRequest{404, "no such user"};
    if (other->id == c.user->id) return BadRequest{400, "you cannot follow yourself"};
    auto& d = users.discussions();
    return follow ? d.follow(c.user->id, other->id) : d.unfollow(c.user->id, other->id);
}

std::string Site::Impl::account_follow_section(RequestContext& c) {
    auto& d = users.discussions();
    const bool is_public = d.public_library(c.user->id);
    std::string out = "<form class=\"account\" id=\"public\" method=\"post\" action=\"/account/public\"><h2>Public "
                      "library</h2><p>Your library is <strong>" +
                      std::string(is_public ? "public" : "private") +
                      "</strong>. A public library shows at <a href=\"/u/" + html::escape(url_encode(c.user->username)) +
                      "\">/u/" + html::escape(c.user->username) +
                      "</a> and in the friends view of those who follow you.</p>" + csrf_field(c) +
                      "<input type=\"hidden\" name=\"public\" value=\"" + (is_public ? "0" : "1") +
                      "\"><button type=\"submit\">" + (is_public ? "make it private" : "make it public") +
                      "</button></form><section class=\"account\"><h2>Following</h2>";
    auto following = d.following(c.user->id);
    if (following.empty()) out += "<p>Nobody yet: follow readers from their page (/u/NAME).</p>";
    for (const auto& f : following)
        out += "<p><a href=\"/u/" + html::escape(url_encode(f.username)) + "\">" + html::escape(f.username) +
               "</a>" + (f.public_library ? "" : " (private library)") + "</p>";
    return out + "</section>";
}

void Site::Impl::add_follow_routes() {
    add_change_route(Method::Put, "/api/account/public", [this](Request& r, RequestContext& c) {
        if (!c.user) return Response::json_error(401, "log in first");
        auto j = json::parse(r.body, nullptr, false);
        if (!j.is_object() || !j.contains("public") || !j["public"].is_boolean())
            return Response::json_error(400, "expected JSON {\"public\": true|false}");
        users.discussions().set_public_library(c.user->id, j["public"].get<bool>());
        return json_response(200, {{"public", j["public"].get<bool>()}});
    });
    auto follow_route = [this](bool follow) {
        return [this, follow](Request& r, RequestContext& c) {
            auto changed = change_follow(c, r.path_rest, follow);
            if (auto* bad = std::get_if<BadRequest>(&changed)) return Response::json_error(bad->status, bad->message);
            return json_response(200, {{"username", r.path_rest}, {"following", follow}, {"changed", std::get<bool>(changed)}});
        };
    };
    add_change_route(Method::Put, "/api/follow/*", follow_route(true));
    add_change_route(Method::Delete, "/api/follow/*", follow_route(false));
    router.add(Method::Get, "/api/following", [this](Request& r) {
        auto& c = ctx(r);
        if (!c.user) return Response::json_error(401, "log in first");
        json list = json::array();
        for (const auto& f : users.discussions().following(c.user->id))
            list.push_back({{"username", f.username}, {"public", f.public_library}});
        return json_response(200, {{"following", list}});
    });

    // Pages and their forms.
    router.add(Method::Post, "/account/public", [this](Request& r) {
        auto& c = ctx(r);
        if (!csrf_ok(r, c)) return html::error_page(c, 403, "The form expired; please try again.");
        if (!c.user) return Response::redirect("/login?next=/account");
        bool make_public = false;
        for (const auto& [k, v] : r.form())
            if (k == "public") make_public = v == "1";
        users.discussions().set_public_library(c.user->id, make_public);
        return Response::redirect("/account#public");
    });
    router.add(Method::Post, "/follow/*", [this](Request& r) {
        auto& c = ctx(r);
        if (!csrf_ok(r, c)) return html::error_page(c, 403, "The form expired; please try again.");
        if (!c.user) return Response::redirect("/login");
        bool follow = true;
        for (const auto& [k, v] : r.form())
            if (k == "action") follow = v != "unfollow";
        auto changed = change_follow(c, r.path_rest, follow);
        if (auto* bad = std::get_if<BadRequest>(&changed)) return html::error_page(c, bad->status, bad->message);
        return Response::redirect("/u/" + url_encode(r.path_rest));
    });
    router.add(Method::Get, "/friends", [this](Request& r) {
        auto& c = ctx(r);
        if (!c.user) return Response::redirect("/login?next=/friends");
        auto w = page_window(r);
        if (auto* bad = std::get_if<BadRequest>(&w)) return html::error_page(c, bad->status, bad->message);
        std::string time(r.query_param("time").value_or("all"));
        auto l = friends(c, time, std::get<Window>(w));
        if (auto* bad = std::get_if<BadRequest>(&l)) return html::error_page(c, bad->status, bad->message);
        std::string controls;
        html::filter_links(controls, "/friends",
                           {{"day", "last day"}, {"week", "last week"}, {"month", "last month"}, {"all", "all time"}},
                           "time", time);
        controls += "<p class=\"hint\">Papers saved by the readers you follow (public libraries only), newest "
                    "first. Follow readers from their page; see whom you follow on your "
                    "<a href=\"/account#public\">account</a>.</p>";
        return render_listing(r, c, "Friends", controls, std::move(std::get<Listing>(l)), std::get<Window>(w),
                              "Nothing here yet: follow readers whose libraries are public.");
    });
    router.add(Method::Get, "/u/*", [this](Request& r) {
        auto& c = ctx(r);
        auto w = page_window(r);
        if (auto* bad = std::get_if<BadRequest>(&w)) return html::error_page(c, bad->status, bad->message);
        auto other = r.path_rest.size() <= 64 ? users.find_user(r.path_rest) : std::optional<User>();
        if (!other) return html::error_page(c, 404, "no such user");
        std::string controls;
        if (c.user && c.user->id != other->id) {
            bool following = false;
            for (const auto& f : users.discussions().following(c.user->id)) following = following || f.username == other->username;
            controls += "<form method=\"post\" class=\"inline\" action=\"/follow/" +
                        html::escape(url_encode(other->username)) + "\">" + csrf_field(c) +
                        "<input type=\"hidden\" name=\"action\" value=\"" + (following ? "unfollow" : "follow") +
                        "\"><button type=\"submit\">" + (following ? "unfollow" : "follow") + "</button></form>";
        }
        const std::string title = "Library of " + other->username;
        if (!users.discussions().public_library(other->id)) {
            std::string main = "<h1>" + html::escape(title) + "</h1>" + controls +
                               "<p class=\"notice\">This library is private.</p>";
            return Response::html(200, html::document(html::page_frame(c, title), main));
        }
        std::vector<ListItem> all;
        for (const auto& e : users.library(other->id))
            if (auto p = c.snap->catalog->find(e.paper_id)) all.push_back(list_item(*p));
        return render_listing(r, c, title, controls, window_of(all, std::get<Window>(w)), std::get<Window>(w),
                              "Nothing saved yet.");
    });
}

}  // namespace asp::serve
