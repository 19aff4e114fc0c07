#include <asp/web/http.hpp>

#include <nlohmann/json.hpp>

#include <asp/core/strings.hpp>

namespace asp::web {
namespace {

std::optional<std::string_view> first(const Fields& fields, std::string_view name) {
    for (const auto& [k, v] : fields)
        if (k == name) return std::string_view(v);
    return std::nullopt;
}

}  // namespace

Method parse_method(std::string_view name) {
    if (name == "GET") return Method::Get;
    if (name == "HEAD") return Method::Head;
    if (name == "POST") return Method::Post;
    if (name == "PUT") return Method::Put;
    if (name == "PATCH") return Method::Patch;
    if (name == "DELETE") return Method::Delete;
    return Method::Other;
}

const char* method_name(Method m) {
    switch (m) {
        case Method::Get: return "GET";
        case Method::Head: return "HEAD";
        case Method::Post: return "POST";
        case Method::Put: return "PUT";
        case Method::Patch: return "PATCH";
        case Method::Delete: return "DELETE";
        case Method::Other: break;
    }
    return "OTHER";
}

std::optional<std::string_view> Request::query_param(std::string_view name) const {
    return first(query, name);
}
std::optional<std::string_view> Request::header(std::string_view lower_name) const {
    return first(headers, lower_name);
}
std::optional<std::string_view> Request::cookie(std::string_view name) const {
    return first(cookies, name);
}
Fields Request::form() const { return parse_query_string(body); }

namespace {
Response with_body(int status, const char* type, std::string body) {
    Response r;
    r.status = status;
    r.content_type = type;
    r.body = std::move(body);
    return r;
}
}  // namespace

Response Response::text(int status, std::string body) {
    return with_body(status, "text/plain; charset=utf-8", std::move(body));
}
Response Response::html(int status, std::string body) {
    return with_body(status, "text/html; charset=utf-8", std::move(body));
}
Response Response::json(int status, std::string body) {
    return with_body(status, "application/json", std::move(body));
}

Response Response::json_error(int status, std::string_view message) {
    nlohmann::json j = {{"error", std::string(message)}};
    return json(status, j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

Response Response::redirect(std::string location) {
    Response r;
    r.status = 303;
    r.header("Location", std::move(location));
    return r;
}

Response Response::defer(std::function<Response()> work) {
    Response r;
    r.deferred = std::move(work);
    return r;
}

void set_target(Request& request, std::string_view target) {
    size_t q = target.find('?');
    request.path = url_decode(target.substr(0, q), false);
    request.query.clear();
    if (q != std::string_view::npos) request.query = parse_query_string(target.substr(q + 1));
}

Fields parse_query_string(std::string_view qs) {
    Fields out;
    while (!qs.empty()) {
        size_t amp = qs.find('&');
        std::string_view part = qs.substr(0, amp);
        qs = amp == std::string_view::npos ? std::string_view() : qs.substr(amp + 1);
        if (part.empty()) continue;
        size_t eq = part.find('=');
        if (eq == std::string_view::npos)
            out.emplace_back(url_decode(part, true), std::string());
        else
            out.emplace_back(url_decode(part.substr(0, eq), true),
                             url_decode(part.substr(eq + 1), true));
    }
    return out;
}

Fields parse_cookie_header(std::string_view header) {
    Fields out;
    while (!header.empty()) {
        size_t semi = header.find(';');
        std::string_view part = trim(header.substr(0, semi));
        header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
        size_t eq = part.find('=');
        if (eq == std::string_view::npos || eq == 0) continue;
        std::string_view value = trim(part.substr(eq + 1));
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
            value = value.substr(1, value.size() - 2);
        out.emplace_back(std::string(trim(part.substr(0, eq))), std::string(value));
    }
    return out;
}

std::string set_cookie_value(std::string_view name, std::string_view value,
                             const CookieOptions& options) {
    std::string out(name);
    out += '=';
    out += value;
    out += "; Path=/";
    if (options.max_age >= 0) out += "; Max-Age=" + std::to_string(options.max_age);
    if (options.http_only) out += "; HttpOnly";
    if (options.secure) out += "; Secure";
    out += "; SameSite=";
    out += options.same_site;
    return out;
}

}  // namespace asp::web
