// Site: the request pipeline (context, CSRF cookie, security headers) and the computations
// the pages and the API share (listings, accounts).
#include "serve/site_impl.hpp"

#include "serve/bibtex.hpp"
#include "serve/search_query.hpp"

#include <algorithm>
#include <charconv>
#include <ctime>

#include <spdlog/spdlog.h>

#include <asp/arxiv/id.hpp>
#include <asp/core/time.hpp>
#include <asp/web/gzip.hpp>

namespace asp::serve {
namespace {

int64_t now_seconds() { return static_cast<int64_t>(std::time(nullptr)); }

std::optional<size_t> parse_size(std::string_view s, size_t max) {
    if (s.empty() || s.size() > 9) return std::nullopt;
    size_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || v > max) return std::nullopt;
    return v;
}

bool valid_username(std::string_view name) {
    if (name.empty() || name.size() > 32) return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-' || c == '.';
    });
}

constexpr size_t kMaxOffset = 1000000;
constexpr size_t kMaxSearchResults = 1000;

}  // namespace

std::optional<int64_t> time_filter_seconds(std::string_view name) {
    if (name == "day") return 86400;
    if (name == "3days") return 3 * 86400;
    if (name == "week") return 7 * 86400;
    if (name == "month") return 30 * 86400;
    if (name == "year") return 365 * 86400;
    if (name == "all" || name.empty()) return 0;
    return std::nullopt;
}

bool valid_tag_name(std::string_view name) {
    if (name.empty() || name.size() > 40) return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == ' ' || c == '_' || c == '-' || c == '.';
    });
}

std::optional<std::string> paper_id_from_path(std::string_view rest) {
    if (rest.size() > 64) return std::nullopt;
    auto id = parse_arxiv_id(rest);
    if (!id || id->raw.empty()) return std::nullopt;
    return id->raw;
}

Site::Impl::Impl(SiteOptions o, DataDir dir, SiteData& d, UserStore& u, std::string secret)
    : options(o), data_dir(std::move(dir)), data(d), users(u), codec(std::move(secret)),
      hasher(o.max_concurrent_hashes), limiter(o.login_burst, o.login_refill),
      account_limiter(o.account_login_free, o.account_login_delay, o.account_login_max_delay) {
    // The hash of a random password nobody knows (made once with crypto_pwhash_str at the
    // interactive limits): verifying against it costs what a real account costs, and computing
    // it here would add ~0.1-1 s to start-up.
    dummy_hash = "$argon2id$v=19$m=65536,t=2,p=1$Nvfdr10JahxEbrfdom38EA$"
                 "MBg+fCrxzURpKIPJf3lW3vYo1IAmEIcbYm9lJnikrL8";
    add_api_routes();
    add_discussion_routes();
    add_follow_routes();
    add_info_routes();
    add_page_routes();
    add_discussion_pages();
    add_mail_routes();
    add_feed_routes();
}

Site::Site(SiteOptions options, DataDir data_dir, SiteData& data, UserStore& users,
           std::string session_secret)
    : impl_(std::make_unique<Impl>(options, std::move(data_dir), data, users,
                                   std::move(session_secret))) {}
Site::~Site() = default;

web::Response Site::handle(web::Request& request) { return impl_->handle(request); }

