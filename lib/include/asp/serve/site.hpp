// Site: serve's application, the web pages and the JSON API over one SiteData snapshot and
// one UserStore. handle() answers one web::Request; it never throws: bad input gets a 4xx
// (JSON {"error": ...} for the API), an unexpected failure a 500 and a log line.
//
// Routes and the security model are documented in docs/tools/serve.md. In short: sessions are
// signed cookies (SessionCodec) checked against the user's session_rev in the store; every
// state-changing request carries the `csrf` cookie's value in X-CSRF-Token (forms: a `csrf`
// field); login and sign-up are rate-limited per client address; every response carries a
// strict Content-Security-Policy and the usual hardening headers.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <asp/core/data_dir.hpp>
#include <asp/serve/auth.hpp>
#include <asp/serve/catalog.hpp>
#include <asp/store/user_store.hpp>
#include <asp/web/http.hpp>
#include <asp/web/router.hpp>

namespace asp::serve {

// Where serve's own mail (address verification) goes, and the site's public address for the
// links in it and in feeds. Mail is "not configured" unless smtp_url, from and base_url are set.
struct MailOptions {
    std::string smtp_url;        // smtp://host[:port] (STARTTLS when offered) or smtps://
    std::string smtp_user;       // empty: no AUTH
    std::string smtp_password;
    std::string smtp_ca_file;    // extra CA bundle for the server's TLS
    std::string from;            // sender address
    std::string base_url;        // "https://papers.example.org" (no trailing slash)
};

struct SiteOptions {
    size_t num_results = 200;                         // papers per page; the API's largest limit
    int64_t session_seconds = 30 * 24 * 3600;         // session cookie lifetime
    int max_concurrent_hashes = 2;                    // argon2id runs at once (~64 MiB each)
    double login_burst = 10;                          // login/sign-up attempts per client...
    std::chrono::seconds login_refill{6};             // ...then one more per this
    unsigned account_login_free = 5;                  // log-ins at one account before delays
    std::chrono::seconds account_login_delay{30};     // the first delay, then doubling...
    std::chrono::seconds account_login_max_delay{900};  // ...up to this
    // Debian's libjs-katex, served under /static/katex/ (TeX in titles and abstracts).
    std::string katex_dir = "/usr/share/javascript/katex";
    MailOptions mail;
    // Discussions: who may hide and delete any comment (usernames), and the posting limits.
    std::vector<std::string> admins;
    CommentLimits comment_limits;
};

// The security headers every response carries (docs/tools/serve.md, Security model); also
// given to the HTTP server for the answers it makes itself.
void add_security_headers(web::Response& response);

class Site {
public:
    Site(SiteOptions options, DataDir data_dir, SiteData& data, UserStore& users,
         std::string session_secret);
    ~Site();
    Site(const Site&) = delete;
    Site& operator=(const Site&) = delete;

    web::Response handle(web::Request& request);

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace asp::serve
