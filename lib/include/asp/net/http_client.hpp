// HttpClient: the one door to the network for fetch, download and sync, so tests can put a
// local server (or a scripted fake) behind it. CurlHttpClient is the real one (libcurl).
//
// perform() never throws for network trouble: a transport failure (timeout, reset, refused)
// comes back as a response with `transport_error` set and status 0, so callers can apply
// their retry policy to it like to a 503.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace asp {

struct HttpRequest {
    std::string method = "GET";
    std::string url;
    std::map<std::string, std::string> headers;  // name -> value, sent as given
    std::string body;
    std::chrono::milliseconds connect_timeout{15000};
    // Whole-transfer timeout; 0: none (use low_speed for long downloads instead).
    std::chrono::milliseconds timeout{60000};
    // Abort when slower than low_speed_bytes per second for low_speed_time (0: off).
    long low_speed_bytes = 0;
    std::chrono::seconds low_speed_time{0};
    // When set, the body is streamed here instead of kept in HttpResponse::body; returning
    // false aborts the transfer (reported as a transport error).
    std::function<bool(std::string_view chunk)> on_body;
    // Upper bound on a body kept in memory; larger bodies abort (transport error).
    size_t max_body_bytes = 256u << 20;
};

struct HttpResponse {
    long status = 0;                              // 0 on transport error
    std::map<std::string, std::string> headers;  // lower-cased names
    std::string body;
    bool transport_error = false;
    bool too_large = false;  // the body went over max_body_bytes (transport_error is set too)
    std::string error;  // curl's message on transport error

    std::optional<std::string> header(std::string_view lowercase_name) const;
    bool ok() const { return !transport_error && status >= 200 && status < 300; }
};

class HttpClient {
public:
    virtual ~HttpClient() = default;
    virtual HttpResponse perform(const HttpRequest& request) = 0;
};

// libcurl, one easy handle reused across requests (keep-alive to the same host). Not
// thread-safe: one client per thread.
std::unique_ptr<HttpClient> make_curl_http_client(std::string user_agent);

// The User-Agent every tool sends: "arxiv-sanity-cpp/<version> (+project URL)".
std::string default_user_agent();

}  // namespace asp