web::Response Site::Impl::handle(web::Request& request, bool on_worker) {
    RequestContext c;
    c.on_worker = on_worker;
    c.snap = data.current();
    c.secure = request.header("x-forwarded-proto").value_or("") == "https";
    web::Response response;
    try {
        std::string_view binding;  // the CSRF token is bound to the session once logged in
        if (auto cookie = request.cookie("session")) {
            if (auto claims = codec.decode(*cookie, now_seconds())) {
                auto user = users.find_user_by_id(claims->user_id);
                if (user && user->session_rev == claims->session_rev) {
                    c.user = std::move(user);
                    binding = SessionCodec::session_binding(*cookie);
                }
            }
        }
        if (auto token = request.cookie("csrf"); token && codec.valid_csrf_token(*token, binding)) {
            c.csrf = std::string(*token);
        } else {
            c.csrf = codec.new_csrf_token(binding);
            c.csrf_fresh = true;
        }
        request.context = &c;
        response = router.dispatch(request);
        if (response.status == 404) response = not_found(request, c, std::move(response));
        // A new session (log-in, sign-up, password change) or none (log-out): a new token
        // bound to it, so no token from before carries over.
        for (const auto& [name, value] : response.headers) {
            if (name != "Set-Cookie" || value.rfind("session=", 0) != 0) continue;
            std::string_view session(value);
            session = session.substr(8, session.find(';') - 8);
            c.csrf = codec.new_csrf_token(session.empty() ? "" : SessionCodec::session_binding(session));
            c.csrf_fresh = true;
        }
    } catch (const NeedsWorker&) {
        request.context = nullptr;
        // Asked again on the worker thread, from the start (session, CSRF token): the answer
        // and its headers are made there. Reads only: a GET with no side effect before this.
        return web::Response::defer([this, copy = request]() mutable { return handle(copy, true); });
    } catch (const std::exception& e) {
        spdlog::error("{} {}: {}", web::method_name(request.method), request.path, e.what());
        response = web::Response::json_error(500, "internal error");
    }
    request.context = nullptr;
    if (c.csrf_fresh) {
        web::CookieOptions o;
        o.http_only = false;  // the page's script echoes it in X-CSRF-Token
        o.secure = c.secure;
        o.same_site = "Strict";
        response.header("Set-Cookie", web::set_cookie_value("csrf", c.csrf, o));
    }
    add_security_headers(response);
    return response;
}

void add_security_headers(web::Response& response) {
    response.header("Content-Security-Policy",
                    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
                    "font-src 'self'; "
                    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
                    "base-uri 'none'");
    response.header("X-Content-Type-Options", "nosniff");
    response.header("X-Frame-Options", "DENY");
    response.header("Referrer-Policy", "same-origin");
    response.header("Cross-Origin-Opener-Policy", "same-origin");
    bool has_cache_control = std::any_of(response.headers.begin(), response.headers.end(),
                                         [](const auto& h) { return h.first == "Cache-Control"; });
    if (!has_cache_control) response.header("Cache-Control", "no-store");
}

void with_abstracts(const Catalog& catalog, std::vector<ListItem>& items) {
    std::vector<std::string_view> ids;
    ids.reserve(items.size());
    for (const auto& item : items) ids.push_back(item.paper.id);
    auto details = catalog.details(ids);
    for (size_t i = 0; i < items.size() && i < details.size(); ++i) {
        items[i].abstract = std::move(details[i].abstract);
        items[i].comment = std::move(details[i].comment);
        items[i].journal_ref = std::move(details[i].journal_ref);
        items[i].doi = std::move(details[i].doi);
    }
}

std::string Site::Impl::cache_key(const web::Request& r) {
    // Length-prefixed fields: no query can forge another's key with '&' or '=' in a value.
    std::string key = std::to_string(r.path.size()) + ":" + r.path;
    for (const auto& [k, v] : r.query) {
        key += std::to_string(k.size()) + ":" + k;
        key += std::to_string(v.size()) + ":" + v;
    }
    // A time window moves with the clock: such a view is kept for the hour at most.
    if (auto t = r.query_param("time"); t && *t != "all" && !t->empty())
        key += "@" + std::to_string(now_seconds() / 3600);
    return key;
}

namespace {
web::Response shared_response(web::Response (*make)(int, std::string),
                              std::shared_ptr<const std::string> body, bool gzipped) {
    auto resp = make(200, "");
    resp.shared_body = std::move(body);
    if (gzipped) resp.header("Content-Encoding", "gzip");
    resp.header("Vary", "Accept-Encoding");
    return resp;
}
}  // namespace

std::string Site::Impl::with_discussion_rev(const RequestContext& c, const std::string& key) {
    if (!c.discussion_rev) c.discussion_rev = users.discussions().revision();
    return "d" + std::to_string(*c.discussion_rev) + ":" + key;
}

