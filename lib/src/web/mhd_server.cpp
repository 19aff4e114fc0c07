#include <asp/web/server.hpp>

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <unistd.h>

#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <vector>

#include <spdlog/spdlog.h>

#include <asp/core/strings.hpp>

namespace asp::web {

// mhd_own_pages.cpp: headers added to the pages libmicrohttpd makes itself.
void set_own_page_headers(Fields headers);

namespace {

// libmicrohttpd is C and calls our callbacks from its own threads: no exception may unwind
// through it (the process would end). Every callback runs its body through guarded(), which
// logs what was thrown and gives libmicrohttpd `on_error` (MHD_NO: refuse or close).
template <class Result, class Body>
Result guarded(const char* callback, Result on_error, Body&& body) noexcept {
    try {
        return body();
    } catch (const std::exception& e) {
        spdlog::error("libmicrohttpd callback {}: {}", callback, e.what());
    } catch (...) {
        spdlog::error("libmicrohttpd callback {}: unknown exception", callback);
    }
    return on_error;
}

template <class Body>
void guarded_void(const char* callback, Body&& body) noexcept {
    guarded(callback, 0, [&] {
        body();
        return 0;
    });
}

// One request, from its first line to its completion.
struct RequestState {
    Request request;
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
    bool started = false;   // the headers were read (first handler call)
    bool answered = false;  // a response (e.g. 413) was queued before the body ended
    bool too_large = false; // the body passed the limit: dropped, answered with 413
    bool deferred = false;  // suspended while a worker computes `result`
    std::optional<Response> result;  // a worker's answer (set before the connection resumes)
};

std::string address_text(const sockaddr* sa) {
    char buf[INET6_ADDRSTRLEN] = {0};
    if (sa == nullptr) return "";
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, buf, sizeof buf);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, buf,
                  sizeof buf);
    return buf;
}

std::string client_ip(MHD_Connection* connection) {
    const auto* info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    return info ? address_text(info->client_addr) : "";
}

MHD_Result collect_header(void* cls, MHD_ValueKind, const char* key, const char* value) {
    return guarded("collect_header", MHD_NO, [&] {
        auto* fields = static_cast<Fields*>(cls);
        fields->emplace_back(to_lower_ascii(key ? key : ""), value ? value : "");
        return MHD_YES;
    });
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

// libmicrohttpd's diagnostics (with error_log) go to the log like everything else, escaped
// there (they can quote a request).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
void mhd_log(void*, const char* format, va_list args) {
    char buf[2048];
    std::vsnprintf(buf, sizeof buf, format, args);
    std::string_view text(buf);
    while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
    guarded_void("logger", [&] { spdlog::debug("libmicrohttpd: {}", text); });
}
#pragma GCC diagnostic pop

// Raises the soft RLIMIT_NOFILE to the hard one; returns the limit in force.
rlim_t raise_fd_limit() {
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return 1024;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0) getrlimit(RLIMIT_NOFILE, &rl);
    }
    return rl.rlim_cur;
}

}  // namespace

// FramingError: why a request's head cannot frame a body safely (RFC 9112 section 6), or none.
std::optional<std::pair<int, std::string>> framing_error(const Fields& headers,
                                                         size_t max_body_bytes) {
    std::vector<std::string_view> lengths, encodings;
    for (const auto& [name, value] : headers) {
        if (name == "content-length") lengths.emplace_back(value);
        if (name == "transfer-encoding") encodings.emplace_back(value);
    }
    if (!encodings.empty()) {
        if (!lengths.empty())
            return std::pair{400, std::string("Content-Length together with Transfer-Encoding")};
        if (encodings.size() != 1 || to_lower_ascii(trim(encodings[0])) != "chunked")
            return std::pair{400, std::string("unsupported Transfer-Encoding (chunked must be "
                                              "the only and final coding)")};
        // A well-formed lone chunked framing is refused too (issue 15: 400 and close for every
        // framing serve does not read), so libmicrohttpd's chunk parser never sees a body.
        return std::pair{400, std::string("chunked request bodies are not accepted: send the "
                                          "body with Content-Length")};
    }
    std::optional<unsigned long long> length;
    for (std::string_view field : lengths) {
        // A field may itself be a list ("5, 5"): every element must be the same number.
        while (true) {
            size_t comma = field.find(',');
            std::string_view item = trim(field.substr(0, comma));
            bool ok = !item.empty() && item.size() < 20;
            for (char c : item) ok = ok && c >= '0' && c <= '9';
            if (!ok) return std::pair{400, std::string("malformed Content-Length")};
            unsigned long long n = std::stoull(std::string(item));
            if (length && *length != n)
                return std::pair{400, std::string("conflicting Content-Length values")};
            length = n;
            if (comma == std::string_view::npos) break;
            field.remove_prefix(comma + 1);
        }
    }
    if (length && *length > max_body_bytes)
        return std::pair{413, std::string("request body too large")};
    return std::nullopt;
}

