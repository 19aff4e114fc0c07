// HttpServer: serve's HTTP/1.1 server, a thin layer over libmicrohttpd. A small pool of
// threads each runs an epoll loop over many connections, so idle or slow clients hold a
// socket, not a thread. It bounds what a client can cost: a connection limit, a per-connection
// memory limit (request line + headers), an idle timeout, and a body limit (larger bodies get
// 413). Every complete request becomes a web::Request handed to one handler; its
// web::Response is sent back. Malformed HTTP is answered (400) by libmicrohttpd itself.
//
// Against one client holding every connection (slowloris): a cap on the connections of one
// client address (trusted proxies exempt), a deadline for a complete request (head and body:
// `request_timeout_seconds` from the connection's start, or from the request line on a
// kept-alive connection), and, when a worker's connections near its share of the limit, its
// oldest connections that wait for a request are closed first. A connection past its deadline
// or evicted is shut down (the epoll loop then closes it as if the client had).
//
// Framing (RFC 9112 section 6): a request with Transfer-Encoding (any; serve's clients send
// Content-Length), with both Content-Length and Transfer-Encoding, or with two Content-Length
// values gets 400 and the connection is closed without reading its body.
//
// Slow answers (Response::deferred, e.g. training a model for one reader) do not hold an
// event loop: the connection is suspended, the work runs on one of `deferred_workers` threads
// (in arrival order; at most `deferred_queue` wait), and the connection is resumed with its
// answer. Meanwhile the loop serves its other connections.
//
// start() throws std::runtime_error when the address cannot be bound.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <asp/web/forwarded.hpp>
#include <asp/web/http.hpp>

struct MHD_Daemon;

namespace asp::web {

struct ServerOptions {
    std::string bind_address = "127.0.0.1";  // IPv4 address; "0.0.0.0" for all interfaces
    uint16_t port = 5000;                    // 0: any free port (see HttpServer::port())
    unsigned threads = 4;                    // epoll loops
    unsigned connection_limit = 4000;
    unsigned per_address_limit = 64;             // connections of one client address; 0: none
    unsigned request_timeout_seconds = 20;       // a complete request head and body within
    size_t connection_memory_limit = 64 * 1024;  // per connection: request line + headers
    unsigned connection_timeout_seconds = 60;    // idle keep-alive connections are closed after
    size_t max_body_bytes = 64 * 1024;           // larger request bodies get 413
    bool error_log = false;                      // libmicrohttpd's own diagnostics on stderr
    // Peers whose X-Forwarded-For names the client (Request::client_ip); empty: none.
    // They are also exempt from per_address_limit.
    TrustedProxies trusted_proxies;
    // Applied to the responses the server makes itself (413, framing errors, 503), e.g. to
    // add the application's security headers.
    std::function<void(Response&)> finish_own_response;
    // Deferred answers (Response::deferred): the threads that compute them, and how many may
    // wait for one; a request that finds the queue full gets 503 with Retry-After.
    unsigned deferred_workers = 1;
    unsigned deferred_queue = 64;
};

// Why a request's headers (names lower-case) cannot frame its body safely: {400, why} for
// any Transfer-Encoding (with Content-Length, not a lone "chunked", or a lone "chunked": serve
// reads bodies framed by Content-Length only), conflicting or malformed Content-Length;
// {413, why} for a Content-Length over `max_body_bytes`; nullopt when it is fine.
std::optional<std::pair<int, std::string>> framing_error(const Fields& headers,
                                                         size_t max_body_bytes);

// Called after each request with the time it took (for an access log).
using AccessLog = std::function<void(const Request&, const Response&, double milliseconds)>;

class HttpServer {
public:
    using Handler = std::function<Response(Request&)>;

    HttpServer(ServerOptions options, Handler handler, AccessLog access_log = {});
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    void start();
    uint16_t port() const { return bound_port_; }
    // The connection limit in force (lowered at start() when RLIMIT_NOFILE is smaller).
    unsigned connection_limit() const { return options_.connection_limit; }
    // Stops accepting connections, waits (up to `max_wait`) for requests in flight (deferred
    // ones included), answers deferred requests still waiting with 503, then closes every
    // connection. Safe to call twice.
    void shutdown(std::chrono::milliseconds max_wait);

    // Used by the libmicrohttpd callbacks.
    struct Callbacks;
    // The connections' bookkeeping (caps, deadlines, eviction).
    class Guard;
    // The threads that compute deferred answers.
    class Workers;

private:
    ServerOptions options_;
    Handler handler_;
    AccessLog access_log_;
    MHD_Daemon* daemon_ = nullptr;
    uint16_t bound_port_ = 0;
    std::atomic<int> in_flight_{0};
    std::unique_ptr<Guard> guard_;
    std::unique_ptr<Workers> workers_;
};

}  // namespace asp::web
