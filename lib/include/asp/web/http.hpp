// Request and Response: the plain values serve's handlers read and return. The HTTP server
// (web/server.hpp) fills a Request from the wire and sends the Response back; unit tests build
// them by hand, so every handler is testable without a socket.
//
// Nothing here throws on bad input: malformed query strings, cookies and percent escapes are
// decoded leniently (a bad escape stays as written), and a handler validates what it reads.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <asp/web/url.hpp>

namespace asp::web {

enum class Method { Get, Head, Post, Put, Patch, Delete, Other };

Method parse_method(std::string_view name);
const char* method_name(Method m);

using Fields = std::vector<std::pair<std::string, std::string>>;

struct Request {
    Method method = Method::Get;
    std::string path;       // "/api/similar/2101.00001" (no query string)
    Fields query;           // decoded ?a=b&c=d, in order
    Fields headers;         // names lower-case
    Fields cookies;         // from the Cookie header
    std::string body;
    std::string client_ip;  // "127.0.0.1", "::1"
    // Set by the router: what a "/prefix/*" route matched after its prefix.
    std::string path_rest;
    // For the application: per-request state its handlers share (not owned).
    void* context = nullptr;

    // The first value of a query parameter / header (name lower-case) / cookie.
    std::optional<std::string_view> query_param(std::string_view name) const;
    std::optional<std::string_view> header(std::string_view lower_name) const;
    std::optional<std::string_view> cookie(std::string_view name) const;
    // application/x-www-form-urlencoded body fields.
    Fields form() const;
};

struct Response {
    int status = 200;
    std::string content_type = "text/plain; charset=utf-8";
    std::string body;
    // A body shared with a cache instead of copied into `body` (wins when set).
    std::shared_ptr<const std::string> shared_body;
    Fields headers;  // extra headers ("Set-Cookie" may repeat)
    // Work too slow for an event loop (training a model): when set, the server holds the
    // connection, runs this on its worker thread and sends what it returns instead (the
    // other fields are ignored). See HttpServer.
    std::function<Response()> deferred;

    const std::string& content() const { return shared_body ? *shared_body : body; }
    Response& header(std::string name, std::string value) {
        headers.emplace_back(std::move(name), std::move(value));
        return *this;
    }

    static Response text(int status, std::string body);
    static Response html(int status, std::string body);
    static Response json(int status, std::string body);
    // {"error": message} with the status.
    static Response json_error(int status, std::string_view message);
    // 303 See Other to a local path.
    static Response redirect(std::string location);
    // The answer `work` will make on the server's worker thread.
    static Response defer(std::function<Response()> work);
};

// (Percent-encoding and decoding: asp::url_encode, asp::url_decode in <asp/web/url.hpp>.)
// "a=1&b=x%20y" -> fields.
Fields parse_query_string(std::string_view qs);
// A request target ("/api/search?q=x") into request.path (decoded) and request.query.
void set_target(Request& request, std::string_view target);
// "a=1; b=2" -> fields (values unquoted, not decoded).
Fields parse_cookie_header(std::string_view header);

// A Set-Cookie value. max_age < 0: a session cookie; 0: delete it.
struct CookieOptions {
    bool http_only = true;
    bool secure = false;
    int64_t max_age = -1;
    const char* same_site = "Lax";
};
std::string set_cookie_value(std::string_view name, std::string_view value,
                             const CookieOptions& options);

}  // namespace asp::web
