#include <asp/web/server.hpp>

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <thread>

#include <spdlog/spdlog.h>

namespace asp::web {
namespace {

// One request, from its first line to its completion.
struct RequestState {
    Request request;
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
    bool started = false;   // the headers were read (first handler call)
    bool answered = false;  // a response (e.g. 413) was queued before the body ended
    bool too_large = false; // the body passed the limit: dropped, answered with 413
};

std::string client_ip(MHD_Connection* connection) {
    const auto* info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (info == nullptr || info->client_addr == nullptr) return "";
    char buf[INET6_ADDRSTRLEN] = {0};
    const sockaddr* sa = info->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, buf, sizeof buf);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, buf,
                  sizeof buf);
    return buf;
}

MHD_Result collect_header(void* cls, MHD_ValueKind, const char* key, const char* value) {
    auto* fields = static_cast<Fields*>(cls);
    std::string name = key ? key : "";
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    fields->emplace_back(std::move(name), value ? value : "");
    return MHD_YES;
}

void free_body(void* cls) { delete static_cast<std::shared_ptr<const std::string>*>(cls); }

MHD_Result queue(MHD_Connection* connection, Response response) {
    auto* holder = new std::shared_ptr<const std::string>(
        response.shared_body ? std::move(response.shared_body)
                             : std::make_shared<const std::string>(std::move(response.body)));
    const std::string& body = **holder;
    MHD_Response* r = MHD_create_response_from_buffer_with_free_callback_cls(
        body.size(), const_cast<char*>(body.data()), &free_body, holder);
    if (r == nullptr) {
        delete holder;
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, response.content_type.c_str());
    for (const auto& [name, value] : response.headers)
        MHD_add_response_header(r, name.c_str(), value.c_str());
    MHD_Result result = MHD_queue_response(connection, static_cast<unsigned>(response.status), r);
    MHD_destroy_response(r);
    return result;
}

void raise_fd_limit() {
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

}  // namespace

struct HttpServer::Callbacks {
    static MHD_Result answer(HttpServer* server, MHD_Connection* connection,
                             const RequestState& state, Response response) {
        if (server->access_log_) {
            double ms = std::chrono::duration<double, std::milli>(
                            std::chrono::steady_clock::now() - state.start)
                            .count();
            server->access_log_(state.request, response, ms);
        }
        return queue(connection, std::move(response));
    }

    // The raw request target, before libmicrohttpd decodes anything: the start of a request.
    static void* on_uri(void* cls, const char* uri, MHD_Connection*) {
        auto* server = static_cast<HttpServer*>(cls);
        server->in_flight_.fetch_add(1);
        auto* state = new RequestState();
        std::string_view target = uri ? uri : "";
        size_t q = target.find('?');
        state->request.path = url_decode(target.substr(0, q), false);
        if (q != std::string_view::npos) state->request.query = parse_query_string(target.substr(q + 1));
        return state;
    }

    static void on_completed(void* cls, MHD_Connection*, void** con_cls,
                             MHD_RequestTerminationCode) {
        auto* server = static_cast<HttpServer*>(cls);
        if (con_cls && *con_cls) {
            delete static_cast<RequestState*>(*con_cls);
            *con_cls = nullptr;
            server->in_flight_.fetch_sub(1);
        }
    }