// Every connection: its client address, its socket, the worker thread that serves it, and the
// time by which its current request must be complete. The accept policy refuses an address
// over its cap; a reaper thread shuts down connections past their deadline; a worker that
// nears its share of the connection limit shuts down its oldest connections that are waiting
// for a request. Shutting a socket down (not closing it) is safe from any thread: the
// connection's own loop then sees the end of the stream and closes it.
class HttpServer::Guard {
public:
    using Clock = std::chrono::steady_clock;

    Guard(const ServerOptions& o, unsigned worker_limit)
        : options_(o), worker_limit_(std::max(1u, worker_limit)),
          high_water_(std::max(1u, worker_limit_ - std::max(1u, worker_limit_ / 10))),
          reaper_([this] { reap_loop(); }) {}
    ~Guard() {
        {
            std::lock_guard lock(mu_);
            stop_ = true;
        }
        cv_.notify_all();
        reaper_.join();
    }

    bool exempt(const std::string& ip) const {
        return options_.per_address_limit == 0 || options_.trusted_proxies.contains(ip);
    }

    // Accept policy: false when the address already holds its share.
    bool admit(const sockaddr* addr) {
        std::string ip = address_text(addr);
        if (exempt(ip)) return true;
        std::lock_guard lock(mu_);
        auto it = per_address_.find(ip);
        return it == per_address_.end() || it->second < options_.per_address_limit;
    }

    void started(MHD_Connection* connection) {
        std::string ip = client_ip(connection);
        const auto* info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
        int fd = info ? info->connect_fd : -1;
        auto now = Clock::now();
        std::lock_guard lock(mu_);
        Conn& c = conns_[connection];
        c.ip = ip;
        c.fd = fd;
        c.worker = std::this_thread::get_id();
        c.waiting_since = now;
        c.deadline = now + std::chrono::seconds(options_.request_timeout_seconds);
        unsigned& n = per_address_[ip];
        ++n;
        // Several loops accept at once: the policy may let a few over the cap in.
        if (n > options_.per_address_limit && !exempt(ip)) close_locked(c);
        unsigned& active = per_worker_[c.worker];
        ++active;
        if (active >= high_water_) evict_locked(c.worker, active - high_water_ + 1);
    }

    void closed(MHD_Connection* connection) {
        std::lock_guard lock(mu_);
        auto it = conns_.find(connection);
        if (it == conns_.end()) return;
        const Conn& c = it->second;
        if (auto a = per_address_.find(c.ip); a != per_address_.end() && --a->second == 0)
            per_address_.erase(a);
        if (!c.closing) --per_worker_[c.worker];
        conns_.erase(it);
    }

    // A request line arrived: a kept-alive connection's next request gets its full time.
    void request_line(MHD_Connection* connection) {
        std::lock_guard lock(mu_);
        auto it = conns_.find(connection);
        if (it == conns_.end()) return;
        if (it->second.requests > 0)
            it->second.deadline =
                Clock::now() + std::chrono::seconds(options_.request_timeout_seconds);
        it->second.requests++;
    }

    // The request is complete and being answered: no deadline, never evicted.
    void answering(MHD_Connection* connection) {
        std::lock_guard lock(mu_);
        if (auto it = conns_.find(connection); it != conns_.end()) {
            it->second.answering = true;
            it->second.deadline = Clock::time_point::max();
        }
    }

    // The response went out: the connection waits for its next request (idle timeout + the
    // request time at most; libmicrohttpd's idle timeout usually closes it first).
    void answered(MHD_Connection* connection) {
        auto now = Clock::now();
        std::lock_guard lock(mu_);
        if (auto it = conns_.find(connection); it != conns_.end()) {
            it->second.answering = false;
            it->second.waiting_since = now;
            it->second.deadline = now + std::chrono::seconds(options_.connection_timeout_seconds +
                                                             options_.request_timeout_seconds);
        }
    }

private:
    struct Conn {
        std::string ip;
        int fd = -1;
        std::thread::id worker;
        Clock::time_point waiting_since;
        Clock::time_point deadline;
        unsigned requests = 0;
        bool answering = false;
        bool closing = false;
    };

