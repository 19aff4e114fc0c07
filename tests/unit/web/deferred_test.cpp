// HttpServer's deferred answers (Response::deferred): slow work runs on a worker thread while
// the event loop that received the request goes on serving its other connections.
#include <asp/web/server.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>

#include "unit/catch_compat.hpp"

using namespace asp::web;
using namespace std::chrono_literals;

namespace {

// One GET on a new connection; returns the whole response ("" on a connection error).
std::string get(uint16_t port, const std::string& path) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return "";
    }
    timeval tv{20, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string req = "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    (void)!::write(fd, req.data(), req.size());
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
    ::close(fd);
    return out;
}

double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

TEST_CASE("a deferred answer does not hold its event loop", "[web]") {
    std::atomic<int> slow_runs{0};
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    ServerOptions o;
    o.port = 0;
    o.threads = 1;  // one event loop: a blocking handler would stall every other request
    o.deferred_workers = 1;
    o.deferred_queue = 2;
    o.finish_own_response = [](Response& r) { r.header("X-Own", "yes"); };
    HttpServer server(o, [&](Request& r) {
        if (r.path == "/slow")
            return Response::defer([&, id = std::string(r.query_param("id").value_or(""))] {
                ++slow_runs;
                released.wait();
                return Response::text(200, "slow " + id).header("X-Worker", "1");
            });
        if (r.path == "/throws") return Response::defer([]() -> Response { throw std::runtime_error("boom"); });
        return Response::text(200, "fast");
    });
    server.start();
    const uint16_t port = server.port();

    auto first = std::async(std::launch::async, [&] { return get(port, "/slow?id=1"); });
    while (slow_runs.load() == 0) std::this_thread::sleep_for(1ms);  // the worker holds it
    // The loop answers others meanwhile.
    auto t0 = std::chrono::steady_clock::now();
    std::string fast = get(port, "/fast");
    CHECK(fast.find("200 OK") != std::string::npos);
    CHECK(fast.find("fast") != std::string::npos);
    CHECK(seconds_since(t0) < 5.0);
    // Two may wait behind the running one; a third finds the queue full: 503 + Retry-After
    // with the application's headers, at once.
    auto second = std::async(std::launch::async, [&] { return get(port, "/slow?id=2"); });
    auto third = std::async(std::launch::async, [&] { return get(port, "/slow?id=3"); });
    std::this_thread::sleep_for(300ms);
    std::string busy = get(port, "/slow?id=4");
    CHECK(busy.find("503") != std::string::npos);
    CHECK(busy.find("Retry-After: 2") != std::string::npos);
    CHECK(busy.find("X-Own: yes") != std::string::npos);

    release.set_value();
    std::string a = first.get();
    CHECK(a.find("200 OK") != std::string::npos);
    CHECK(a.find("X-Worker: 1") != std::string::npos);
    CHECK(a.find("slow 1") != std::string::npos);
    CHECK(second.get().find("slow 2") != std::string::npos);
    CHECK(third.get().find("slow 3") != std::string::npos);
    CHECK(slow_runs.load() == 3);

    // A worker that throws answers 500 with the application's headers; the server goes on.
    std::string failed = get(port, "/throws");
    CHECK(failed.find("500") != std::string::npos);
    CHECK(failed.find("X-Own: yes") != std::string::npos);
    CHECK(get(port, "/fast").find("fast") != std::string::npos);
    server.shutdown(1000ms);
}

TEST_CASE("shutdown answers deferred requests still waiting", "[web]") {
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    std::atomic<int> started{0};
    ServerOptions o;
    o.port = 0;
    o.threads = 1;
    o.deferred_workers = 1;
    HttpServer server(o, [&](Request&) {
        return Response::defer([&] {
            ++started;
            released.wait();
            return Response::text(200, "done");
        });
    });
    server.start();
    const uint16_t port = server.port();
    auto running = std::async(std::launch::async, [&] { return get(port, "/a"); });
    while (started.load() == 0) std::this_thread::sleep_for(1ms);
    auto waiting = std::async(std::launch::async, [&] { return get(port, "/b"); });
    std::this_thread::sleep_for(300ms);
    // Let the running job end shortly after shutdown begins; the waiting one is not run.
    std::thread releaser([&] {
        std::this_thread::sleep_for(200ms);
        release.set_value();
    });
    server.shutdown(50ms);
    releaser.join();
    CHECK(running.get().find("done") != std::string::npos);
    std::string w = waiting.get();
    CHECK(w.find("503") != std::string::npos);
    CHECK(started.load() == 1);
}