    static MHD_Result on_request(void* cls, MHD_Connection* connection, const char*,
                                 const char* method, const char*, const char* upload_data,
                                 size_t* upload_data_size, void** con_cls) {
        auto* server = static_cast<HttpServer*>(cls);
        auto* state = static_cast<RequestState*>(*con_cls);
        if (state == nullptr) return MHD_NO;  // no request line seen: cannot happen
        Request& req = state->request;
        if (!state->started) {
            state->started = true;
            // First call: the headers are complete, the body has not been read.
            req.method = parse_method(method ? method : "");
            MHD_get_connection_values(connection, MHD_HEADER_KIND, &collect_header, &req.headers);
            req.client_ip = client_ip(connection);
            if (const auto& proxies = server->options_.trusted_proxies; !proxies.empty()) {
                std::vector<std::string_view> forwarded;
                for (const auto& [name, value] : req.headers)
                    if (name == "x-forwarded-for") forwarded.emplace_back(value);
                req.client_ip = proxies.client_address(req.client_ip, forwarded);
            }
            if (auto cookie = req.header("cookie")) req.cookies = parse_cookie_header(*cookie);
            if (auto length = req.header("content-length")) {
                unsigned long long n = 0;
                bool ok = !length->empty() && length->size() < 20;
                for (char c : *length) ok = ok && c >= '0' && c <= '9';
                if (ok) n = std::stoull(std::string(*length));
                if (!ok || n > server->options_.max_body_bytes) {
                    state->answered = true;
                    return answer(server, connection, *state,
                                          Response::json_error(413, "request body too large"));
                }
            }
            return MHD_YES;
        }
        if (*upload_data_size > 0) {
            // A streamed (chunked) body over the limit is read and dropped, never kept; the
            // 413 goes out when it ends (libmicrohttpd answers only between requests' parts).
            if (!state->too_large) {
                if (req.body.size() + *upload_data_size > server->options_.max_body_bytes) {
                    state->too_large = true;
                    req.body.clear();
                    req.body.shrink_to_fit();
                } else {
                    req.body.append(upload_data, *upload_data_size);
                }
            }
            *upload_data_size = 0;
            return MHD_YES;
        }
        if (state->answered) return MHD_YES;
        state->answered = true;
        if (state->too_large)
            return answer(server, connection, *state,
                          Response::json_error(413, "request body too large"));
        return answer(server, connection, *state, server->handler_(req));
    }
};


HttpServer::HttpServer(ServerOptions options, Handler handler, AccessLog access_log)
    : options_(std::move(options)), handler_(std::move(handler)),
      access_log_(std::move(access_log)) {}

HttpServer::~HttpServer() { shutdown(std::chrono::milliseconds(0)); }

void HttpServer::start() {
    raise_fd_limit();
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(options_.port);
    if (inet_pton(AF_INET, options_.bind_address.c_str(), &addr.sin_addr) != 1)
        throw std::runtime_error("not an IPv4 address: " + options_.bind_address);
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_TURBO;
    if (options_.error_log) flags |= MHD_USE_ERROR_LOG;
    daemon_ = MHD_start_daemon(
        flags, options_.port, nullptr, nullptr, &Callbacks::on_request, this,
        MHD_OPTION_SOCK_ADDR, reinterpret_cast<const sockaddr*>(&addr),
        MHD_OPTION_THREAD_POOL_SIZE, static_cast<unsigned>(std::max(1u, options_.threads)),
        MHD_OPTION_CONNECTION_LIMIT, options_.connection_limit,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, options_.connection_memory_limit,
        MHD_OPTION_CONNECTION_TIMEOUT, options_.connection_timeout_seconds,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
        MHD_OPTION_URI_LOG_CALLBACK, &Callbacks::on_uri, this,
        MHD_OPTION_NOTIFY_COMPLETED, &Callbacks::on_completed, this,
        MHD_OPTION_END);
    if (daemon_ == nullptr)
        throw std::runtime_error("cannot listen on " + options_.bind_address + ":" +
                                 std::to_string(options_.port) + " (in use?)");
    const auto* info = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT);
    bound_port_ = info ? info->port : options_.port;
}

void HttpServer::shutdown(std::chrono::milliseconds max_wait) {
    if (daemon_ == nullptr) return;
    MHD_socket listen = MHD_quiesce_daemon(daemon_);
    auto deadline = std::chrono::steady_clock::now() + max_wait;
    while (in_flight_.load() > 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    MHD_stop_daemon(daemon_);
    daemon_ = nullptr;
    if (listen != MHD_INVALID_SOCKET) close(listen);
}

}  // namespace asp::web
