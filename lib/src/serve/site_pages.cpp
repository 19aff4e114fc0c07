// serve's HTML pages (server-rendered; docs/tools/serve.md lists them).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <asp/arxiv/id.hpp>
#include <asp/web/url.hpp>

#include "serve/html.hpp"
#include "serve/site_impl.hpp"

namespace asp::serve {
namespace {

using web::Method;
using web::Request;
using web::Response;

const std::vector<std::pair<std::string, std::string>> kTimeFilters = {
    {"day", "last day"},   {"3days", "last 3 days"}, {"week", "last week"},
    {"month", "last month"}, {"year", "last year"},  {"all", "all time"}};

std::string form_field(const web::Fields& form, std::string_view name) {
    for (const auto& [k, v] : form)
        if (k == name) return v;
    return "";
}

// A local path to return to after a form: only a plain path (and query) of this site, "/" and
// then RFC 3986 path/query characters. Browsers drop TAB/CR/LF from URLs and read "\" as
// "/", so anything else (controls, spaces, "\", "//host", non-ASCII) becomes "/".
std::string safe_next(std::string_view next) {
    static constexpr std::string_view kPlain =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~%!$&'()*+,;=:@/?";
    if (next.empty() || next[0] != '/' || next.size() > 1000 ||
        (next.size() > 1 && next[1] == '/') ||
        next.find_first_not_of(kPlain) != std::string_view::npos)
        return "/";
    return std::string(next);
}

// The request's path and query without `page` (for pager links and "next").
std::string base_without_page(const Request& r) {
    std::string out = r.path;
    char sep = '?';
    for (const auto& [k, v] : r.query) {
        if (k == "page") continue;
        out += sep;
        out += url_encode(k) + "=" + url_encode(v);
        sep = '&';
    }
    return out;
}

enum class Links { Refuse, Follow };

// A regular file's bytes; nullopt when it is missing, empty, not regular, larger than `max`
// or (Links::Refuse) a symbolic link itself.
std::optional<std::string> read_small_file(const std::filesystem::path& path, off_t max,
                                           Links links = Links::Refuse) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | (links == Links::Refuse ? O_NOFOLLOW : 0));
    if (fd < 0) return std::nullopt;
    struct stat st {};
    std::string body;
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size <= max) {
        body.resize(static_cast<size_t>(st.st_size));
        ssize_t got = ::pread(fd, body.data(), body.size(), 0);
        body.resize(got < 0 ? 0 : static_cast<size_t>(got));
    }
    ::close(fd);
    if (body.empty()) return std::nullopt;
    return body;
}

std::string current_url(const Request& r) {
    std::string out = base_without_page(r);
    if (auto p = r.query_param("page"))
        out += (out.find('?') == std::string::npos ? "?page=" : "&page=") + url_encode(*p);
    return out;
}

}  // namespace

web::Response Site::Impl::not_found(const Request& r, const RequestContext& c,
                                    Response router_answer) const {
    // Only the router's own "no such route" answer, not a handler's deliberate 404.
    static const std::string kRouterBody = Response::json_error(404, "not found").body;
    if (router_answer.body != kRouterBody) return router_answer;
    const bool api = r.path.rfind("/api/", 0) == 0;
    if (!api && (r.method == Method::Get || r.method == Method::Head) && r.path.size() > 1) {
        if (auto id = paper_id_from_path(std::string_view(r.path).substr(1)); id && c.snap->catalog->find(*id)) {
            Response resp;
            resp.status = 301;
            resp.header("Location", "/similar/" + *id);
            return resp;
        }
    }
    if (api || r.header("accept").value_or("").find("text/html") == std::string_view::npos)
        return router_answer;
    html::PageFrame f;
    f.title = "not found";
    f.user = c.user ? &*c.user : nullptr;
    f.csrf = c.csrf;
    std::string main = "<h1>Not found</h1><p class=\"error\">There is no page at <code>" +
                       html::escape(r.path.substr(0, 200)) +
                       "</code>.</p><p>Try the <a href=\"/\">most recent papers</a>, "
                       "<a href=\"/top\">top recent</a> or a search above.</p>";
    return Response::html(404, html::document(f, main));
}