std::optional<web::Response> Site::Impl::cached(const web::Request& r, const RequestContext& c,
                                                const std::string& plain_key,
                                                web::Response (*make)(int, std::string)) {
    if (c.user) return std::nullopt;
    const std::string key = with_discussion_rev(c, plain_key);
    const bool gzip = web::accepts_gzip(r);
    if (gzip)
        if (auto gz = c.snap->cache.get("gz:" + key)) return shared_response(make, std::move(gz), true);
    auto body = c.snap->cache.get(key);
    if (!body) return std::nullopt;
    if (!gzip) return shared_response(make, std::move(body), false);
    auto gz = std::make_shared<const std::string>(web::gzip_compress(*body));
    c.snap->cache.put("gz:" + key, gz);
    return shared_response(make, std::move(gz), true);
}

web::Response Site::Impl::remember(const web::Request& r, const RequestContext& c,
                                   const std::string& plain_key, web::Response response) {
    if (c.user || response.status != 200 || response.shared_body) return response;
    const std::string key = with_discussion_rev(c, plain_key);
    auto body = std::make_shared<const std::string>(std::move(response.body));
    c.snap->cache.put(key, body);
    response.body.clear();
    response.header("Vary", "Accept-Encoding");
    if (web::accepts_gzip(r)) {
        auto gz = std::make_shared<const std::string>(web::gzip_compress(*body));
        c.snap->cache.put("gz:" + key, gz);
        response.shared_body = std::move(gz);
        response.header("Content-Encoding", "gzip");
    } else {
        response.shared_body = std::move(body);
    }
    return response;
}

bool Site::Impl::in_library(RequestContext& c, std::string_view id) {
    if (!c.user) return false;
    if (!c.library) {
        c.library.emplace();
        for (auto& e : users.library(c.user->id)) c.library->insert(std::move(e.paper_id));
    }
    return c.library->count(std::string(id)) > 0;
}

void Site::Impl::add_change_route(web::Method m, std::string path,
                                  std::function<web::Response(web::Request&, RequestContext&)> body) {
    router.add(m, std::move(path), [this, body = std::move(body)](web::Request& r) {
        auto& c = ctx(r);
        if (!csrf_ok(r, c))
            return web::Response::json_error(403, "missing or wrong CSRF token (send the csrf "
                                                  "cookie's value in X-CSRF-Token)");
        return body(r, c);
    });
}

bool Site::Impl::is_admin(const RequestContext& c) const {
    return c.user && std::find(options.admins.begin(), options.admins.end(), c.user->username) !=
                         options.admins.end();
}

void Site::Impl::with_comment_counts(RequestContext& c, std::vector<ListItem>& items) {
    if (!c.comment_counts) c.comment_counts = users.discussions().comment_counts();
    for (auto& item : items) {
        auto it = c.comment_counts->find(std::string(item.paper.id));
        item.comment_count = it == c.comment_counts->end() ? 0 : it->second;
    }
}

bool Site::Impl::csrf_ok(const web::Request& request, const RequestContext& c) const {
    auto cookie = request.cookie("csrf");
    if (!cookie || c.csrf_fresh) return false;
    std::string sent;
    if (auto h = request.header("x-csrf-token")) {
        sent = std::string(*h);
    } else if (request.header("content-type").value_or("").find(
                   "application/x-www-form-urlencoded") != std::string_view::npos) {
        for (const auto& [k, v] : request.form())
            if (k == "csrf") sent = v;
    }
    return !sent.empty() && constant_time_equal(sent, *cookie);
}

std::string Site::Impl::session_cookie(const RequestContext& c, const User& user) const {
    SessionClaims claims{user.id, user.session_rev, now_seconds() + options.session_seconds};
    web::CookieOptions o;
    o.secure = c.secure;
    o.max_age = options.session_seconds;
    return web::set_cookie_value("session", codec.encode(claims), o);
}

std::string Site::Impl::clear_session_cookie(const RequestContext& c) const {
    web::CookieOptions o;
    o.secure = c.secure;
    o.max_age = 0;
    return web::set_cookie_value("session", "", o);
}

std::variant<Window, BadRequest> Site::Impl::api_window(const web::Request& r) const {
    Window w{0, options.num_results};
    if (auto v = r.query_param("limit")) {
        auto n = parse_size(*v, 1000000);
        if (!n || *n == 0) return BadRequest{400, "limit must be a positive integer"};
        w.limit = std::min(*n, options.num_results);
    }
    if (auto v = r.query_param("offset")) {
        auto n = parse_size(*v, kMaxOffset);
        if (!n) return BadRequest{400, "offset must be an integer from 0 to 1000000"};
        w.offset = *n;
    }
    return w;
}

