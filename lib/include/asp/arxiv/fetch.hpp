// Fetch: follows an arXiv search through the export API into papers.db, the way the
// original fetch_papers.py did: pages of `results_per_iteration` from `start_index` up to
// `max_index`, sorted by lastUpdatedDate descending, stopping after `break_on_no_added`
// consecutive pages that bring nothing new (0: never). Differences from the original:
//   - each page is saved (one transaction) as soon as it arrives, so a crash loses at most
//     the page in flight; a run that was killed is resumed by the next run (the resume point
//     is kept in papers.db's meta table, key "fetch.resume:<query>");
//   - only the newest version of a paper is kept; metadata of the stored version is updated;
//   - polite: at least `wait_time` seconds between requests, never below 3 s when the API
//     host is arxiv.org or one of its subdomains (a lower wait is allowed for other hosts,
//     e.g. a local test server);
//   - transient failures are retried with exponential backoff (base `retry_base_delay`,
//     doubling, at most `retry_max_delay`, at least a Retry-After the server asks for):
//     HTTP 429/500/502/503/504, transport errors (timeouts, resets, refused), a body that is
//     not an Atom feed, and a page that comes back short or empty while opensearch
//     totalResults says more exist. Every retry is logged (warning level).
// Failures that stop the run are reported in FetchReport::failure: arXiv's Error entry (the
// query is wrong), another HTTP error, or a transient failure that outlived `max_retries`.
// Database errors throw (SQLite::Exception): the stage cannot do its job.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <asp/core/clock.hpp>
#include <asp/net/http_client.hpp>
#include <asp/store/papers_db.hpp>

namespace asp {

inline constexpr double kArxivMinWaitSeconds = 3.0;

struct FetchParams {
    std::string search_query = "cat:cs.DC";
    long start_index = 0;
    long max_index = 10000;
    long results_per_iteration = 100;
    double wait_time = 5.0;  // seconds between requests
    int break_on_no_added = 1;
    std::string api_url = "http://export.arxiv.org/api/query";
    int max_retries = 5;
    double retry_base_delay = 5.0;
    double retry_max_delay = 300.0;
    double timeout = 60.0;  // seconds per request
    // A response body larger than this is refused while it streams (a Content-Length over it
    // at once) and the run fails without retrying: a page of 2,000 arXiv entries is ~6 MB.
    size_t max_response_bytes = size_t{32} << 20;
};

struct FetchReport {
    size_t requests = 0;  // HTTP requests made, retries included
    size_t pages = 0;     // pages saved
    size_t retries = 0;
    size_t entries = 0;   // entries received
    UpsertCounts counts;  // what the saved pages changed in papers.db
    std::string stopped_because;         // why the run ended (when it did not fail)
    std::optional<std::string> failure;  // set when the run could not finish its job
    bool ok() const { return !failure; }
};

// True for arxiv.org and its subdomains (export.arxiv.org), whatever the scheme or port.
bool is_arxiv_host(std::string_view url);

// The wait between requests that fetch will use: `requested`, raised to 3 s for arXiv.
double effective_wait_time(std::string_view api_url, double requested);

// Retry-After of a response in seconds (at most an hour); nullopt when absent or not a
// number of seconds (the HTTP-date form is rare for APIs; callers fall back to backoff).
std::optional<double> retry_after_seconds(const HttpResponse& resp);

// HTTP statuses worth retrying: 429, 500, 502, 503, 504.
bool is_retryable_status(long status);

// The request URL of one page.
std::string page_url(const FetchParams& params, long start, long count);

FetchReport fetch_papers(const FetchParams& params, PapersDb& db, HttpClient& http,
                         Clock& clock);

}  // namespace asp
