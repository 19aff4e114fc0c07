// Private parts of serve's Site shared by its files: the per-request context, paper listings
// (one computation for a page and its JSON twin), and the handlers' declarations.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <variant>
#include <string>
#include <unordered_set>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include <asp/serve/site.hpp>

namespace asp::serve {

// What one request knows about its caller and the data it reads.
struct RequestContext {
    std::shared_ptr<const Snapshot> snap;
    std::optional<User> user;
    std::string csrf;          // the caller's valid csrf cookie, or a fresh one
    bool csrf_fresh = false;   // a fresh token: set the cookie in the response
    bool secure = false;       // reached over HTTPS (X-Forwarded-Proto): Secure cookies
    std::optional<std::unordered_set<std::string>> library;  // loaded on first use
    std::optional<std::map<std::string, std::vector<std::string>>> paper_tags;  // id -> tag names
    std::optional<std::vector<TagInfo>> tags;                                  // by name
    bool on_worker = false;    // running on the server's worker thread: may train a model
    std::optional<std::map<std::string, int64_t>> comment_counts;  // loaded on first use
    mutable std::optional<int64_t> discussion_rev;                 // likewise (page caches)
};

// Thrown by a handler on an event loop whose answer needs slow work (training a model):
// handle() answers with a deferred response that runs the request again on a worker thread.
struct NeedsWorker {};

// What a listing's score means, so a card can say it in words (or not show it).
enum class ScoreKind { None, Saves, Similarity, Match, Relevance, Readers };

struct ListItem {
    CatalogPaper paper;
    std::optional<double> score;
    ScoreKind score_kind = ScoreKind::None;
    std::string abstract;  // set by with_abstracts() for the items a page shows
    std::string comment, journal_ref, doi;  // likewise (empty when arXiv has none)
    int64_t comment_count = -1;  // set by with_comment_counts() (-1: not shown)
    std::optional<std::vector<std::string>> saved_by;  // /friends: followed users who saved it
};

inline ListItem list_item(const CatalogPaper& paper, std::optional<double> score = std::nullopt,
                          ScoreKind kind = ScoreKind::None) {
    ListItem item;
    item.paper = paper;
    item.score = score;
    item.score_kind = kind;
    return item;
}

// Reads the abstracts of these items from papers.db (the catalog does not hold them).
void with_abstracts(const Catalog& catalog, std::vector<ListItem>& items);

struct Listing {
    std::vector<ListItem> items;  // the requested window
    size_t total = 0;             // all matches
    std::optional<std::string> computed;  // recommendations: "now" or "nightly"
};

struct Window {
    size_t offset = 0;
    size_t limit = 0;
};

// The window `w` of `all`, with the total.
Listing window_of(const std::vector<ListItem>& all, Window w);

// A comment posted or changed (empty after a delete).
struct CommentPost {
    Comment comment;
};

// A JSON answer (invalid UTF-8 replaced, never thrown on).
web::Response json_response(int status, const nlohmann::json& j);

// A 4xx answer a handler returns instead of its listing.
struct BadRequest {
    int status = 400;
    std::string message;
};

// Tags: names of 1-40 letters, digits, space, '.', '_', '-'; at most kMaxTags per user.
inline constexpr size_t kMaxTags = 200;
bool valid_tag_name(std::string_view name);

// The longest query search reads (bytes); longer ones are a 400.
inline constexpr size_t kMaxQueryBytes = 500;

// The default window of /top and /recommend, as the original's "top recent".
inline constexpr std::string_view kDefaultTopWindow = "week";

// Seconds of a time filter ("day", "3days", "week", "month", "year", "all" = 0).
std::optional<int64_t> time_filter_seconds(std::string_view name);

struct Site::Impl {
    Impl(SiteOptions options, DataDir data_dir, SiteData& data, UserStore& users,
         std::string secret);

    SiteOptions options;
    DataDir data_dir;
    SiteData& data;
    UserStore& users;
    SessionCodec codec;
    PasswordHasher hasher;
    LoginRateLimiter limiter;
    AccountLoginLimiter account_limiter;
    web::Router router;
    std::string dummy_hash;  // verified when a username is unknown, so timing does not tell

    // `on_worker`: this is the rerun of a request deferred by NeedsWorker.
    web::Response handle(web::Request& request, bool on_worker = false);
    static RequestContext& ctx(web::Request& request) {
        return *static_cast<RequestContext*>(request.context);
    }

    // Caller.
    bool in_library(RequestContext& c, std::string_view id);
    bool csrf_ok(const web::Request& request, const RequestContext& c) const;
    std::string session_cookie(const RequestContext& c, const User& user) const;
    std::string clear_session_cookie(const RequestContext& c) const;

    // Anonymous views are the same for everyone until the snapshot changes: kept in the
    // snapshot's PageCache under a key made of the path and the query (unambiguously), and
    // gzipped once (under "gz:" + key) for clients that accept gzip.
    // Listings show comment counts, so a key also holds the discussions' revision.
    static std::string cache_key(const web::Request& r);
    std::optional<web::Response> cached(const web::Request& r, const RequestContext& c,
                                        const std::string& key,
                                        web::Response (*make)(int, std::string));
    // Shares a 200 response's body with the cache; returns the response (gzipped when the
    // client accepts it).
    web::Response remember(const web::Request& r, const RequestContext& c, const std::string& key,
                           web::Response response);
    std::string with_discussion_rev(const RequestContext& c, const std::string& key);

