#include <asp/web/http.hpp>
#include <asp/web/router.hpp>

#include <stdexcept>

#include "unit/catch_compat.hpp"

using namespace asp::web;
using asp::url_decode;

TEST_CASE("query strings and cookies decode leniently", "[web]") {
    auto q = parse_query_string("q=a+b%20c&x=%zz&&empty&v=%E2%9C%93");
    REQUIRE(q.size() == 4);
    CHECK(q[0] == Fields::value_type{"q", "a b c"});
    CHECK(q[1].second == "%zz");  // a bad escape stays as written
    CHECK(q[2] == Fields::value_type{"empty", ""});
    CHECK(q[3].second == "\xE2\x9C\x93");
    CHECK(url_decode("%", false) == "%");
    CHECK(url_decode("a+b%2", true) == "a b%2");
    auto c = parse_cookie_header(" session=abc.def ; csrf=\"x\"; =bad; novalue");
    REQUIRE(c.size() == 2);
    CHECK(c[0] == Fields::value_type{"session", "abc.def"});
    CHECK(c[1] == Fields::value_type{"csrf", "x"});
}

TEST_CASE("Set-Cookie values carry the flags asked for", "[web]") {
    CookieOptions o;
    o.max_age = 0;
    o.secure = true;
    auto v = set_cookie_value("session", "", o);
    CHECK(v == "session=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax");
}

TEST_CASE("the router matches exact and prefix routes, 404s and 405s", "[web]") {
    Router router;
    router.add(Method::Get, "/a", [](Request&) { return Response::text(200, "a"); });
    router.add(Method::Get, "/p/*", [](Request& r) { return Response::text(200, r.path_rest); });
    router.add(Method::Put, "/p/*", [](Request&) { return Response::text(201, "put"); });
    router.add(Method::Get, "/boom", [](Request&) -> Response { throw std::runtime_error("x"); });
    auto go = [&](Method m, std::string path) {
        Request r;
        r.method = m;
        r.path = std::move(path);
        return router.dispatch(r);
    };
    CHECK(go(Method::Get, "/a").body == "a");
    CHECK(go(Method::Head, "/a").status == 200);
    CHECK(go(Method::Get, "/p/cs/0112017").body == "cs/0112017");
    CHECK(go(Method::Put, "/p/x").status == 201);
    CHECK(go(Method::Get, "/p/").status == 404);  // an empty rest does not match
    CHECK(go(Method::Get, "/a/").status == 404);
    auto r = go(Method::Delete, "/p/x");
    CHECK(r.status == 405);
    CHECK(r.content_type == "application/json");
    CHECK(go(Method::Get, "/boom").status == 500);
}
