// digest: e-mail each user whose digest is due the new papers their model ranks highest
// (docs/tools/digest.md).
#include <cstdlib>
#include <iostream>

#include <spdlog/spdlog.h>

#include <asp/core/time.hpp>
#include <asp/store/user_store.hpp>

#include <asp/core/atomic_file.hpp>
#include <asp/digest/digest.hpp>
#include <asp/mail/message.hpp>
#include <asp/mail/smtp.hpp>

#include "common/app.hpp"

namespace {

std::string env_or(const char* name, std::string fallback) {
    const char* v = std::getenv(name);
    return v && *v ? std::string(v) : std::move(fallback);
}

// The password: the first line of the file when given, else $SMTP_PASSWORD.
std::string smtp_password(const std::string& file) {
    if (file.empty()) return env_or("SMTP_PASSWORD", "");
    std::string text = asp::read_file(file);
    const size_t eol = text.find_first_of("\r\n");
    if (eol != std::string::npos) text.resize(eol);
    return text;
}

}  // namespace

int main(int argc, char** argv) {
    asp::tools::ToolApp app("digest", "e-mail digests of new papers, ranked per user");
    asp::digest::DigestParams p;
    std::string users_db;
    asp::mail::SmtpConfig smtp;
    std::string password_file;
    bool dry_run = false;
    std::string now_iso;
    auto& cli = app.cli();
    cli.add_option("--users-db", users_db,
                   "User store: a SQLite path or postgresql:// URL (default: users.db in the "
                   "data directory)");
    cli.add_option("--smtp-url", smtp.url,
                   "smtp://host[:port] (STARTTLS when offered) or smtps://host[:port] "
                   "(default: $SMTP_URL)");
    cli.add_option("--smtp-user", smtp.username, "SMTP AUTH user (default: $SMTP_USER)");
    cli.add_option("--smtp-password-file", password_file,
                   "File whose first line is the SMTP password (default: $SMTP_PASSWORD)");
    cli.add_option("--smtp-ca-file", smtp.ca_file,
                   "Extra CA certificates to trust for the SMTP server's TLS (PEM)");
    cli.add_option("--from", p.from, "Sender address (default: $MAIL_FROM)");
    cli.add_option("--from-name", p.from_name, "Sender display name (default arxiv-sanity)");
    cli.add_option("--base-url", p.base_url,
                   "The site's address for links, e.g. https://papers.example.org "
                   "(default: $BASE_URL)");
    cli.add_option("--per-tag", p.per_tag, "Papers per tag, or for the whole library (default 10)")
        ->check(CLI::Range(1, 200));
    cli.add_option("--max-per-minute", p.max_per_minute,
                   "Messages per minute at most (default 30; 0: no limit)")
        ->check(CLI::Range(0.0, 100000.0));
    cli.add_flag("--dry-run", dry_run,
                 "Write each message to DATA_DIR/digest-dry-run/<user>.eml; send and record nothing");
    cli.add_option("--user", p.only_user, "Only this user (by hand), if their digest is due");
    cli.add_option("--now", now_iso, "Pretend it is this time (ISO 8601 UTC; tests)")->group("");
    if (auto rc = app.parse(argc, argv)) return *rc;

    if (smtp.url.empty()) smtp.url = env_or("SMTP_URL", "");
    if (smtp.username.empty()) smtp.username = env_or("SMTP_USER", "");
    if (p.from.empty()) p.from = env_or("MAIL_FROM", "");
    if (p.base_url.empty()) p.base_url = env_or("BASE_URL", "");
    auto usage = [&](const std::string& message) {
        asp::tools::print_error(app.name(), message);
        return 2;
    };
    if (!dry_run && !asp::mail::valid_smtp_url(smtp.url))
        return usage("--smtp-url (or $SMTP_URL) must be smtp://HOST[:PORT] or smtps://HOST[:PORT]");
    if (!asp::mail::valid_address(p.from)) return usage("--from (or $MAIL_FROM) must be an e-mail address");
    if (!asp::digest::valid_base_url(p.base_url))
        return usage("--base-url (or $BASE_URL) must be http(s)://HOST[/PATH] without a trailing /");
    if (!now_iso.empty()) {
        auto t = asp::parse_iso8601(now_iso);
        if (!t) return usage("--now: not an ISO 8601 time: " + now_iso);
        p.now = *t;
    }

    return app.run([&] {
        app.hold_stage_lock();  // one digest at a time on a data directory (exit 75 otherwise)
        const auto dir = app.data_dir();
        auto users = asp::open_user_store(users_db, dir);
        std::unique_ptr<asp::mail::MailSender> sender;
        if (dry_run) {
            p.dry_run_dir = dir.root() / "digest-dry-run";
        } else {
            smtp.password = smtp_password(password_file);
            sender = asp::mail::make_smtp_sender(smtp);
        }
        const auto r = asp::digest::run_digest(dir, *users, p, sender.get());
        spdlog::info("digest: {} due of {} recipients, {} sent, {} with nothing new, {} to retry "
                     "(4xx), {} refused (5xx), {} addresses disabled",
                     r.due, r.recipients, r.sent, r.nothing_new, r.transient, r.permanent,
                     r.disabled);
        if (r.server_unavailable) {
            asp::tools::print_error(app.name(), "mail server " + smtp.url +
                                                    " unavailable: " + r.server_error +
                                                    " (nothing recorded; run again later)");
            return 75;  // EX_TEMPFAIL
        }
        return 0;
    });
}