    void close_locked(Conn& c) {
        if (c.closing) return;
        c.closing = true;
        --per_worker_[c.worker];
        if (c.fd >= 0) ::shutdown(c.fd, SHUT_RDWR);
    }

    // Closes the `count` oldest connections of this worker that wait for a request.
    void evict_locked(std::thread::id worker, unsigned count) {
        std::vector<Conn*> idle;
        for (auto& [_, c] : conns_)
            if (c.worker == worker && !c.closing && !c.answering) idle.push_back(&c);
        count = std::min<unsigned>(count, static_cast<unsigned>(idle.size()));
        std::partial_sort(idle.begin(), idle.begin() + count, idle.end(),
                          [](const Conn* a, const Conn* b) {
                              return a->waiting_since < b->waiting_since;
                          });
        for (unsigned i = 0; i < count; ++i) close_locked(*idle[i]);
        evicted_ += count;
    }

    void reap_loop() {
        std::unique_lock lock(mu_);
        while (!cv_.wait_for(lock, std::chrono::milliseconds(250), [this] { return stop_; })) {
            auto now = Clock::now();
            for (auto& [_, c] : conns_)
                if (!c.closing && c.deadline < now) close_locked(c);
        }
    }

    const ServerOptions& options_;
    const unsigned worker_limit_;
    const unsigned high_water_;
    std::mutex mu_;
    std::condition_variable cv_;
    bool stop_ = false;
    std::unordered_map<MHD_Connection*, Conn> conns_;
    std::unordered_map<std::string, unsigned> per_address_;
    std::unordered_map<std::thread::id, unsigned> per_worker_;
    size_t evicted_ = 0;
    std::thread reaper_;
};

// The threads that compute deferred answers. A job is reserved (a place in the queue) before
// its connection is suspended, so a full queue is answered at once, and the connection is
// resumed only after its answer is stored.
class HttpServer::Workers {
public:
    struct Job {
        std::function<Response()> work;
        RequestState* state;
        MHD_Connection* connection;
    };

    Workers(unsigned threads, size_t max_waiting, std::function<void(Response&)> finish)
        : max_waiting_(std::max<size_t>(1, max_waiting)), finish_(std::move(finish)) {
        for (unsigned i = 0; i < std::max(1u, threads); ++i) threads_.emplace_back([this] { loop(); });
    }
    ~Workers() { stop(); }

    // A place in the queue, or false when it is full (or the server is stopping).
    bool reserve() {
        std::lock_guard lock(mu_);
        if (stopping_ || reserved_ + jobs_.size() >= max_waiting_) return false;
        ++reserved_;
        return true;
    }

    // Queues a reserved job (its connection is suspended).
    void push(Job job) {
        {
            std::lock_guard lock(mu_);
            --reserved_;
            if (!stopping_) {
                jobs_.push_back(std::move(job));
                cv_.notify_one();
                return;
            }
        }
        finish(job, cancelled());
    }

    // Lets the running jobs end; the waiting ones are answered 503.
    void stop() {
        std::deque<Job> left;
        {
            std::lock_guard lock(mu_);
            if (stopping_) return;
            stopping_ = true;
            left.swap(jobs_);
        }
        cv_.notify_all();
        for (auto& job : left) finish(job, cancelled());
        for (auto& t : threads_) t.join();
    }

    Response busy() const {
        Response r = Response::json_error(503, "busy: too many answers being computed; try again");
        r.header("Retry-After", "2");
        if (finish_) finish_(r);
        return r;
    }

private:
    Response cancelled() const {
        Response r = Response::json_error(503, "the server is stopping");
        r.header("Connection", "close");
        if (finish_) finish_(r);
        return r;
    }

    static void finish(Job& job, Response response) {
        job.state->result = std::move(response);
        MHD_resume_connection(job.connection);
    }

    void loop() {
        while (true) {
            Job job;
            {
                std::unique_lock lock(mu_);
                cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
                if (jobs_.empty()) return;  // stopping
                job = std::move(jobs_.front());
                jobs_.pop_front();
            }
            Response out;
            try {
                out = job.work();
                out.deferred = nullptr;  // answered now, whatever the work returned
            } catch (const std::exception& e) {
                spdlog::error("{} {}: {}", method_name(job.state->request.method),
                              job.state->request.path, e.what());
                out = Response::json_error(500, "internal error");
                if (finish_) finish_(out);
            } catch (...) {
                out = Response::json_error(500, "internal error");
                if (finish_) finish_(out);
            }
            finish(job, std::move(out));
        }
    }

