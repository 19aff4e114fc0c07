// Site's handlers, called directly (no socket): escaping, CSRF, bad input.
#include <asp/serve/site.hpp>

#include <asp/store/papers_db.hpp>
#include <asp/web/gzip.hpp>

#include "unit/catch_compat.hpp"
#include "unit/test_support.hpp"

using namespace asp;
using namespace asp::serve;

namespace {

struct Fixture {
    test::TempDir tmp;
    DataDir dir{tmp.path()};
    std::unique_ptr<SiteData> data;
    std::unique_ptr<UserStore> users;
    std::unique_ptr<Site> site;

    Fixture() {
        dir.create_layout();
        PapersDb db(dir.papers_db(), OpenMode::ReadWrite);
        Paper p;
        p.id = "2101.00001";
        p.title = "<script>alert(1)</script>";
        p.abstract = "\"><img src=x onerror=alert(2)> javascript:alert(3)";
        p.authors = {"<i>Eve</i>"};
        p.categories = {"cs.DC"};
        p.primary_category = "cs.DC";
        p.published = p.updated = "2021-01-01T00:00:00Z";
        db.upsert(p);
        data = std::make_unique<SiteData>(dir, make_empty_analysis_source());
        users = open_user_store("", dir);
        site = std::make_unique<Site>(SiteOptions{}, dir, *data, *users, std::string(40, 's'));
    }

    web::Response call(web::Method m, std::string path, std::string query = "",
                       web::Fields headers = {}, std::string body = "") {
        web::Request r;
        r.method = m;
        r.path = std::move(path);
        r.query = web::parse_query_string(query);
        r.headers = std::move(headers);
        if (auto c = r.header("cookie")) r.cookies = web::parse_cookie_header(*c);
        r.body = std::move(body);
        r.client_ip = "127.0.0.1";
        return site->handle(r);
    }
};

std::string header_of(const web::Response& r, const std::string& name) {
    for (const auto& [k, v] : r.headers)
        if (k == name) return v;
    return "";
}

}  // namespace

TEST_CASE("hostile titles and abstracts render as text", "[serve]") {
    Fixture f;
    auto r = f.call(web::Method::Get, "/");
    REQUIRE(r.status == 200);
    const auto& page = r.content();
    CHECK(page.find("<script>alert") == std::string::npos);
    CHECK(page.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
    CHECK(page.find("<img src=x") == std::string::npos);
    CHECK(page.find("&quot;&gt;&lt;img src=x onerror=alert(2)&gt;") != std::string::npos);
    CHECK(page.find("href=\"javascript:") == std::string::npos);
    CHECK(page.find("<i>Eve</i>") == std::string::npos);
    CHECK(header_of(r, "Content-Security-Policy").find("script-src 'self'") != std::string::npos);
}

TEST_CASE("state changes without the CSRF token are refused", "[serve]") {
    Fixture f;
    std::string body = R"({"username":"ada","password":"long enough"})";
    CHECK(f.call(web::Method::Post, "/api/signup", "", {}, body).status == 403);
    auto first = f.call(web::Method::Get, "/healthz");
    auto set = header_of(first, "Set-Cookie");
    REQUIRE(set.rfind("csrf=", 0) == 0);
    std::string token = set.substr(5, set.find(';') - 5);
    web::Fields cookie = {{"cookie", "csrf=" + token}};
    CHECK(f.call(web::Method::Post, "/api/signup", "", cookie, body).status == 403);  // no header
    web::Fields wrong = {{"cookie", "csrf=" + token}, {"x-csrf-token", token + "x"}};
    CHECK(f.call(web::Method::Post, "/api/signup", "", wrong, body).status == 403);
    // A token the attacker chose (cookie tossing) is not one serve signed.
    web::Fields tossed = {{"cookie", "csrf=abc"}, {"x-csrf-token", "abc"}};
    CHECK(f.call(web::Method::Post, "/api/signup", "", tossed, body).status == 403);
    web::Fields ok = {{"cookie", "csrf=" + token}, {"x-csrf-token", token}};
    CHECK(f.call(web::Method::Post, "/api/signup", "", ok, body).status == 200);
}

TEST_CASE("bad parameters get 4xx with a JSON error", "[serve]") {
    Fixture f;
    for (const char* q : {"limit=-1", "limit=abc", "offset=99999999999", "limit=0",
                          "offset=1%27%20OR%201=1--"}) {
        auto r = f.call(web::Method::Get, "/api/recent", q);
        CHECK(r.status == 400);
        CHECK(r.content().find("\"error\"") != std::string::npos);
    }
    CHECK(f.call(web::Method::Get, "/api/top", "time=1;DROP TABLE users").status == 400);
    CHECK(f.call(web::Method::Get, "/api/paper/../../etc/passwd").status == 400);
    CHECK(f.call(web::Method::Get, "/api/paper/2101.00001'--").status == 400);
    CHECK(f.call(web::Method::Get, "/api/search", "q=" + std::string(600, 'a')).status == 400);
    CHECK(f.call(web::Method::Get, "/thumbs/../papers.db").status == 404);
    CHECK(f.call(web::Method::Get, "/thumbs/..%2fpapers.db").status == 404);
    CHECK(f.call(web::Method::Get, "/api/recent", "limit=5000").status == 200);  // clamped
    CHECK(f.call(web::Method::Get, "/nope").status == 404);
    CHECK(f.call(web::Method::Get, "/page", "page=0").status == 404);
    CHECK(f.call(web::Method::Get, "/", "page=0").status == 400);
    CHECK(f.call(web::Method::Get, "/", "page=abc").status == 400);
    web::Fields forged = {{"cookie", "session=1.0.99999999999.deadbeef"}};
    CHECK(f.call(web::Method::Get, "/api/library", "", forged).status == 401);
}

TEST_CASE("anonymous cached views are gzipped for clients that accept it", "[serve]") {
    Fixture f;
    for (std::string path : {"/", "/api/recent", "/api/paper/2101.00001"}) {
        CAPTURE(path);
        auto plain = f.call(web::Method::Get, path);
        REQUIRE(plain.status == 200);
        CHECK(header_of(plain, "Content-Encoding").empty());
        CHECK(header_of(plain, "Vary") == "Accept-Encoding");
        for (int twice = 0; twice < 2; ++twice) {  // computed, then from the cache
            auto gz = f.call(web::Method::Get, path, "", {{"accept-encoding", "gzip, br"}});
            REQUIRE(gz.status == 200);
            CHECK(header_of(gz, "Content-Encoding") == "gzip");
            CHECK(gz.content() == web::gzip_compress(plain.content()));
        }
        auto refused = f.call(web::Method::Get, path, "", {{"accept-encoding", "gzip;q=0"}});
        CHECK(header_of(refused, "Content-Encoding").empty());
        CHECK(refused.content() == plain.content());
    }
    // Not cached, so never gzipped: an error.
    auto bad = f.call(web::Method::Get, "/api/recent", "limit=x", {{"accept-encoding", "gzip"}});
    CHECK(bad.status == 400);
    CHECK(header_of(bad, "Content-Encoding").empty());
}
