// serve's JSON API: /api/... (docs/tools/serve.md).
#include <nlohmann/json.hpp>

#include <asp/arxiv/id.hpp>

#include "serve/json_writer.hpp"
#include "serve/site_impl.hpp"

namespace asp::serve {

web::Response json_response(int status, const nlohmann::json& j) {
    return web::Response::json(status, j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

namespace {

using nlohmann::json;
using web::Method;
using web::Request;
using web::Response;

Response error(const BadRequest& bad) { return Response::json_error(bad.status, bad.message); }

std::string arxiv_url(const char* kind, const CatalogPaper& p) {
    return std::string("https://arxiv.org/") + kind + "/" + std::string(p.id) + "v" +
           std::to_string(p.version);
}

// {"username", "password"} from a JSON body; nullopt when it is not that.
std::optional<std::pair<std::string, std::string>> credentials(const Request& r) {
    auto j = json::parse(r.body, nullptr, false);
    if (!j.is_object() || !j.contains("username") || !j.contains("password") ||
        !j["username"].is_string() || !j["password"].is_string())
        return std::nullopt;
    return std::make_pair(j["username"].get<std::string>(), j["password"].get<std::string>());
}

constexpr const char* kBadTagName =
    "a tag name is 1 to 40 letters, digits, spaces, '.', '_' or '-'";

// "<tag>/<paper id>" or "<tag>" of a path rest (tag names hold no '/').
std::pair<std::string_view, std::optional<std::string_view>> split_tag_path(std::string_view rest) {
    auto slash = rest.find('/');
    if (slash == std::string_view::npos) return {rest, std::nullopt};
    return {rest.substr(0, slash), rest.substr(slash + 1)};
}

}  // namespace

template <class ChangeRoute>
void Site::Impl::add_tag_routes(ChangeRoute change_route) {
    router.add(Method::Get, "/api/tags", [this](Request& r) {
        auto& c = ctx(r);
        if (!c.user) return Response::json_error(401, "log in first");
        json tags = json::array();
        for (const auto& t : users.tags(c.user->id)) tags.push_back({{"name", t.name}, {"count", t.count}});
        return json_response(200, {{"tags", tags}});
    });
    // PUT /api/tags/<name>/<id>: tag (and save) a paper.
    change_route(Method::Put, "/api/tags/*", [this](Request& r, RequestContext& c) {
        if (!c.user) return Response::json_error(401, "log in first");
        auto [name, rest] = split_tag_path(r.path_rest);
        if (!valid_tag_name(name)) return Response::json_error(400, kBadTagName);
        if (!rest) return Response::json_error(400, "expected /api/tags/<name>/<paper id>");
        auto id = paper_id_from_path(*rest);
        if (!id) return Response::json_error(400, "not an arXiv id");
        if (!c.snap->catalog->find(*id)) return Response::json_error(404, "no such paper");
        auto outcome = users.tag_paper(c.user->id, name, *id, kMaxTags);
        if (outcome == TagOutcome::TooManyTags)
            return Response::json_error(409, "at most " + std::to_string(kMaxTags) + " tags per user");
        return json_response(200, {{"id", *id}, {"tag", name}, {"changed", outcome == TagOutcome::Changed}});
    });
    // DELETE /api/tags/<name>/<id>: untag; DELETE /api/tags/<name>: delete the tag.
    change_route(Method::Delete, "/api/tags/*", [this](Request& r, RequestContext& c) {
        if (!c.user) return Response::json_error(401, "log in first");
        auto [name, rest] = split_tag_path(r.path_rest);
        if (!valid_tag_name(name)) return Response::json_error(400, kBadTagName);
        if (!rest) {
            if (!users.delete_tag(c.user->id, name)) return Response::json_error(404, "no such tag");
            return json_response(200, {{"tag", name}, {"deleted", true}});
        }
        auto id = paper_id_from_path(*rest);
        if (!id) return Response::json_error(400, "not an arXiv id");
        auto outcome = users.untag_paper(c.user->id, name, *id);
        if (outcome == TagOutcome::NoSuchTag) return Response::json_error(404, "no such tag");
        return json_response(200, {{"id", *id}, {"tag", name}, {"changed", outcome == TagOutcome::Changed}});
    });
    // POST /api/tags/<name>/rename {"to": NEW}
    change_route(Method::Post, "/api/tags/*", [this](Request& r, RequestContext& c) {
        if (!c.user) return Response::json_error(401, "log in first");
        auto [name, rest] = split_tag_path(r.path_rest);
        if (!rest || *rest != "rename") return Response::json_error(404, "not found");
        if (!valid_tag_name(name)) return Response::json_error(400, kBadTagName);
        auto j = json::parse(r.body, nullptr, false);
        if (!j.is_object() || !j.contains("to") || !j["to"].is_string())
            return Response::json_error(400, "expected JSON {\"to\": NEW NAME}");
        std::string to = j["to"].get<std::string>();
        if (!valid_tag_name(to)) return Response::json_error(400, kBadTagName);
        switch (users.rename_tag(c.user->id, name, to)) {
            case TagOutcome::NoSuchTag: return Response::json_error(404, "no such tag");
            case TagOutcome::NameTaken: return Response::json_error(409, "a tag of that name exists");
            case TagOutcome::Changed: return json_response(200, {{"tag", to}, {"from", name}, {"changed", true}});
            default: return json_response(200, {{"tag", to}, {"from", name}, {"changed", false}});
        }
    });

    // "Not interested".
    router.add(Method::Get, "/api/feedback", [this](Request& r) {
        auto& c = ctx(r);
        if (!c.user) return Response::json_error(401, "log in first");
        json list = json::array();
        for (const auto& f : users.feedback(c.user->id))
            list.push_back({{"id", f.paper_id}, {"value", f.value}, {"created_at", f.created_at}});
        return json_response(200, {{"feedback", list}});
    });
    change_route(Method::Put, "/api/feedback/*", [this](Request& r, RequestContext& c) {
        if (!c.user) return Response::json_error(401, "log in first");
        auto id = paper_id_from_path(r.path_rest);
        if (!id) return Response::json_error(400, "not an arXiv id");
        auto j = json::parse(r.body, nullptr, false);
        if (!j.is_object() || !j.contains("value") || !j["value"].is_number_integer() ||
            j["value"].get<int64_t>() != -1)
            return Response::json_error(400, "expected JSON {\"value\": -1} (not interested)");
        if (!c.snap->catalog->find(*id)) return Response::json_error(404, "no such paper");
        bool changed = users.set_feedback(c.user->id, *id, -1);
        return json_response(200, {{"id", *id}, {"value", -1}, {"changed", changed}});
    });
    change_route(Method::Delete, "/api/feedback/*", [this](Request& r, RequestContext& c) {
        if (!c.user) return Response::json_error(401, "log in first");
        auto id = paper_id_from_path(r.path_rest);
        if (!id) return Response::json_error(400, "not an arXiv id");
        bool changed = users.clear_feedback(c.user->id, *id);
        return json_response(200, {{"id", *id}, {"value", 0}, {"changed", changed}});
    });
}

void Site::Impl::add_api_routes() {
    // {"papers": [...], "total": N}, written directly (keys in the order nlohmann::json sorts
    // them, as the API has always answered).
    auto listing_json = [this](RequestContext& c, Listing& l) {
        with_abstracts(*c.snap->catalog, l.items);
        with_comment_counts(c, l.items);
        using json_out::append_number;
        using json_out::append_string;
        std::string out;
        size_t bytes = 64;
        for (const auto& item : l.items) bytes += 400 + item.abstract.size() + item.paper.title.size();
        out.reserve(bytes);
        out += '{';
        if (l.computed) {
            out += "\"computed\":";
            append_string(out, *l.computed);
            out += ',';
        }
        out += "\"papers\":[";
        auto names = [&out](const NameList& list) {
            out += '[';
            bool first = true;
            list.for_each([&](std::string_view name) {
                if (!first) out += ',';
                first = false;
                append_string(out, name);
            });
            out += ']';
        };
        for (size_t i = 0; i < l.items.size(); ++i) {
            const auto& item = l.items[i];
            const auto& p = item.paper;
            std::string stem = file_stem(p.id, p.version);
            if (i) out += ',';
            out += "{\"abs_url\":";
            append_string(out, arxiv_url("abs", p));
            out += ",\"abstract\":";
            append_string(out, item.abstract);
            out += ",\"authors\":";
            names(p.authors);
            out += ",\"categories\":";
            names(p.categories);
            out += ",\"comment_count\":";
            append_number(out, item.comment_count);
            out += ",\"id\":";
            append_string(out, p.id);
            out += ",\"in_library\":";
            out += in_library(c, p.id) ? "true" : "false";
            out += ",\"pdf_url\":";
            append_string(out, arxiv_url("pdf", p));
            out += ",\"published\":";
            append_string(out, p.published);
            if (item.saved_by) {
                out += ",\"saved_by\":[";
                for (size_t k = 0; k < item.saved_by->size(); ++k) {
                    if (k) out += ',';
                    append_string(out, (*item.saved_by)[k]);
                }
                out += ']';
            }
            if (item.score) {
                out += ",\"score\":";
                append_number(out, *item.score);
            }
            if (c.user) {
                out += ",\"tags\":[";
                bool first = true;
                for (const auto& tag : tags_of(c, p.id)) {
                    if (!first) out += ',';
                    first = false;
                    append_string(out, tag);
                }
                out += ']';
            }
            out += ",\"thumb_url\":";
            if (c.snap->thumbs->contains(stem))
                append_string(out, "/thumbs/" + stem + ".jpg");
            else
                out += "null";
            out += ",\"title\":";
            append_string(out, p.title);
            out += ",\"updated\":";
            append_string(out, p.updated);
            out += ",\"version\":";
            append_number(out, int64_t{p.version});
            out += '}';
        }
        out += "],\"total\":";
        append_number(out, static_cast<int64_t>(l.total));
        out += '}';
        return Response::json(200, std::move(out));
    };
    // A GET listing: parse limit/offset, compute, answer. `shared`: the same for every
    // anonymous caller until the snapshot changes (not /api/top: saves change it any time).
    auto list_route = [this, listing_json](std::string path, bool shared, auto compute) {
        router.add(Method::Get, std::move(path), [this, listing_json, shared, compute](Request& r) {
            auto w = api_window(r);
            if (auto* bad = std::get_if<BadRequest>(&w)) return error(*bad);
            auto& c = ctx(r);
            std::string key;
            if (shared && !c.user) {
                key = "api:" + cache_key(r);
                if (auto resp = cached(r, c, key, &Response::json)) return std::move(*resp);
            }
            std::variant<Listing, BadRequest> result = compute(r, c, std::get<Window>(w));
            if (auto* bad = std::get_if<BadRequest>(&result)) return error(*bad);
            auto resp = listing_json(c, std::get<Listing>(result));
            return key.empty() ? resp : remember(r, c, key, std::move(resp));
        });
    };

    list_route("/api/recent", true, [this](Request& r, RequestContext& c, Window w) {
        auto v1 = r.query_param("v1").value_or("");
        return std::variant<Listing, BadRequest>(recent(c, v1 == "1" || v1 == "true", w));
    });
    list_route("/api/top", false, [this](Request& r, RequestContext& c, Window w) {
        auto v1 = r.query_param("v1").value_or("");
        return top(c, r.query_param("time").value_or(kDefaultTopWindow), v1 == "1" || v1 == "true", w);
    });
    list_route("/api/search", true, [this](Request& r, RequestContext& c, Window w) {
        auto v1 = r.query_param("v1").value_or("");
        return search(c, r.query_param("q").value_or(""), r.query_param("time").value_or("all"),
                      v1 == "1" || v1 == "true", w);
    });
    list_route("/api/similar/*", true, [this](Request& r, RequestContext& c, Window w) {
        auto id = paper_id_from_path(r.path_rest);
        if (!id) return std::variant<Listing, BadRequest>(BadRequest{400, "not an arXiv id"});
        return similar(c, *id, w);
    });
    list_route("/api/paper/*", true, [](Request& r, RequestContext& c, Window) {
        auto id = paper_id_from_path(r.path_rest);
        if (!id) return std::variant<Listing, BadRequest>(BadRequest{400, "not an arXiv id"});
        auto p = c.snap->catalog->find(*id);
        if (!p) return std::variant<Listing, BadRequest>(BadRequest{404, "no such paper"});
        return std::variant<Listing, BadRequest>(Listing{{list_item(*p)}, 1, std::nullopt});
    });
    list_route("/api/discussions", false, [this](Request&, RequestContext& c, Window w) {
        return discussions(c, w);
    });
    list_route("/api/hot", false, [this](Request& r, RequestContext& c, Window w) {
        return hot(c, r.query_param("time").value_or("week"), w);
    });
    list_route("/api/friends", false, [this](Request& r, RequestContext& c, Window w) {
        if (!c.user) return std::variant<Listing, BadRequest>(BadRequest{401, "log in first"});
        return friends(c, r.query_param("time").value_or("all"), w);
    });
    list_route("/api/library", false, [this](Request& r, RequestContext& c, Window w) {
        if (!c.user) return std::variant<Listing, BadRequest>(BadRequest{401, "log in first"});
        if (auto tag = r.query_param("tag")) return tagged(c, *tag, w);
        return std::variant<Listing, BadRequest>(library(c, w));
    });
    list_route("/api/recommend", false, [this](Request& r, RequestContext& c, Window w) {
        if (!c.user) return std::variant<Listing, BadRequest>(BadRequest{401, "log in first"});
        auto tag = r.query_param("tag");
        if (tag && tag->empty()) return std::variant<Listing, BadRequest>(BadRequest{400, "empty tag name"});
        auto tags = r.query_param("tags");
        if (tags && tags->empty()) return std::variant<Listing, BadRequest>(BadRequest{400, "empty tags"});
        auto v1 = r.query_param("v1").value_or("");
        return recommend(c, r.query_param("time").value_or(kDefaultTopWindow), tag.value_or(""),
                         tags.value_or(""), v1 == "1" || v1 == "true", w);
    });

    // The caller's whole library as a BibTeX file (a download).
    router.add(Method::Get, "/api/library.bib", [this](Request& r) {
        auto& c = ctx(r);
        if (!c.user) return Response::json_error(401, "log in first");
        Listing all = library(c, Window{0, static_cast<size_t>(-1)});
        Response resp;
        resp.content_type = "text/x-bibtex; charset=utf-8";
        resp.body = bibtex_of(c, all.items);
        resp.header("Content-Disposition", "attachment; filename=\"library.bib\"");
        return resp;
    });

    // State changes: CSRF first.
    auto change_route = [this](Method m, std::string path, auto body) {
        add_change_route(m, std::move(path), std::move(body));
    };
    auto account_route = [this, change_route](std::string path, bool create) {
        change_route(Method::Post, std::move(path), [this, create](Request& r, RequestContext& c) {
            auto creds = credentials(r);
            if (!creds)
                return Response::json_error(400, "expected JSON {\"username\": ..., \"password\": ...}");
            auto result = create ? signup(r, creds->first, creds->second)
                                 : login(r, creds->first, creds->second);
            if (auto* bad = std::get_if<BadRequest>(&result)) {
                auto resp = error(*bad);
                if (bad->status == 429)
                    resp.header("Retry-After", std::to_string(limiter.retry_after(r.client_ip)));
                return resp;
            }
            const auto& user = std::get<User>(result);
            auto resp = json_response(200, {{"username", user.username}});
            resp.header("Set-Cookie", session_cookie(c, user));
            return resp;
        });
    };
    account_route("/api/signup", true);
    account_route("/api/login", false);
    change_route(Method::Post, "/api/logout", [this](Request&, RequestContext& c) {
        if (c.user) users.bump_session_rev(c.user->id);
        auto resp = json_response(200, {{"ok", true}});
        resp.header("Set-Cookie", clear_session_cookie(c));
        return resp;
    });
    auto library_change = [this](bool save) {
        return [this, save](Request& r, RequestContext& c) {
            if (!c.user) return Response::json_error(401, "log in first");
            auto id = paper_id_from_path(r.path_rest);
            if (!id) return Response::json_error(400, "not an arXiv id");
            if (save && !c.snap->catalog->find(*id)) return Response::json_error(404, "no such paper");
            bool changed = save ? users.save_paper(c.user->id, *id) : users.unsave_paper(c.user->id, *id);
            return json_response(200, {{"id", *id}, {"in_library", save}, {"changed", changed}});
        };
    };
    change_route(Method::Put, "/api/library/*", library_change(true));
    change_route(Method::Delete, "/api/library/*", library_change(false));
    add_tag_routes(change_route);

    router.add(Method::Get, "/healthz", [](Request& r) {
        auto& c = ctx(r);
        return json_response(200, {{"status", "ok"},
                                   {"papers", c.snap->catalog->size()},
                                   {"generation", c.snap->generation},
                                   {"index", c.snap->analysis->has_index()}});
    });
}

}  // namespace asp::serve