    const size_t max_waiting_;
    const std::function<void(Response&)> finish_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<Job> jobs_;
    size_t reserved_ = 0;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

struct HttpServer::Callbacks {
    static MHD_Result answer(HttpServer* server, MHD_Connection* connection,
                             const RequestState& state, Response response) {
        if (server->guard_) server->guard_->answering(connection);
        if (server->access_log_) {
            double ms = std::chrono::duration<double, std::milli>(
                            std::chrono::steady_clock::now() - state.start)
                            .count();
            server->access_log_(state.request, response, ms);
        }
        return queue(connection, std::move(response));
    }

    // An answer the server makes itself (413, framing errors): the application's headers are
    // added, and the connection is closed after it (its body, if any, is never read).
    static MHD_Result refuse(HttpServer* server, MHD_Connection* connection,
                             RequestState& state, int status, const std::string& message) {
        state.answered = true;
        Response response = Response::json_error(status, message);
        if (server->options_.finish_own_response) server->options_.finish_own_response(response);
        response.header("Connection", "close");
        return answer(server, connection, state, std::move(response));
    }

    // The raw request target, before libmicrohttpd decodes anything: the start of a request.
    static void* on_uri(void* cls, const char* uri, MHD_Connection* connection) {
        return guarded("on_uri", static_cast<void*>(nullptr), [&] {
            auto* server = static_cast<HttpServer*>(cls);
            auto state = std::make_unique<RequestState>();
            set_target(state->request, uri ? uri : "");
            if (server->guard_) server->guard_->request_line(connection);
            server->in_flight_.fetch_add(1);
            return state.release();
        });
    }

    static void on_completed(void* cls, MHD_Connection* connection, void** con_cls,
                             MHD_RequestTerminationCode) {
        guarded_void("on_completed", [&] {
            auto* server = static_cast<HttpServer*>(cls);
            if (con_cls && *con_cls) {
                delete static_cast<RequestState*>(*con_cls);
                *con_cls = nullptr;
                server->in_flight_.fetch_sub(1);
            }
            if (server->guard_) server->guard_->answered(connection);
        });
    }

    static MHD_Result on_accept(void* cls, const sockaddr* addr, socklen_t) {
        return guarded("on_accept", MHD_NO, [&] {
            auto* server = static_cast<HttpServer*>(cls);
            return server->guard_->admit(addr) ? MHD_YES : MHD_NO;
        });
    }

    static void on_connection(void* cls, MHD_Connection* connection, void**,
                              MHD_ConnectionNotificationCode code) {
        guarded_void("on_connection", [&] {
            auto* server = static_cast<HttpServer*>(cls);
            if (code == MHD_CONNECTION_NOTIFY_STARTED)
                server->guard_->started(connection);
            else
                server->guard_->closed(connection);
        });
    }

    static MHD_Result on_request(void* cls, MHD_Connection* connection, const char*,
                                 const char* method, const char*, const char* upload_data,
                                 size_t* upload_data_size, void** con_cls) {
        return guarded("on_request", MHD_NO, [&] {
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
                if (auto error = framing_error(req.headers, server->options_.max_body_bytes))
                    return refuse(server, connection, *state, error->first, error->second);
                return MHD_YES;
            }
            if (*upload_data_size > 0) {
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
            if (state->deferred) {  // resumed: the worker's answer is ready
                if (state->answered || !state->result) return MHD_YES;
                state->answered = true;
                Response response = std::move(*state->result);
                state->result.reset();
                return answer(server, connection, *state, std::move(response));
            }
            if (state->answered) return MHD_YES;
            if (state->too_large)
                return refuse(server, connection, *state, 413, "request body too large");
            Response response = handle(server, req);
            if (response.deferred) return defer(server, connection, *state, std::move(response.deferred));
            state->answered = true;
            return answer(server, connection, *state, std::move(response));
        });
    }

    // The application's answer; what it throws becomes a 500 (as a deferred answer's would).
    static Response handle(HttpServer* server, Request& req) {
        try {
            return server->handler_(req);
        } catch (const std::exception& e) {
            spdlog::error("{} {}: {}", method_name(req.method), req.path, e.what());
        } catch (...) {
            spdlog::error("{} {}: unknown exception", method_name(req.method), req.path);
        }
        Response r = Response::json_error(500, "internal error");
        if (server->options_.finish_own_response) server->options_.finish_own_response(r);
        return r;
    }