html::PageFrame html::page_frame(const RequestContext& c, std::string title, std::string q) {
    html::PageFrame f;
    f.title = std::move(title);
    f.search_query = std::move(q);
    f.user = c.user ? &*c.user : nullptr;
    f.csrf = c.csrf;
    return f;
}

Response html::error_page(const RequestContext& c, int status, std::string_view message) {
    std::string body = "<h1>Sorry</h1><p class=\"error\">" + html::escape(message) + "</p>";
    return Response::html(status, html::document(page_frame(c, "error"), body));
}

Response Site::Impl::render_listing(const Request& r, RequestContext& c, std::string title,
                                    std::string controls, Listing l, Window w,
                                    std::string empty_note, std::string q, bool not_interested) {
    std::string main = "<h1>" + html::escape(title) + "</h1>" + controls;
    if (l.items.empty() && l.total > 0 && w.offset >= l.total) {
        size_t pages = (l.total + options.num_results - 1) / options.num_results;
        main += "<p class=\"notice\">Page " + std::to_string(w.offset / options.num_results + 1) +
                " is past the end: there " + (pages == 1 ? "is 1 page" : "are " + std::to_string(pages) + " pages") +
                ". <a href=\"" + html::escape(base_without_page(r)) + "\">Back to the first page</a>.</p>";
    } else if (l.items.empty()) {
        main += "<p class=\"notice\">" + html::escape(empty_note) + "</p>";
    }
    std::string back = current_url(r);
    with_abstracts(*c.snap->catalog, l.items);
    with_comment_counts(c, l.items);
    for (const auto& item : l.items) {
        const auto& p = item.paper;
        html::CardExtras extras{c.user ? &tags_of(c, p.id) : nullptr, not_interested};
        html::paper_card(main, item, c.snap->thumbs->contains(file_stem(p.id, p.version)),
                         in_library(c, p.id), c.user.has_value(), c.csrf, back, &extras);
    }
    if (c.user && controls.find("id=\"user-tags\"") == std::string::npos) {
        main += "<datalist id=\"user-tags\">";
        for (const auto& t : user_tags(c)) main += "<option value=\"" + html::escape(t.name) + "\">";
        main += "</datalist>";
    }
    html::pager(main, base_without_page(r), w.offset, options.num_results, l.total);
    return Response::html(200, html::document(html::page_frame(c, title, std::move(q)), main));
}

