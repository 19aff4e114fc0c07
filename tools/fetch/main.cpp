// fetch: follows an arXiv search (default cat:cs.DC) into papers.db. See docs/tools/fetch.md.
#include <chrono>
#include <cstdio>
#include <filesystem>

#include <fmt/format.h>

#include <asp/arxiv/fetch.hpp>
#include <asp/core/clock.hpp>

#include "common/app.hpp"

int main(int argc, char** argv) {
    asp::tools::ToolApp app("fetch", "Fetch paper metadata from the arXiv export API into papers.db");
    asp::FetchParams p;
    auto& cli = app.cli();
    cli.add_option("--search-query", p.search_query, "arXiv search query")->capture_default_str();
    cli.add_option("--start-index", p.start_index, "Index of the first result to ask for")
        ->check(CLI::NonNegativeNumber)->capture_default_str();
    cli.add_option("--max-index", p.max_index, "Stop before this result index")
        ->check(CLI::NonNegativeNumber)->capture_default_str();
    cli.add_option("--results-per-iteration", p.results_per_iteration, "Results per request")
        ->check(CLI::Range(1, 2000))->capture_default_str();
    app.add_wait_time(p.wait_time,
                      "Seconds between requests (default 5); never below 3 against arxiv.org "
                      "hosts, any value (e.g. 0) for other hosts such as a local mirror or test server");
    cli.add_option("--break-on-no-added", p.break_on_no_added,
                   "Stop after this many pages in a row that add nothing new (0: never)")
        ->check(CLI::NonNegativeNumber)->capture_default_str();
    cli.add_option("--api-url", p.api_url, "Export API endpoint")->capture_default_str();
    cli.add_option("--max-retries", p.max_retries,
                   "Retries of a failing request (429/5xx, timeout, reset, short page)")
        ->check(CLI::Range(0, 100))->capture_default_str();
    cli.add_option("--retry-base-delay", p.retry_base_delay,
                   "First backoff delay in seconds; doubles per retry, a Retry-After wins")
        ->check(CLI::NonNegativeNumber)->capture_default_str();
    cli.add_option("--timeout", p.timeout, "Seconds before a request is abandoned (and retried)")
        ->check(CLI::PositiveNumber)->capture_default_str();
    if (auto rc = app.parse(argc, argv)) return *rc;

    return app.run([&] {
        auto data = app.data_dir();
        std::filesystem::create_directories(data.root());
        app.hold_stage_lock();
        asp::PapersDb db(data.papers_db(), asp::OpenMode::ReadWrite);
        auto http = asp::make_curl_http_client(asp::default_user_agent());
        auto t0 = std::chrono::steady_clock::now();
        asp::FetchReport r = asp::fetch_papers(p, db, *http, asp::system_clock());
        double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const auto& c = r.counts;
        std::printf("fetch: %zu added, %zu new versions, %zu updated, %zu already known, "
                    "%zu rejected; %zu pages, %zu requests, %zu retries in %.1f s; %s\n",
                    c.added, c.new_versions, c.changed, c.unchanged, c.rejected, r.pages, r.requests,
                    r.retries, secs, r.ok() ? r.stopped_because.c_str() : "FAILED");
        if (!r.ok()) {
            asp::tools::print_error(app.name(), *r.failure + " (pages before it are saved in " +
                                                    data.papers_db().string() + ")");
            return 1;
        }
        return 0;
    });
}
