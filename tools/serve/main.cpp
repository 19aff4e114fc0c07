// serve: the arxiv-sanity web site and JSON API (docs/tools/serve.md).
#include <asp/serve/server.hpp>
#include <asp/web/forwarded.hpp>

#include "common/app.hpp"

int main(int argc, char** argv) {
    asp::tools::ToolApp app("serve", "The arxiv-sanity web site and JSON API over a data directory");
    asp::serve::ServeParams p;
    int port = 5000;
    app.cli().add_option("--port", port, "TCP port (default 5000)")->check(CLI::Range(0, 65535));
    app.cli().add_flag("--prod", p.prod,
                       "Production: listen on all interfaces, access log, no debug output");
    app.cli()
        .add_option("--num-results", p.num_results, "Papers per page (default 200)")
        ->check(CLI::Range(1, 5000));
    app.cli().add_option("--users-db", p.users_db,
                         "User store: a SQLite path or postgresql:// URL (default: "
                         "DATA_DIR/users.db)");
    app.cli().add_option("--secret-file", p.secret_file,
                         "File holding the session-signing secret (>= 32 bytes; default: "
                         "$ASP_SESSION_SECRET)");
    app.cli().add_option("--bind", p.bind_address,
                         "IPv4 address to listen on (default 127.0.0.1; 0.0.0.0 with --prod)");
    app.cli().add_option("--threads", p.threads, "Event loops (default: 2 per core, at least 4)")
        ->check(CLI::Range(0, 64));
    app.cli()
        .add_option("--login-burst", p.login_burst,
                    "Login/sign-up attempts a client address may make at once; then one per 6 s "
                    "(default 10)")
        ->check(CLI::Range(1.0, 1e6));
    app.cli()
        .add_option("--max-connections", p.max_connections,
                    "Open connections in all (default 4000; lowered to fit RLIMIT_NOFILE); near "
                    "it, the oldest connections waiting for a request are closed first")
        ->check(CLI::Range(16u, 1000000u));
    app.cli()
        .add_option("--per-address-connections", p.per_address_connections,
                    "Open connections one client address may hold (default 64; 0: no cap; "
                    "--trusted-proxy addresses are exempt)")
        ->check(CLI::Range(0u, 1000000u));
    app.cli()
        .add_option("--request-timeout", p.request_timeout_seconds,
                    "Seconds a client has to send a complete request, head and body (default "
                    "20); then the connection is closed")
        ->check(CLI::Range(1u, 3600u));
    app.cli()
        .add_option("--trusted-proxy", p.trusted_proxies,
                    "A load balancer or reverse proxy (address or network, e.g. 10.0.0.0/8; "
                    "repeatable): from it, the client address is the right-most untrusted "
                    "X-Forwarded-For entry (login rate limit, access log)")
        ->check([](const std::string& spec) {
            try {
                asp::web::TrustedProxies().add(spec);
                return std::string();
            } catch (const std::exception& e) {
                return std::string(e.what());
            }
        });
    if (auto rc = app.parse(argc, argv)) return *rc;
    return app.run([&] {
        p.port = static_cast<uint16_t>(port);
        p.data_dir = app.data_dir();
        return asp::serve::run_serve(p);
    });
}