    // Listings (pages and API share them).
    std::variant<Window, BadRequest> api_window(const web::Request& r) const;
    std::variant<Window, BadRequest> page_window(const web::Request& r) const;
    Listing recent(const RequestContext& c, bool only_v1, Window w) const;
    // Papers published within `time` ranked by how many libraries hold them (ties: newest);
    // papers nobody saved are not listed.
    std::variant<Listing, BadRequest> top(const RequestContext& c, std::string_view time,
                                          bool only_v1, Window w);
    // Field search (search_query.hpp) within a time window of publication, optionally only
    // papers still at v1. A query that cannot be read is a 400 with the reason.
    std::variant<Listing, BadRequest> search(const RequestContext& c, std::string_view q,
                                             std::string_view time, bool only_v1, Window w) const;
    std::variant<Listing, BadRequest> similar(const RequestContext& c, std::string_view id,
                                              Window w) const;
    Listing library(RequestContext& c, Window w);
    // The papers of one tag (newest tagged first): 400 bad name, 404 no such tag.
    std::variant<Listing, BadRequest> tagged(RequestContext& c, std::string_view tag, Window w);
    // `tag` (one) or `tags` (comma-separated, their union) or neither (the whole library).
    std::variant<Listing, BadRequest> recommend(RequestContext& c, std::string_view time,
                                                std::string_view tag, std::string_view tags,
                                                bool only_v1, Window w);
    // The caller's tags of a paper (sorted), and all the caller's tags (loaded once).
    const std::vector<std::string>& tags_of(RequestContext& c, std::string_view id);
    const std::vector<TagInfo>& user_tags(RequestContext& c);

    // Accounts (pages and API share them): nullopt on success, else the failure.
    std::variant<User, BadRequest> signup(const web::Request& r, std::string_view username,
                                          std::string_view password);
    std::variant<User, BadRequest> login(const web::Request& r, std::string_view username,
                                         std::string_view password);
    std::optional<BadRequest> check_password(const User& user, std::string_view password);

    // What the router's plain 404 becomes: a paper's URL ("/2304.09157v2", "/cs/0112017")
    // moves to its similar page; a browser gets the site's HTML 404 page; the API keeps JSON.
    web::Response not_found(const web::Request& r, const RequestContext& c,
                            web::Response router_answer) const;

    // BibTeX entries of these papers (unique keys), read with their DOIs.
    std::string bibtex_of(const RequestContext& c, const std::vector<ListItem>& items) const;

    // A state change: answered 403 unless the request carries the CSRF token.
    void add_change_route(web::Method m, std::string path,
                          std::function<web::Response(web::Request&, RequestContext&)> body);

    // Discussions, follows, hot (site_discuss.cpp, site_discuss_pages.cpp, site_follows.cpp).
    void with_comment_counts(RequestContext& c, std::vector<ListItem>& items);
    bool is_admin(const RequestContext& c) const;
    std::variant<Listing, BadRequest> discussions(RequestContext& c, Window w);
    std::variant<Listing, BadRequest> hot(const RequestContext& c, std::string_view time, Window w);
    // Papers saved by followed users with public libraries, newest save first, with who saved
    // them (ListItem::saved_by).
    std::variant<Listing, BadRequest> friends(RequestContext& c, std::string_view time, Window w);
    // The steps the API and the forms share: a new comment on a paper (`paper_path` as in a
    // URL), and "edit" (arg: the text), "delete", "tag"/"untag" (arg: the tag), "hide"/"unhide"
    // (admins) of a comment. A failure is the API's JSON answer.
    std::variant<CommentPost, web::Response> post_comment(RequestContext& c, std::string_view paper_path,
                                                          std::string_view text);
    std::variant<CommentPost, web::Response> change_comment(RequestContext& c, int64_t cid,
                                                            std::string_view action, std::string_view arg);
    // Follows `username` (or stops): whether it changed, or why not.
    std::variant<bool, BadRequest> change_follow(RequestContext& c, std::string_view username, bool follow);
    std::string account_follow_section(RequestContext& c);  // the account page's public/following
    void add_discussion_routes();
    void add_discussion_pages();
    void add_follow_routes();

    void add_api_routes();
    void add_info_routes();  // /stats, /inspect, /about (site_info.cpp)
    template <class ChangeRoute>
    void add_tag_routes(ChangeRoute change_route);  // tags and feedback (site_api.cpp)
    void add_page_routes();
    // A page of papers: heading, extra controls, the cards (with comment counts), the pager.
    web::Response render_listing(const web::Request& r, RequestContext& c, std::string title,
                                 std::string controls, Listing l, Window w, std::string empty_note,
                                 std::string q = "", bool not_interested = false);

    // E-mail, digests, private feeds (site_mail.cpp, site_feeds.cpp).
    LoginRateLimiter mail_limiter{3, std::chrono::seconds(1200)};  // verification mails per user
    bool mail_configured() const;
    std::string account_json(const User& user);           // GET /api/account
    std::string account_mail_section(RequestContext& c);  // the account page's e-mail controls
    std::optional<BadRequest> change_email(const User& user, std::string_view email);
    std::optional<BadRequest> change_digest(const User& user, std::string_view frequency,
                                            const std::vector<std::string>& tags);
    std::string new_feed_token(const User& user);
    void add_mail_routes();
    void add_feed_routes();
};

// Paper id from a path rest ("2101.00001", "cs/0112017"); nullopt when not an arXiv id.
std::optional<std::string> paper_id_from_path(std::string_view rest);

}  // namespace asp::serve
