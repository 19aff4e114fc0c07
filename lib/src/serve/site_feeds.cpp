// RSS 2.0 feeds (docs/tools/serve.md, "Feeds"): /feeds/recent.xml, /feeds/top.xml,
// /feeds/search.xml?q=..., and a private /feeds/u/<token>/recommend.xml[?tag=NAME]. Each item: title, the
// paper's page on this site, the arXiv link, authors, abstract, categories, date; every text
// escaped. ETag (a hash of the feed) and Last-Modified (the newest item) with 304 answers, so
// a feed reader polling every few minutes costs a hash, not a download.
#include <algorithm>
#include <ctime>

#include <sodium.h>

#include <asp/arxiv/id.hpp>
#include <asp/core/hex.hpp>
#include <asp/core/time.hpp>
#include <asp/mail/message.hpp>
#include <asp/web/html_escape.hpp>
#include <asp/web/url.hpp>

#include "serve/site_impl.hpp"

namespace asp::serve {
namespace {

using web::Method;
using web::Request;
using web::Response;

constexpr size_t kFeedItems = 50;

// An HTTP date (RFC 9110 IMF-fixdate) back to unix seconds; nullopt when not one.
std::optional<int64_t> parse_http_date(std::string_view s) {
    static constexpr std::string_view kMonths = "JanFebMarAprMayJunJulAugSepOctNovDec";
    if (s.size() != 29 || s.substr(25) != " GMT") return std::nullopt;
    const auto month = kMonths.find(s.substr(8, 3));
    if (month == std::string_view::npos || month % 3) return std::nullopt;
    std::string iso = std::string(s.substr(12, 4)) + "-" +
                      (month / 3 + 1 < 10 ? "0" : "") + std::to_string(month / 3 + 1) + "-" +
                      std::string(s.substr(5, 2)) + "T" + std::string(s.substr(17, 8)) + "Z";
    return parse_iso8601(iso);
}

std::string etag_of(std::string_view body) {
    unsigned char h[16];
    crypto_generichash(h, sizeof h, reinterpret_cast<const unsigned char*>(body.data()),
                       body.size(), nullptr, 0);
    return "\"" + to_hex(h, sizeof h) + "\"";
}

// The characters XML 1.0 forbids (C0 controls but TAB, LF, CR) dropped; the feed is already
// cleaned at fetch, this keeps a feed parseable whatever the data holds.
std::string xml_text(std::string_view text) {
    std::string clean;
    clean.reserve(text.size());
    for (char ch : text) {
        auto u = static_cast<unsigned char>(ch);
        if (u < 0x20 && ch != '\t' && ch != '\n' && ch != '\r') continue;
        clean += ch;
    }
    return web::escape_html(clean);
}

bool safe_host(std::string_view host) {
    return !host.empty() && host.size() <= 255 &&
           std::all_of(host.begin(), host.end(), [](char c) {
               return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
           });
}

struct FeedInfo {
    std::string title;
    std::string description;
    std::string self_path;  // path and query of the feed itself
};

}  // namespace

void Site::Impl::add_feed_routes() {
    // The site's address for absolute links: --base-url, else the request's Host (checked).
    auto base_of = [this](const Request& r, const RequestContext& c) -> std::string {
        if (!options.mail.base_url.empty()) return options.mail.base_url;
        auto host = r.header("host");
        std::string h = host && safe_host(*host) ? std::string(*host) : "localhost";
        return std::string(c.secure ? "https://" : "http://") + h;
    };
    auto render = [this, base_of](const Request& r, RequestContext& c, const FeedInfo& info,
                                  Listing listing) {
        with_abstracts(*c.snap->catalog, listing.items);
        const std::string base = base_of(r, c);
        int64_t newest = 0;
        for (const auto& item : listing.items)
            newest = std::max({newest, item.paper.updated_at, item.paper.published_at});
        std::string x;
        x.reserve(2048 + listing.items.size() * 1500);
        x += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
             "<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\" "
             "xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n<channel>\n<title>";
        x += xml_text(info.title) + "</title>\n<link>" + xml_text(base + "/") + "</link>\n";
        x += "<description>" + xml_text(info.description) + "</description>\n";
        x += "<atom:link href=\"" + xml_text(base + info.self_path) +
             "\" rel=\"self\" type=\"application/rss+xml\"/>\n";
        x += "<lastBuildDate>" + mail::format_rfc1123_date(newest, "GMT") + "</lastBuildDate>\n";
        for (const auto& item : listing.items) {
            const CatalogPaper& p = item.paper;
            const std::string ver = std::string(p.id) + "v" + std::to_string(p.version);
            const std::string page = base + "/similar/" + url_encode(p.id, /*keep_slash=*/true);
            const std::string abs = "https://arxiv.org/abs/" + ver;
            std::string authors;
            p.authors.for_each([&](std::string_view a) {
                authors += (authors.empty() ? "" : ", ") + std::string(a);
            });
            x += "<item>\n<title>" + xml_text(p.title) + "</title>\n<link>" + xml_text(page) +
                 "</link>\n<guid isPermaLink=\"false\">arxiv:" + xml_text(ver) + "</guid>\n";
            x += "<dc:creator>" + xml_text(authors) + "</dc:creator>\n";
            p.categories.for_each([&](std::string_view cat) {
                x += "<category>" + xml_text(cat) + "</category>\n";
            });
            x += "<comments>" + xml_text(abs) + "</comments>\n";
            x += "<description>" +
                 xml_text("<p>" + web::escape_html(authors) + "</p><p>" +
                          web::escape_html(item.abstract) + "</p><p><a href=\"" +
                          web::escape_html(abs) + "\">arXiv:" + web::escape_html(ver) + "</a></p>") +
                 "</description>\n";
            x += "<pubDate>" + mail::format_rfc1123_date(p.published_at, "GMT") + "</pubDate>\n</item>\n";
        }
        x += "</channel>\n</rss>\n";

        const std::string etag = etag_of(x);
        const std::string last_modified = mail::format_rfc1123_date(newest, "GMT");
        bool fresh = false;
        if (auto inm = r.header("if-none-match")) {
            fresh = inm->find(etag) != std::string_view::npos || *inm == "*";
        } else if (auto ims = r.header("if-modified-since")) {
            auto since = parse_http_date(*ims);
            fresh = since && newest > 0 && newest <= *since;
        }
        Response resp = Response::text(fresh ? 304 : 200, fresh ? std::string() : std::move(x));
        resp.content_type = "application/rss+xml; charset=utf-8";
        resp.header("ETag", etag);
        resp.header("Last-Modified", last_modified);
        resp.header("Cache-Control", "no-cache");
        return resp;
    };
    auto bad_feed = [](const BadRequest& bad) { return Response::json_error(bad.status, bad.message); };
    const Window window{0, kFeedItems};

    router.add(Method::Get, "/feeds/recent.xml", [this, render, window](Request& r) {
        auto& c = ctx(r);
        return render(r, c, {"arxiv-sanity: recent papers", "The newest papers", "/feeds/recent.xml"},
                      recent(c, false, window));
    });
    router.add(Method::Get, "/feeds/top.xml", [this, render, bad_feed, window](Request& r) {
        auto& c = ctx(r);
        auto l = top(c, "week", false, window);
        if (auto* bad = std::get_if<BadRequest>(&l)) return bad_feed(*bad);
        return render(r, c, {"arxiv-sanity: top papers this week",
                             "The papers of the last week most saved by readers", "/feeds/top.xml"},
                      std::get<Listing>(std::move(l)));
    });
    router.add(Method::Get, "/feeds/search.xml", [this, render, bad_feed, window](Request& r) {
        auto& c = ctx(r);
        const std::string q(r.query_param("q").value_or(""));
        if (q.empty() || q.size() > 500)
            return Response::json_error(400, "q: a search query of 1-500 characters");
        auto l = search(c, q, "all", false, window);
        if (auto* bad = std::get_if<BadRequest>(&l)) return bad_feed(*bad);
        return render(r, c, {"arxiv-sanity: search " + q, "Papers matching " + q,
                             "/feeds/search.xml?q=" + url_encode(q)},
                      std::get<Listing>(std::move(l)));
    });
    router.add(Method::Get, "/feeds/u/*", [this, render, bad_feed, window](Request& r) {
        auto& c = ctx(r);
        const std::string_view rest = r.path_rest;
        constexpr std::string_view kSuffix = "/recommend.xml";
        if (rest.size() != 48 + kSuffix.size() || rest.substr(48) != kSuffix)
            return Response::json_error(404, "no such feed");
        auto user = users.find_user_by_feed_token(rest.substr(0, 48));
        if (!user) return Response::json_error(404, "no such feed");
        RequestContext owner = c;
        owner.user = user;
        owner.library.reset();
        const std::string tag(r.query_param("tag").value_or(""));
        auto l = recommend(owner, "all", tag, "", false, window);
        if (auto* bad = std::get_if<BadRequest>(&l)) return bad_feed(*bad);
        return render(r, owner, {"arxiv-sanity: recommended for " + user->username +
                                     (tag.empty() ? "" : " (" + tag + ")"),
                                 tag.empty() ? "Papers ranked by your library"
                                             : "Papers ranked by your tag " + tag,
                                 "/feeds/u/" + std::string(rest) +
                                     (tag.empty() ? "" : "?tag=" + url_encode(tag))},
                      std::get<Listing>(std::move(l)));
    });
}

}  // namespace asp::serve
