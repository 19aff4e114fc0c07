// run_serve: serve's whole life. Opens the user store and the data directory snapshot, starts
// the HTTP server, re-checks the data directory once a second (new papers, index generation,
// recommendations, thumbnails: swapped in without a restart), and on SIGTERM or SIGINT stops
// accepting, lets requests in flight finish, and returns 0.
//
// Throws std::runtime_error when it cannot start (port in use, unreadable secret, store).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <asp/core/data_dir.hpp>
#include <asp/serve/catalog.hpp>
#include <asp/serve/site.hpp>

namespace asp::serve {

struct ServeParams {
    DataDir data_dir{"data"};
    uint16_t port = 5000;
    bool prod = false;           // all interfaces, access log, no debug output
    size_t num_results = 200;
    std::string users_db;        // empty: data-dir/users.db
    std::string secret_file;     // empty: $ASP_SESSION_SECRET, else a random per-process one
    unsigned threads = 0;        // 0: by cores
    std::string bind_address;    // empty: 127.0.0.1, or 0.0.0.0 with prod
    double login_burst = 10;     // login/sign-up attempts per client address at once
    // Proxies/load balancers (addresses or networks) whose X-Forwarded-For names the client.
    std::vector<std::string> trusted_proxies;
    unsigned max_connections = 4000;          // open connections in all
    unsigned per_address_connections = 64;    // of one client address (trusted proxies: no cap)
    unsigned request_timeout_seconds = 20;    // a request's head and body must arrive within
    MailOptions mail;            // verification mail and the site's address (feeds, links)
    std::vector<std::string> admins;  // usernames that moderate comments (--admin)
    int64_t comments_per_minute = 5;  // per user
    int64_t comments_per_day = 100;
};

// The analysis reader serve uses (analyze's index/ and buildsvm's recs/).
std::unique_ptr<AnalysisSource> open_analysis_source(const DataDir& data_dir);

int run_serve(const ServeParams& params);

}  // namespace asp::serve