std::variant<Window, BadRequest> Site::Impl::page_window(const web::Request& r) const {
    Window w{0, options.num_results};
    if (auto v = r.query_param("page")) {
        auto n = parse_size(*v, kMaxOffset / std::max<size_t>(1, options.num_results));
        if (!n || *n == 0) return BadRequest{400, "page must be a positive integer"};
        w.offset = (*n - 1) * options.num_results;
    }
    return w;
}

Listing window_of(const std::vector<ListItem>& all, Window w) {
    Listing out;
    out.total = all.size();
    for (size_t i = w.offset; i < all.size() && i < w.offset + w.limit; ++i)
        out.items.push_back(all[i]);
    return out;
}

namespace {

std::vector<ListItem> resolve(const Catalog& catalog, const std::vector<Scored>& ranked) {
    std::vector<ListItem> out;
    out.reserve(ranked.size());
    for (const auto& s : ranked)
        if (auto p = catalog.find(s.id)) out.push_back(list_item(*p, s.score));
    return out;
}
}  // namespace

Listing Site::Impl::recent(const RequestContext& c, bool only_v1, Window w) const {
    const auto& catalog = *c.snap->catalog;
    const auto& order = catalog.recent(only_v1);
    Listing out;
    out.total = order.size();
    for (size_t i = w.offset; i < order.size() && i < w.offset + w.limit; ++i)
        out.items.push_back(list_item(catalog.at(order[i])));
    return out;
}

std::variant<Listing, BadRequest> Site::Impl::top(const RequestContext& c, std::string_view time,
                                                  bool only_v1, Window w) {
    auto seconds = time_filter_seconds(time);
    if (!seconds) return BadRequest{400, "time must be one of day, 3days, week, month, year, all"};
    const int64_t since = *seconds ? now_seconds() - *seconds : 0;
    const auto& catalog = *c.snap->catalog;
    std::vector<ListItem> all;
    for (auto& [id, n] : users.save_counts("")) {
        auto p = catalog.find(id);
        if (!p || n <= 0 || p->published_at < since || (only_v1 && p->version != 1)) continue;
        all.push_back(list_item(*p, static_cast<double>(n), ScoreKind::Saves));
    }
    std::sort(all.begin(), all.end(), [](const ListItem& a, const ListItem& b) {
        if (*a.score != *b.score) return *a.score > *b.score;
        if (a.paper.published_at != b.paper.published_at)
            return a.paper.published_at > b.paper.published_at;
        return a.paper.id > b.paper.id;
    });
    return window_of(all, w);
}

std::variant<Listing, BadRequest> Site::Impl::search(const RequestContext& c, std::string_view q,
                                                     std::string_view time, bool only_v1,
                                                     Window w) const {
    if (q.size() > kMaxQueryBytes)
        return BadRequest{400, "query too long (at most " + std::to_string(kMaxQueryBytes) + " bytes)"};
    auto seconds = time_filter_seconds(time);
    if (!seconds) return BadRequest{400, "time must be one of day, 3days, week, month, year, all"};
    const auto& catalog = *c.snap->catalog;
    SearchFilter filter{*seconds ? now_seconds() - *seconds : 0, only_v1};
    auto outcome = run_search(catalog, *c.snap->analysis, q, filter);
    if (auto* e = std::get_if<SearchError>(&outcome)) return BadRequest{400, e->message};
    const auto& found = std::get<SearchOutcome>(outcome);
    Listing out;
    out.total = found.hits.size();
    for (size_t i = w.offset; i < found.hits.size() && i < w.offset + w.limit; ++i) {
        std::optional<double> score;
        if (found.ranked) score = found.hits[i].score;
        out.items.push_back(list_item(catalog.at(found.hits[i].position), score, ScoreKind::Relevance));
    }
    return out;
}