void Site::Impl::add_page_routes() {
    auto frame = [](const RequestContext& c, std::string title, std::string q = "") {
        return html::page_frame(c, std::move(title), std::move(q));
    };
    auto error_page = [](const RequestContext& c, int status, std::string_view message) {
        return html::error_page(c, status, message);
    };
    auto listing_page = [this](auto&&... args) {
        return render_listing(std::forward<decltype(args)>(args)...);
    };
    auto window_or_error = [this, error_page](const Request& r, const RequestContext& c)
        -> std::variant<Window, Response> {
        auto w = page_window(r);
        if (auto* bad = std::get_if<BadRequest>(&w)) return error_page(c, bad->status, bad->message);
        return std::get<Window>(w);
    };

    router.add(Method::Get, "/", [this, listing_page, window_or_error](Request& r) {
        auto& c = ctx(r);
        auto w = window_or_error(r, c);
        if (auto* resp = std::get_if<Response>(&w)) return std::move(*resp);
        bool v1 = r.query_param("v1").value_or("") == "1";
        std::string key = "recent:" + std::string(v1 ? "1:" : "0:") + std::to_string(std::get<Window>(w).offset);
        if (auto resp = cached(r, c, key, &Response::html)) return std::move(*resp);
        std::string controls = "<nav class=\"filters\"><a href=\"/\"";
        controls += v1 ? ">all versions</a><a href=\"/?v1=1\" class=\"on\">only v1</a></nav>"
                       : " class=\"on\">all versions</a><a href=\"/?v1=1\">only v1</a></nav>";
        return remember(r, c, key,
                        listing_page(r, c, "Most recent papers", controls,
                                     recent(c, v1, std::get<Window>(w)), std::get<Window>(w),
                                     "No papers yet: run fetch."));
    });

    // The time and v1 filters of a listing page: links that keep the other filter.
    auto window_controls = [](const std::string& path, const std::string& time, bool v1) {
        std::string controls;
        html::filter_links(controls, path + (v1 ? (path.find('?') == std::string::npos ? "?v1=1" : "&v1=1") : ""),
                           kTimeFilters, "time", time);
        html::v1_links(controls, path + "?time=" + url_encode(time), v1);
        return controls;
    };

    router.add(Method::Get, "/top", [this, listing_page, window_or_error, error_page, window_controls](Request& r) {
        auto& c = ctx(r);
        auto w = window_or_error(r, c);
        if (auto* resp = std::get_if<Response>(&w)) return std::move(*resp);
        std::string time(r.query_param("time").value_or(kDefaultTopWindow));
        bool v1 = r.query_param("v1").value_or("") == "1";
        auto l = top(c, time, v1, std::get<Window>(w));
        if (auto* bad = std::get_if<BadRequest>(&l)) return error_page(c, bad->status, bad->message);
        return listing_page(r, c, "Top recent: most saved", window_controls("/top", time, v1) +
                            "<p class=\"hint\">Papers published in this time, ranked by how many "
                            "libraries hold them.</p>", std::get<Listing>(l),
                            std::get<Window>(w), "No paper published in this time is in anyone's library yet.");
    });

    router.add(Method::Get, "/search", [this, listing_page, window_or_error, frame](Request& r) {
        auto& c = ctx(r);
        auto w = window_or_error(r, c);
        if (auto* resp = std::get_if<Response>(&w)) return std::move(*resp);
        std::string q(r.query_param("q").value_or(""));
        std::string time(r.query_param("time").value_or("all"));
        bool v1 = r.query_param("v1").value_or("") == "1";
        std::string key = "page:" + cache_key(r);
        if (auto resp = cached(r, c, key, &Response::html)) return std::move(*resp);
        auto l = search(c, q, time, v1, std::get<Window>(w));
        if (auto* bad = std::get_if<BadRequest>(&l)) {
            // The search box keeps the query, so it can be mended.
            std::string main = "<h1>Search</h1><p class=\"error\">" + html::escape(bad->message) +
                               "</p>" + html::search_help();
            return Response::html(bad->status, html::document(frame(c, "search", q.substr(0, kMaxQueryBytes)), main));
        }
        std::string base = "/search?q=" + url_encode(q);
        std::string controls;
        html::filter_links(controls, base + (v1 ? "&v1=1" : ""), kTimeFilters, "time", time);
        html::v1_links(controls, base + "&time=" + url_encode(time), v1);
        std::string note = q.empty() ? "Type a query above." : "No paper matches.";
        if (!c.snap->analysis->has_index()) note += " (Free-text search needs analyze's index; field search such as au:name works without it.)";
        std::string main_help = q.empty() ? html::search_help() : "";
        return remember(r, c, key,
                        listing_page(r, c, q.empty() ? "Search" : "Search: " + q, controls + main_help,
                                     std::move(std::get<Listing>(l)), std::get<Window>(w), note, q));
    });

    router.add(Method::Get, "/similar/*", [this, listing_page, window_or_error, error_page](Request& r) {
        auto& c = ctx(r);
        auto w = window_or_error(r, c);
        if (auto* resp = std::get_if<Response>(&w)) return std::move(*resp);
        auto id = paper_id_from_path(r.path_rest);
        if (!id) return error_page(c, 400, "not an arXiv id");
        auto l = similar(c, *id, std::get<Window>(w));
        if (auto* bad = std::get_if<BadRequest>(&l)) return error_page(c, bad->status, bad->message);
        auto p = c.snap->catalog->find(*id);
        if (!p) return error_page(c, 404, "no such paper");
        std::vector<ListItem> origin{list_item(*p)};
        with_abstracts(*c.snap->catalog, origin);
        std::string controls = "<section class=\"origin\">";
        html::paper_card(controls, origin[0], c.snap->thumbs->contains(file_stem(p->id, p->version)),
                         in_library(c, p->id), c.user.has_value(), c.csrf, current_url(r));
        controls += "</section><h1>Similar papers</h1>";
        return listing_page(r, c, "Papers similar to " + std::string(p->id), controls,
                            std::move(std::get<Listing>(l)),
                            std::get<Window>(w),
                            c.snap->analysis->has_index() ? "No similar papers found."
                                                          : "Similar papers appear after analyze runs.");
    });

    router.add(Method::Get, "/library", [this, listing_page, window_or_error, error_page](Request& r) {
        auto& c = ctx(r);
        if (!c.user) return Response::redirect("/login?next=/library");
        auto w = window_or_error(r, c);
        if (auto* resp = std::get_if<Response>(&w)) return std::move(*resp);
        std::string tag(r.query_param("tag").value_or(""));
        std::string controls = "<nav class=\"filters\"><a class=\"export\" href=\"/api/library.bib\" "
                               "download=\"library.bib\">export BibTeX</a></nav>";
        html::tag_picker(controls, "/library", user_tags(c), tag, "all saved");
        if (tag.empty())
            return listing_page(r, c, "Your library", controls, library(c, std::get<Window>(w)),
                                std::get<Window>(w), "Nothing saved yet: press save on a paper.");
        auto l = tagged(c, tag, std::get<Window>(w));
        if (auto* bad = std::get_if<BadRequest>(&l)) return error_page(c, bad->status, bad->message);
        std::string csrf = "<input type=\"hidden\" name=\"csrf\" value=\"" + html::escape(c.csrf) +
                           "\"><input type=\"hidden\" name=\"tag\" value=\"" + html::escape(tag) + "\">";
        controls += "<div class=\"tag-admin\"><a href=\"/recommend?tag=" + html::escape(url_encode(tag)) +
                    "\">recommended for this tag</a><form method=\"post\" action=\"/tag/rename\" "
                    "class=\"inline\">" + csrf +
                    "<input name=\"to\" required maxlength=\"40\" aria-label=\"new name\" "
                    "placeholder=\"new name\"><button type=\"submit\">rename</button></form>"
                    "<form method=\"post\" action=\"/tag/delete\" class=\"inline\">" + csrf +
                    "<button type=\"submit\">delete tag</button></form></div>";
        return listing_page(r, c, "Tag: " + tag, controls, std::get<Listing>(l), std::get<Window>(w),
                            "No paper has this tag.");
    });

    // One paper's BibTeX, as text a reader can copy.
    router.add(Method::Get, "/bibtex/*", [this, error_page](Request& r) {
        auto& c = ctx(r);
        auto id = paper_id_from_path(r.path_rest);
        if (!id) return error_page(c, 400, "not an arXiv id");
        auto p = c.snap->catalog->find(*id);
        if (!p) return error_page(c, 404, "no such paper");
        Response resp;
        resp.content_type = "text/plain; charset=utf-8";
        resp.body = bibtex_of(c, {list_item(*p)});
        return resp;
    });

    router.add(Method::Get, "/recommend", [this, listing_page, window_or_error, error_page, window_controls](Request& r) {
        auto& c = ctx(r);
        if (!c.user) return Response::redirect("/login?next=/recommend");
        auto w = window_or_error(r, c);
        if (auto* resp = std::get_if<Response>(&w)) return std::move(*resp);
        std::string time(r.query_param("time").value_or(kDefaultTopWindow));
        bool v1 = r.query_param("v1").value_or("") == "1";
        std::string tag(r.query_param("tag").value_or(""));
        auto l = recommend(c, time, tag, "", v1, std::get<Window>(w));
        if (auto* bad = std::get_if<BadRequest>(&l)) return error_page(c, bad->status, bad->message);
        const std::string here = tag.empty() ? "/recommend" : "/recommend?tag=" + url_encode(tag);
        std::string controls;
        html::tag_picker(controls, "/recommend?time=" + url_encode(time) + (v1 ? "&v1=1" : ""),
                         user_tags(c), tag, "whole library");
        controls += window_controls(here, time, v1);
        if (auto hidden = r.query_param("hidden"); hidden && paper_id_from_path(*hidden)) {
            auto id = *paper_id_from_path(*hidden);
            controls += "<form method=\"post\" class=\"notice\" action=\"/feedback/" +
                        html::escape(id) + "\"><input type=\"hidden\" name=\"csrf\" value=\"" +
                        html::escape(c.csrf) + "\"><input type=\"hidden\" name=\"action\" value=\"undo\">"
                        "<input type=\"hidden\" name=\"next\" value=\"" + html::escape(here) +
                        "\">Not interested in " + html::escape(id) +
                        ": it will not be recommended again. <button type=\"submit\">undo</button></form>";
        }
        const auto& listing = std::get<Listing>(l);
        controls += "<p class=\"hint\">Ranked by a model of " +
                    (tag.empty() ? std::string("your library") : "the papers tagged " + html::escape(tag)) +
                    " (a linear SVM over the papers' tf-idf): the more bars, the closer a paper is "
                    "to what you saved.";
        if (listing.computed && !listing.items.empty())
            controls += *listing.computed == "now" ? " Computed just now from your latest library."
                                                   : " From the nightly run (nothing changed since).";
        controls += "</p>";
        return listing_page(r, c, tag.empty() ? "Recommended for you" : "Recommended for tag " + tag,
                            controls, listing, std::get<Window>(w),
                            tag.empty() ? "No recommendations yet: save a few papers."
                                        : "No recommendations for this tag yet: tag a few papers.",
                            "", true);
    });

    // Accounts.
    auto account_form = [frame](const RequestContext& c, int status, const std::string& kind,
                                const std::string& message, const std::string& next) {
        bool signup = kind == "signup";
        std::string main = "<h1>" + std::string(signup ? "Sign up" : "Log in") + "</h1>";
        if (!message.empty()) main += "<p class=\"error\">" + html::escape(message) + "</p>";
        main += "<form class=\"account\" method=\"post\" action=\"/" + kind +
                "\"><input type=\"hidden\" name=\"csrf\" value=\"" + html::escape(c.csrf) +
                "\"><input type=\"hidden\" name=\"next\" value=\"" + html::escape(next) +
                "\"><label for=\"username\">username</label><input id=\"username\" "
                "name=\"username\" autocomplete=\"username\" required maxlength=\"32\">"
                "<label for=\"password\">password</label><input id=\"password\" "
                "name=\"password\" type=\"password\" required minlength=\"8\" maxlength=\"1024\" "
                "autocomplete=\"" +
                std::string(signup ? "new-password" : "current-password") +
                "\"><button type=\"submit\">" + (signup ? "sign up" : "log in") + "</button></form>";
        main += signup ? "<p>Have an account? <a href=\"/login\">Log in</a>.</p>"
                       : "<p>No account? <a href=\"/signup\">Sign up</a>.</p>";
        return Response::html(status, html::document(frame(c, signup ? "sign up" : "log in"), main));
    };
    for (std::string kind : {"signup", "login"}) {
        router.add(Method::Get, "/" + kind, [account_form, kind](Request& r) {
            return account_form(ctx(r), 200, kind, "", safe_next(r.query_param("next").value_or("/")));
        });
        router.add(Method::Post, "/" + kind, [this, account_form, kind](Request& r) {
            auto& c = ctx(r);
            auto form = r.form();
            std::string next = safe_next(form_field(form, "next"));
            if (!csrf_ok(r, c))
                return account_form(c, 403, kind, "The form expired; please try again.", next);
            auto result = kind == "signup"
                              ? signup(r, form_field(form, "username"), form_field(form, "password"))
                              : login(r, form_field(form, "username"), form_field(form, "password"));
            if (auto* bad = std::get_if<BadRequest>(&result))
                return account_form(c, bad->status, kind, bad->message, next);
            auto resp = Response::redirect(next);
            resp.header("Set-Cookie", session_cookie(c, std::get<User>(result)));
            return resp;
        });
    }
    router.add(Method::Post, "/logout", [this, error_page](Request& r) {
        auto& c = ctx(r);
        if (!csrf_ok(r, c)) return error_page(c, 403, "The form expired; please try again.");
        if (c.user) users.bump_session_rev(c.user->id);
        auto resp = Response::redirect("/");
        resp.header("Set-Cookie", clear_session_cookie(c));
        return resp;
    });

    auto account_page = [this, frame](RequestContext& c, int status, const std::string& message,
                                      bool ok) {
        std::string main = "<h1>Account: " + html::escape(c.user->username) + "</h1>";
        if (!message.empty())
            main += std::string("<p class=\"") + (ok ? "notice" : "error") + "\">" +
                    html::escape(message) + "</p>";
        main += "<p>Member since " + html::escape(c.user->created_at.substr(0, 10)) + "; " +
                std::to_string(users.library(c.user->id).size()) + " papers saved.</p>";
        main += account_mail_section(c);
        main += account_follow_section(c);
        std::string csrf = "<input type=\"hidden\" name=\"csrf\" value=\"" + html::escape(c.csrf) + "\">";
        main += "<form class=\"account\" method=\"post\" action=\"/account/password\"><h2>Change "
                "password</h2>" + csrf +
                "<label for=\"current\">current password</label><input id=\"current\" "
                "name=\"current\" type=\"password\" required autocomplete=\"current-password\">"
                "<label for=\"new\">new password</label><input id=\"new\" name=\"new\" "
                "type=\"password\" required minlength=\"8\" maxlength=\"1024\" "
                "autocomplete=\"new-password\"><button type=\"submit\">change password</button></form>"
                "<form class=\"account\" method=\"post\" action=\"/account/delete\"><h2>Delete "
                "account</h2><p>Removes your account, your library, your tags and your "
                "\"not interested\" marks. Your comments stay, shown as \"[deleted]\" without "
                "their text.</p>" + csrf +
                "<label for=\"confirm\">password</label><input id=\"confirm\" name=\"password\" "
                "type=\"password\" required autocomplete=\"current-password\">"
                "<button type=\"submit\">delete my account</button></form>";
        return Response::html(status, html::document(frame(c, "account"), main));
    };
    router.add(Method::Get, "/account", [account_page](Request& r) {
        auto& c = ctx(r);
        if (!c.user) return Response::redirect("/login?next=/account");
        return account_page(c, 200, r.query_param("changed") ? "Password changed." : "", true);
    });
    router.add(Method::Post, "/account/password", [this, account_page, error_page](Request& r) {
        auto& c = ctx(r);
        if (!c.user) return Response::redirect("/login?next=/account");
        if (!csrf_ok(r, c)) return error_page(c, 403, "The form expired; please try again.");
        auto form = r.form();
        std::string fresh = form_field(form, "new");
        if (auto problem = password_problem(fresh)) return account_page(c, 400, *problem, false);
        if (auto bad = check_password(*c.user, form_field(form, "current")))
            return account_page(c, bad->status, bad->message, false);
        auto hash = hasher.hash(fresh);
        if (!hash) return account_page(c, 503, "Busy; try again in a moment.", false);
        users.set_password_hash(c.user->id, *hash);
        users.bump_session_rev(c.user->id);  // every other session ends
        auto user = users.find_user_by_id(c.user->id);
        auto resp = Response::redirect("/account?changed=1");
        if (user) resp.header("Set-Cookie", session_cookie(c, *user));
        return resp;
    });
    router.add(Method::Post, "/account/delete", [this, account_page, error_page](Request& r) {
        auto& c = ctx(r);
        if (!c.user) return Response::redirect("/login");
        if (!csrf_ok(r, c)) return error_page(c, 403, "The form expired; please try again.");
        if (auto bad = check_password(*c.user, form_field(r.form(), "password")))
            return account_page(c, bad->status, bad->message, false);
        users.delete_user(c.user->id);
        auto resp = Response::redirect("/");
        resp.header("Set-Cookie", clear_session_cookie(c));
        return resp;
    });

    // A form about one paper (/<prefix>/<paper id>), without script: CSRF, a session and the
    // id checked, then `body` answers.
    auto paper_form = [this, error_page](std::string prefix, auto body) {
        router.add(Method::Post, prefix + "*", [this, error_page, body](Request& r) {
            auto& c = ctx(r);
            if (!csrf_ok(r, c)) return error_page(c, 403, "The form expired; please try again.");
            if (!c.user) return Response::redirect("/login");
            auto id = paper_id_from_path(r.path_rest);
            if (!id) return error_page(c, 400, "not an arXiv id");
            return body(c, *id, r.form());
        });
    };

    // Save / unsave without script.
    paper_form("/library/", [this, error_page](RequestContext& c, const std::string& id, const web::Fields& form) {
        if (form_field(form, "action") == "unsave") {
            users.unsave_paper(c.user->id, id);
        } else {
            if (!c.snap->catalog->find(id)) return error_page(c, 404, "no such paper");
            users.save_paper(c.user->id, id);
        }
        return Response::redirect(safe_next(form_field(form, "next")));
    });

    // Tags and "not interested" without script.
    paper_form("/tag/paper/", [this, error_page](RequestContext& c, const std::string& pid,
                                                 const web::Fields& form) {
        std::string tag = form_field(form, "tag");
        if (!valid_tag_name(tag))
            return error_page(c, 400, "A tag name is 1 to 40 letters, digits, spaces, '.', '_' or '-'.");
        if (form_field(form, "action") == "remove") {
            users.untag_paper(c.user->id, tag, pid);
        } else {
            if (!c.snap->catalog->find(pid)) return error_page(c, 404, "no such paper");
            if (users.tag_paper(c.user->id, tag, pid, kMaxTags) == TagOutcome::TooManyTags)
                return error_page(c, 409, "You have " + std::to_string(kMaxTags) +
                                              " tags, the most there can be; delete one first.");
        }
        return Response::redirect(safe_next(form_field(form, "next")));
    });
    router.add(Method::Post, "/tag/rename", [this, error_page](Request& r) {
        auto& c = ctx(r);
        if (!csrf_ok(r, c)) return error_page(c, 403, "The form expired; please try again.");
        if (!c.user) return Response::redirect("/login");
        auto form = r.form();
        std::string from = form_field(form, "tag"), to = form_field(form, "to");
        if (!valid_tag_name(from) || !valid_tag_name(to))
            return error_page(c, 400, "A tag name is 1 to 40 letters, digits, spaces, '.', '_' or '-'.");
        switch (users.rename_tag(c.user->id, from, to)) {
            case TagOutcome::NoSuchTag: return error_page(c, 404, "no such tag");
            case TagOutcome::NameTaken: return error_page(c, 409, "A tag of that name exists.");
            default: return Response::redirect("/library?tag=" + url_encode(to));
        }
    });
    router.add(Method::Post, "/tag/delete", [this, error_page](Request& r) {
        auto& c = ctx(r);
        if (!csrf_ok(r, c)) return error_page(c, 403, "The form expired; please try again.");
        if (!c.user) return Response::redirect("/login");
        std::string tag = form_field(r.form(), "tag");
        if (!valid_tag_name(tag)) return error_page(c, 400, "not a tag name");
        if (!users.delete_tag(c.user->id, tag)) return error_page(c, 404, "no such tag");
        return Response::redirect("/library");
    });
    paper_form("/feedback/", [this, error_page](RequestContext& c, const std::string& pid,
                                                const web::Fields& form) {
        std::string next = safe_next(form_field(form, "next"));
        if (form_field(form, "action") == "undo") {
            users.clear_feedback(c.user->id, pid);
            return Response::redirect(next);
        }
        if (!c.snap->catalog->find(pid)) return error_page(c, 404, "no such paper");
        users.set_feedback(c.user->id, pid, -1);
        // Back to the page, which offers an undo (one "hidden" at a time).
        if (auto h = next.find("hidden="); h != std::string::npos && h > 0 &&
                                            (next[h - 1] == '?' || next[h - 1] == '&')) {
            auto end = next.find('&', h);
            next.erase(h - 1, end == std::string::npos ? std::string::npos : end - h + 1);
            if (next.find('?') == std::string::npos && next.find('&') != std::string::npos)
                next[next.find('&')] = '?';
        }
        return Response::redirect(next + (next.find('?') == std::string::npos ? "?" : "&") +
                                  "hidden=" + url_encode(pid));
    });

    // Static files and thumbnails.
    auto asset = [](const std::string& body, const char* type) {
        return [&body, type](Request&) {
            Response resp;
            resp.content_type = type;
            resp.shared_body = std::shared_ptr<const std::string>(&body, [](const std::string*) {});
            resp.header("Cache-Control", "public, max-age=3600");
            return resp;
        };
    };
    router.add(Method::Get, "/static/style.css", asset(html::stylesheet(), "text/css; charset=utf-8"));
    router.add(Method::Get, "/static/app.js", asset(html::script(), "text/javascript; charset=utf-8"));
    router.add(Method::Get, "/favicon.ico", [](Request&) {  // no icon; browsers ask anyway
        Response resp;
        resp.status = 204;
        resp.header("Cache-Control", "public, max-age=86400");
        return resp;
    });
    // KaTeX from Debian's libjs-katex (options.katex_dir): the scripts, the stylesheet, fonts.
    router.add(Method::Get, "/static/katex/*", [this](Request& r) {
        const std::string& name = r.path_rest;
        static const std::vector<std::pair<std::string, const char*>> kTypes = {
            {".js", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
            {".woff2", "font/woff2"}, {".woff", "font/woff"}, {".ttf", "font/ttf"}};
        const char* type = nullptr;
        for (const auto& [ext, t] : kTypes)
            if (name.size() > ext.size() && name.compare(name.size() - ext.size(), ext.size(), ext) == 0) {
                type = t;
                break;
            }
        bool ok = type && name.size() <= 80 && name.find("..") == std::string::npos &&
                  (name.find('/') == std::string::npos || name.rfind("fonts/", 0) == 0 ||
                   name.rfind("contrib/", 0) == 0) &&
                  name.find('/') == name.rfind('/');
        for (char ch : name)
            ok = ok && ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                        (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-' || ch == '/');
        if (!ok) return Response::json_error(404, "no such file");
        auto body = read_small_file(std::filesystem::path(options.katex_dir) / name, 4 << 20,
                                    Links::Follow);  // Debian links katex.min.js to katex.js
        if (!body) return Response::json_error(404, "no such file");
        Response resp;
        resp.content_type = type;
        resp.body = std::move(*body);
        resp.header("Cache-Control", "public, max-age=86400");
        return resp;
    });
    router.add(Method::Get, "/thumbs/*", [this](Request& r) {
        // Only "<stem>.jpg" names of files in thumbs/ itself: no "..", no "/", no links.
        const std::string& name = r.path_rest;
        bool ok = name.size() > 4 && name.size() <= 80 && name.compare(name.size() - 4, 4, ".jpg") == 0 &&
                  name.find("..") == std::string::npos && name[0] != '.';
        for (char ch : name)
            ok = ok && ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                        (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-');
        if (!ok) return Response::json_error(404, "not found");
        auto body = read_small_file(data_dir.thumbs_dir() / name, 16 << 20);
        if (!body) return Response::json_error(404, "not found");
        Response resp;
        resp.content_type = "image/jpeg";
        resp.body = std::move(*body);
        resp.header("Cache-Control", "public, max-age=86400");
        return resp;
    });
}

}  // namespace asp::serve