    // Hands the work to a worker and suspends the connection until its answer is stored.
    static MHD_Result defer(HttpServer* server, MHD_Connection* connection, RequestState& state,
                            std::function<Response()> work) {
        if (!server->workers_->reserve()) {
            state.answered = true;
            return answer(server, connection, state, server->workers_->busy());
        }
        state.deferred = true;
        if (server->guard_) server->guard_->answering(connection);  // no request deadline now
        MHD_suspend_connection(connection);
        server->workers_->push({std::move(work), &state, connection});
        return MHD_YES;
    }
};


HttpServer::HttpServer(ServerOptions options, Handler handler, AccessLog access_log)
    : options_(std::move(options)), handler_(std::move(handler)),
      access_log_(std::move(access_log)) {}

HttpServer::~HttpServer() { shutdown(std::chrono::milliseconds(0)); }

void HttpServer::start() {
    // Every connection is a descriptor: keep the limit below what the process may open
    // (data files, the user store and the listening socket need some too).
    rlim_t files = raise_fd_limit();
    if (files < options_.connection_limit + 256) {
        unsigned fit = files > 512 ? static_cast<unsigned>(files - 256) : 256u;
        spdlog::warn("only {} open files allowed (RLIMIT_NOFILE): {} connections instead of {}",
                     files, fit, options_.connection_limit);
        options_.connection_limit = fit;
    }
    const unsigned threads = std::max(1u, options_.threads);
    if (options_.finish_own_response) {
        Response sample;
        options_.finish_own_response(sample);
        set_own_page_headers(sample.headers);
    }
    guard_ = std::make_unique<Guard>(options_, options_.connection_limit / threads);
    workers_ = std::make_unique<Workers>(options_.deferred_workers, options_.deferred_queue,
                                         options_.finish_own_response);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(options_.port);
    if (inet_pton(AF_INET, options_.bind_address.c_str(), &addr.sin_addr) != 1)
        throw std::runtime_error("not an IPv4 address: " + options_.bind_address);
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_TURBO |
                     MHD_ALLOW_SUSPEND_RESUME;
    if (options_.error_log) flags |= MHD_USE_ERROR_LOG;
    daemon_ = MHD_start_daemon(
        flags, options_.port, &Callbacks::on_accept, this, &Callbacks::on_request, this,
        MHD_OPTION_SOCK_ADDR, reinterpret_cast<const sockaddr*>(&addr),
        MHD_OPTION_THREAD_POOL_SIZE, threads,
        MHD_OPTION_CONNECTION_LIMIT, options_.connection_limit,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, options_.connection_memory_limit,
        MHD_OPTION_CONNECTION_TIMEOUT, options_.connection_timeout_seconds,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
        MHD_OPTION_URI_LOG_CALLBACK, &Callbacks::on_uri, this,
        MHD_OPTION_NOTIFY_COMPLETED, &Callbacks::on_completed, this,
        MHD_OPTION_NOTIFY_CONNECTION, &Callbacks::on_connection, this,
        MHD_OPTION_EXTERNAL_LOGGER, &mhd_log, nullptr,
        MHD_OPTION_END);
    if (daemon_ == nullptr) {
        workers_.reset();
        guard_.reset();
        throw std::runtime_error("cannot listen on " + options_.bind_address + ":" +
                                 std::to_string(options_.port) + " (in use?)");
    }
    const auto* info = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT);
    bound_port_ = info ? info->port : options_.port;
}

void HttpServer::shutdown(std::chrono::milliseconds max_wait) {
    if (daemon_ == nullptr) return;
    MHD_socket listen = MHD_quiesce_daemon(daemon_);
    auto deadline = std::chrono::steady_clock::now() + max_wait;
    while (in_flight_.load() > 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    // Deferred requests still waiting are answered 503 (the running ones end), and what was
    // just resumed gets a moment to go out before the daemon stops.
    workers_->stop();
    deadline = std::max(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(500));
    while (in_flight_.load() > 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    MHD_stop_daemon(daemon_);
    workers_.reset();
    daemon_ = nullptr;
    guard_.reset();
    if (listen != MHD_INVALID_SOCKET) close(listen);
}

}  // namespace asp::web