std::variant<Listing, BadRequest> Site::Impl::similar(const RequestContext& c,
                                                      std::string_view id, Window w) const {
    if (!c.snap->catalog->find(id)) return BadRequest{404, "no such paper"};
    size_t k = std::min<size_t>(w.offset + w.limit, kMaxSearchResults);
    auto all = resolve(*c.snap->catalog, c.snap->analysis->similar(id, k));
    for (auto& item : all) item.score_kind = ScoreKind::Similarity;
    return window_of(all, w);
}

Listing Site::Impl::library(RequestContext& c, Window w) {
    std::vector<ListItem> all;
    if (c.user) {
        c.library.emplace();
        for (auto& e : users.library(c.user->id)) {
            if (auto p = c.snap->catalog->find(e.paper_id))
                all.push_back(list_item(*p));
            c.library->insert(std::move(e.paper_id));
        }
    }
    return window_of(all, w);
}

std::variant<Listing, BadRequest> Site::Impl::tagged(RequestContext& c, std::string_view tag,
                                                     Window w) {
    if (!valid_tag_name(tag))
        return BadRequest{400, "a tag name is 1 to 40 letters, digits, spaces, '.', '_' or '-'"};
    if (!c.user) return BadRequest{401, "log in first"};
    auto info = users.find_tag(c.user->id, tag);
    if (!info) return BadRequest{404, "no such tag"};
    std::vector<ListItem> all;
    for (const auto& id : users.tag_papers(info->id))
        if (auto p = c.snap->catalog->find(id)) all.push_back(list_item(*p));
    return window_of(all, w);
}

const std::vector<TagInfo>& Site::Impl::user_tags(RequestContext& c) {
    if (!c.tags) c.tags = c.user ? users.tags(c.user->id) : std::vector<TagInfo>{};
    return *c.tags;
}

const std::vector<std::string>& Site::Impl::tags_of(RequestContext& c, std::string_view id) {
    static const std::vector<std::string> none;
    if (!c.user) return none;
    if (!c.paper_tags) {
        c.paper_tags.emplace();
        for (auto& [paper, tag] : users.paper_tags(c.user->id)) (*c.paper_tags)[paper].push_back(std::move(tag));
    }
    auto it = c.paper_tags->find(std::string(id));
    return it == c.paper_tags->end() ? none : it->second;
}

std::variant<Listing, BadRequest> Site::Impl::recommend(RequestContext& c, std::string_view time,
                                                        std::string_view tag, std::string_view tags,
                                                        bool only_v1, Window w) {
    auto seconds = time_filter_seconds(time);
    if (!seconds) return BadRequest{400, "time must be one of day, 3days, week, month, year, all"};
    if (!c.user) return Listing{};
    ModelQuery q;
    q.user_id = c.user->id;
    if (!tag.empty() && !tags.empty()) return BadRequest{400, "give tag or tags, not both"};
    std::vector<std::string_view> names;
    if (!tag.empty()) {
        names.push_back(tag);
    } else if (!tags.empty()) {
        if (tags.size() > 2000) return BadRequest{400, "too many tags"};
        for (size_t start = 0;;) {
            size_t comma = tags.find(',', start);
            names.push_back(tags.substr(start, comma - start));
            if (comma == std::string_view::npos) break;
            start = comma + 1;
        }
    }
    if (names.empty()) {
        for (auto& e : users.library(c.user->id)) q.positives.push_back(std::move(e.paper_id));
    } else {
        std::vector<int64_t> ids;
        for (auto name : names) {
            if (!valid_tag_name(name))
                return BadRequest{400, "a tag name is 1 to 40 letters, digits, spaces, '.', '_' or '-'"};
            auto info = users.find_tag(c.user->id, name);
            if (!info) return BadRequest{404, "no such tag: " + std::string(name)};
            ids.push_back(info->id);
        }
        std::sort(ids.begin(), ids.end());
        ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
        q.cache_key = ids.size() == 1 ? "tag:" : "tags:";
        for (size_t i = 0; i < ids.size(); ++i) {
            q.cache_key += (i ? "," : "") + std::to_string(ids[i]);
            for (auto& id : users.tag_papers(ids[i])) q.positives.push_back(std::move(id));
        }
        q.nightly_tag = ids.size() == 1 ? ids[0] : -1;
    }
    std::unordered_set<std::string> hidden;
    for (auto& f : users.feedback(c.user->id))
        if (f.value < 0) {
            q.not_interested.push_back(f.paper_id);
            hidden.insert(std::move(f.paper_id));
        }
    Listing out;
    if (q.positives.empty()) {  // nothing to learn from
        out.computed = "now";
        return out;
    }
    q.may_train = c.on_worker;
    auto answer = c.snap->analysis->recommend(q);
    if (answer.needs_training) throw NeedsWorker{};
    int64_t since = *seconds ? now_seconds() - *seconds : 0;
    std::vector<ListItem> all;
    for (auto& item : resolve(*c.snap->catalog, answer.ranked))
        if (item.paper.published_at >= since && !(only_v1 && item.paper.version != 1) &&
            !in_library(c, item.paper.id) && !hidden.count(std::string(item.paper.id))) {
            item.score_kind = ScoreKind::Match;
            all.push_back(item);
        }
    out = window_of(all, w);
    out.computed = answer.nightly ? "nightly" : "now";
    return out;
}

