#include <asp/serve/server.hpp>

#include <malloc.h>
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <thread>

#include <spdlog/spdlog.h>

#include <asp/serve/auth.hpp>
#include <asp/store/user_store.hpp>
#include <asp/web/server.hpp>

namespace asp::serve {

namespace {

// Re-checks the data directory once a second until stopped.
class Watcher {
public:
    explicit Watcher(SiteData& data) : thread_([this, &data] {
          std::unique_lock lock(mu_);
          while (!cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stop_; })) {
              lock.unlock();
              data.refresh();
              lock.lock();
          }
      }) {}
    ~Watcher() {
        {
            std::lock_guard lock(mu_);
            stop_ = true;
        }
        cv_.notify_all();
        thread_.join();
    }

private:
    std::mutex mu_;
    std::condition_variable cv_;
    bool stop_ = false;
    std::thread thread_;
};

}  // namespace

int run_serve(const ServeParams& params) {
    auto start = std::chrono::steady_clock::now();
    // Signals are taken by sigwait below: block them before any thread starts.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    signal(SIGPIPE, SIG_IGN);
    // Pages are a few hundred KB, allocated and freed per request on every thread. glibc's
    // defaults map each of those afresh and hand freed heap tops straight back, and both
    // unmap paths flush the TLB of every core (measured: ~10% of the CPU on /api/similar).
    // Keep up to a few MB per arena instead.
    mallopt(M_MMAP_THRESHOLD, 4 << 20);
    mallopt(M_TRIM_THRESHOLD, 8 << 20);

    auto secret = load_session_secret(params.secret_file);
    if (!secret) {
        spdlog::warn("no session secret (--secret-file or ASP_SESSION_SECRET): using a random "
                     "one; sessions end at restart and are not shared between instances");
        secret = random_secret();
    }
    auto users = open_user_store(params.users_db, params.data_dir);
    SiteData data(params.data_dir, open_analysis_source(params.data_dir));
    SiteOptions site_options;
    site_options.num_results = params.num_results;
    site_options.login_burst = params.login_burst;
    site_options.mail = params.mail;
    site_options.admins = params.admins;
    site_options.comment_limits.per_minute = params.comments_per_minute;
    site_options.comment_limits.per_day = params.comments_per_day;
    Site site(site_options, params.data_dir, data, *users, *secret);

    web::ServerOptions server_options;
    server_options.bind_address =
        !params.bind_address.empty() ? params.bind_address : (params.prod ? "0.0.0.0" : "127.0.0.1");
    server_options.port = params.port;
    unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    // A few more loops than cores: a password hash blocks its loop for ~100 ms.
    server_options.threads = params.threads ? params.threads : std::max(4u, cores * 2);
    server_options.error_log = !params.prod && spdlog::should_log(spdlog::level::debug);
    for (const auto& spec : params.trusted_proxies) server_options.trusted_proxies.add(spec);
    server_options.connection_limit = params.max_connections;
    server_options.per_address_limit = params.per_address_connections;
    server_options.request_timeout_seconds = params.request_timeout_seconds;
    server_options.finish_own_response = &add_security_headers;
    web::AccessLog access_log;
    if (params.prod)
        access_log = [](const web::Request& r, const web::Response& resp, double ms) {
            // The logger escapes the path (log_escape): it cannot end the line or forge one.
            spdlog::info("{} {} {} {} {} {:.1f}ms", r.client_ip, web::method_name(r.method),
                         r.path, resp.status, resp.content().size(), ms);
        };
    web::HttpServer server(server_options, [&site](web::Request& r) { return site.handle(r); },
                           access_log);
    server.start();
    double startup_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    spdlog::info("serving {} papers on http://{}:{} (started in {:.0f} ms; at most {} "
                 "connections, {} per client address)",
                 data.current()->catalog->size(), server_options.bind_address, server.port(),
                 startup_ms, server.connection_limit(), params.per_address_connections);
    {
        Watcher watcher(data);
        int sig = 0;
        sigwait(&signals, &sig);
        spdlog::info("signal {}: finishing requests in flight", sig);
    }
    server.shutdown(std::chrono::seconds(10));
    spdlog::info("stopped");
    return 0;
}

}  // namespace asp::serve
