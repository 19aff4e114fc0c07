// HttpServer: serve's HTTP/1.1 server, a thin layer over libmicrohttpd. A small pool of
// threads each runs an epoll loop over many connections, so idle or slow clients hold a
// socket, not a thread. It bounds what a client can cost: a connection limit, a per-connection
// memory limit (request line + headers), an idle timeout, and a body limit (larger bodies get
// 413). Every complete request becomes a web::Request handed to one handler; its
// web::Response is sent back. Malformed HTTP is answered (400) by libmicrohttpd itself.
//
// start() throws std::runtime_error when the address cannot be bound.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
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
    size_t connection_memory_limit = 64 * 1024;  // per connection: request line + headers
    unsigned connection_timeout_seconds = 60;    // idle keep-alive connections are closed after
    size_t max_body_bytes = 64 * 1024;           // larger request bodies get 413
    bool error_log = false;                      // libmicrohttpd's own diagnostics on stderr
    // Peers whose X-Forwarded-For names the client (Request::client_ip); empty: none.
    TrustedProxies trusted_proxies;
};

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
    // Stops accepting connections, waits (up to `max_wait`) for requests in flight, then
    // closes every connection. Safe to call twice.
    void shutdown(std::chrono::milliseconds max_wait);

    // Used by the libmicrohttpd callbacks.
    struct Callbacks;

private:
    ServerOptions options_;
    Handler handler_;
    AccessLog access_log_;
    MHD_Daemon* daemon_ = nullptr;
    uint16_t bound_port_ = 0;
    std::atomic<int> in_flight_{0};
};

}  // namespace asp::web