std::string Site::Impl::bibtex_of(const RequestContext& c, const std::vector<ListItem>& items) const {
    std::vector<std::string_view> ids;
    for (const auto& item : items) ids.push_back(item.paper.id);
    auto details = c.snap->catalog->details(ids);
    std::unordered_set<std::string> used;
    std::string out;
    for (size_t i = 0; i < items.size(); ++i) {
        const std::string base = bibtex_key(items[i].paper);
        std::string key = base;  // hinton2006reducing, hinton2006reducingb, ...
        for (int n = 1; used.count(key); ++n)
            key = base + (n < 26 ? std::string(1, static_cast<char>('a' + n)) : "_" + std::to_string(n));
        used.insert(key);
        out += bibtex_entry(items[i].paper, i < details.size() ? details[i].doi : "", key);
    }
    return out;
}

std::variant<User, BadRequest> Site::Impl::signup(const web::Request& r, std::string_view username,
                                                  std::string_view password) {
    if (!limiter.allow(r.client_ip))
        return BadRequest{429, "too many attempts; try again in " +
                                   std::to_string(limiter.retry_after(r.client_ip)) + " s"};
    if (!valid_username(username))
        return BadRequest{400, "a username is 1 to 32 letters, digits, '.', '_' or '-'"};
    if (auto problem = password_problem(password)) return BadRequest{400, *problem};
    if (users.find_user(username)) return BadRequest{409, "that username is taken"};
    auto hash = hasher.hash(password);
    if (!hash) return BadRequest{503, "busy; try again in a moment"};
    auto user = users.create_user(username, *hash);
    if (!user) return BadRequest{409, "that username is taken"};
    return *user;
}

std::optional<BadRequest> Site::Impl::check_password(const User& user, std::string_view password) {
    auto [outcome, ok] = hasher.verify(user.password_hash, password);
    if (outcome == HashOutcome::Busy) return BadRequest{503, "busy; try again in a moment"};
    if (!ok) return BadRequest{401, "wrong password"};
    return std::nullopt;
}

std::variant<User, BadRequest> Site::Impl::login(const web::Request& r, std::string_view username,
                                                 std::string_view password) {
    if (!limiter.allow(r.client_ip))
        return BadRequest{429, "too many attempts; try again in " +
                                   std::to_string(limiter.retry_after(r.client_ip)) + " s"};
    // Per account name, known or not (the same answer either way), from every address.
    if (int wait = account_limiter.begin(username); wait > 0)
        return BadRequest{429, "too many attempts at this account; try again in " +
                                   std::to_string(wait) + " s"};
    std::optional<User> user;
    if (valid_username(username) && password.size() <= 1024) user = users.find_user(username);
    // An unknown user costs the same hash as a known one.
    auto [outcome, ok] = hasher.verify(user ? user->password_hash : dummy_hash,
                                       password.size() <= 1024 ? password : "");
    if (outcome == HashOutcome::Busy) return BadRequest{503, "busy; try again in a moment"};
    if (!user || !ok) return BadRequest{401, "wrong username or password"};
    account_limiter.succeeded(username);
    return *user;
}

}  // namespace asp::serve
