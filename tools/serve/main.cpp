// serve: the arxiv-sanity web site and JSON API (docs/tools/serve.md).
#include <cstdlib>

#include <asp/core/atomic_file.hpp>
#include <asp/digest/digest.hpp>
#include <asp/mail/message.hpp>
#include <asp/mail/smtp.hpp>
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
    app.cli().add_option("--admin", p.admins,
                         "A username that may hide and delete any comment (repeatable); each "
                         "action is logged");
    app.cli()
        .add_option("--comments-per-minute", p.comments_per_minute,
                    "Comments one user may post in a minute (default 5; then 429)")
        ->check(CLI::Range(int64_t{1}, int64_t{1000000}));
    app.cli()
        .add_option("--comments-per-day", p.comments_per_day,
                    "Comments one user may post in a day (default 100; then 429)")
        ->check(CLI::Range(int64_t{1}, int64_t{1000000}));
    auto& mail = p.mail;
    std::string smtp_password_file;
    app.cli().add_option("--smtp-url", mail.smtp_url,
                         "Mail server for address verification: smtp://HOST[:PORT] (STARTTLS "
                         "when offered) or smtps://HOST[:PORT] (default: $SMTP_URL)");
    app.cli().add_option("--smtp-user", mail.smtp_user, "SMTP AUTH user (default: $SMTP_USER)");
    app.cli().add_option("--smtp-password-file", smtp_password_file,
                         "File whose first line is the SMTP password (default: $SMTP_PASSWORD)");
    app.cli().add_option("--smtp-ca-file", mail.smtp_ca_file,
                         "Extra CA certificates to trust for the SMTP server's TLS (PEM)");
    app.cli().add_option("--mail-from", mail.from, "Sender address of the site's mail (default: $MAIL_FROM)");
    app.cli().add_option("--base-url", mail.base_url,
                         "The site's public address for links in mail and feeds, e.g. "
                         "https://papers.example.org (default: $BASE_URL)");
    if (auto rc = app.parse(argc, argv)) return *rc;
    auto env = [](const char* name) {
        const char* v = std::getenv(name);
        return std::string(v ? v : "");
    };
    if (mail.smtp_url.empty()) mail.smtp_url = env("SMTP_URL");
    if (mail.smtp_user.empty()) mail.smtp_user = env("SMTP_USER");
    if (mail.from.empty()) mail.from = env("MAIL_FROM");
    if (mail.base_url.empty()) mail.base_url = env("BASE_URL");
    if (!mail.smtp_url.empty() && !asp::mail::valid_smtp_url(mail.smtp_url)) {
        asp::tools::print_error(app.name(), "--smtp-url must be smtp://HOST[:PORT] or smtps://HOST[:PORT]");
        return 2;
    }
    if (!mail.from.empty() && !asp::mail::valid_address(mail.from)) {
        asp::tools::print_error(app.name(), "--mail-from must be an e-mail address");
        return 2;
    }
    if (!mail.base_url.empty() && !asp::digest::valid_base_url(mail.base_url)) {
        asp::tools::print_error(app.name(), "--base-url must be http(s)://HOST[/PATH] without a trailing /");
        return 2;
    }
    mail.smtp_password = smtp_password_file.empty() ? env("SMTP_PASSWORD") : std::string();
    return app.run([&] {
        if (!smtp_password_file.empty()) {
            std::string pw = asp::read_file(smtp_password_file);
            mail.smtp_password = pw.substr(0, pw.find_first_of("\r\n"));
        }
        p.port = static_cast<uint16_t>(port);
        p.data_dir = app.data_dir();
        return asp::serve::run_serve(p);
    });
}
