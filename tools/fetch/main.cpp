// fetch: follows an arXiv search (default cat:cs.DC) into papers.db, through the export API
// or, with --source oai, arXiv's OAI-PMH. See docs/tools/fetch.md.
#include <chrono>
#include <cstdio>
#include <filesystem>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <asp/arxiv/fetch.hpp>
#include <asp/arxiv/oai_harvest.hpp>
#include <asp/core/clock.hpp>

#include "common/app.hpp"

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

int run_api(const asp::tools::ToolApp& app, const asp::FetchParams& p, asp::PapersDb& db,
            const asp::DataDir& data) {
    auto http = asp::make_curl_http_client(asp::default_user_agent());
    auto t0 = std::chrono::steady_clock::now();
    asp::FetchReport r = asp::fetch_papers(p, db, *http, asp::system_clock());
    const auto& c = r.counts;
    std::printf("fetch: %zu added, %zu new versions, %zu updated, %zu already known, "
                "%zu rejected; %zu pages, %zu requests, %zu retries in %.1f s; %s\n",
                c.added, c.new_versions, c.changed, c.unchanged, c.rejected, r.pages, r.requests, r.retries,
                seconds_since(t0), r.ok() ? r.stopped_because.c_str() : "FAILED");
    if (!r.ok()) {
        asp::tools::print_error(app.name(), *r.failure + " (pages before it are saved in " +
                                                data.papers_db().string() + ")");
        return 1;
    }
    return 0;
}

int run_oai(const asp::tools::ToolApp& app, const asp::OaiParams& p, asp::PapersDb& db,
            const asp::DataDir& data) {
    auto http = asp::make_curl_http_client(asp::default_user_agent());
    auto t0 = std::chrono::steady_clock::now();
    size_t files_removed = 0;
    asp::OaiReport r = asp::harvest_oai(p, db, *http, asp::system_clock(),
                                        [&](const std::string& id, int version) {
                                            files_removed += asp::remove_paper_files(data, id, version);
                                        });
    const auto& c = r.counts;
    std::printf("fetch: %zu added, %zu new versions, %zu updated, %zu already known, %zu rejected, %zu removed "
                "(deleted on arXiv); %zu records (%zu in the categories, %zu deleted), %zu pages, "
                "%zu requests, %zu retries, %zu restarts in %.1f s; from %s%s; %s\n",
                c.added, c.new_versions, c.changed, c.unchanged, c.rejected, r.removed, r.records, r.kept,
                r.deleted_seen, r.pages, r.requests, r.retries, r.restarts, seconds_since(t0),
                r.from_used.empty() ? "the beginning" : r.from_used.c_str(),
                r.resumed ? " (continued an interrupted harvest)" : "",
                r.ok() ? r.stopped_because.c_str() : "FAILED");
    if (files_removed) spdlog::info("{} files of removed papers deleted", files_removed);
    if (!r.ok()) {
        asp::tools::print_error(app.name(), *r.failure + " (pages before it are saved in " +
                                                data.papers_db().string() + ")");
        return 1;
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    asp::tools::ToolApp app("fetch", "Fetch paper metadata from arXiv (export API or OAI-PMH) into papers.db");
    asp::FetchParams p;
    asp::OaiParams oai;
    std::string source = "api";
    std::string categories;
    auto& cli = app.cli();
    cli.add_option("--source", source, "api: the export API (recent papers); oai: OAI-PMH bulk harvest (the whole history)")
        ->check(CLI::IsMember({"api", "oai"}))->capture_default_str();
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
    auto* timeout = cli.add_option("--timeout", p.timeout,
                                   "Seconds before a request is abandoned (and retried); "
                                   "default 60 for the API, 300 for OAI pages")
                        ->check(CLI::PositiveNumber);
    cli.add_option("--oai-url", oai.oai_url, "OAI-PMH endpoint (--source oai)")->capture_default_str();
    cli.add_option("--oai-set", oai.set,
                   "OAI set to harvest (default: from the categories, cs.DC -> cs, hep-th -> physics:hep-th; "
                   "all: the whole repository)");
    cli.add_option("--categories", categories,
                   "Comma-separated categories to keep (--source oai; default: those of a "
                   "cat:X [OR cat:Y] --search-query)");
    auto date = CLI::Validator(
        [](std::string& s) {
            return asp::date_minus_days(s, 0) ? std::string() : "not a date YYYY-MM-DD: " + s;
        },
        "YYYY-MM-DD");
    cli.add_option("--from", oai.from,
                   "Harvest records changed on or after this date (--source oai; default: the "
                   "last harvested datestamp minus a day, or everything on a first run)")
        ->check(date);
    cli.add_option("--until", oai.until, "Harvest records changed on or before this date (--source oai)")
        ->check(date);
    cli.add_option("--oai-max-pages", oai.max_pages,
                   "Fail when one harvest goes on for more pages than this (a server loop)")
        ->check(CLI::PositiveNumber)->capture_default_str();
    if (auto rc = app.parse(argc, argv)) return *rc;

    if (source == "oai") {
        oai.wait_time = p.wait_time;
        oai.max_retries = p.max_retries;
        oai.retry_base_delay = p.retry_base_delay;
        if (timeout->count()) oai.timeout = p.timeout;
        for (size_t pos = 0; pos <= categories.size() && !categories.empty();) {
            size_t end = categories.find(',', pos);
            if (end == std::string::npos) end = categories.size();
            std::string c = categories.substr(pos, end - pos);
            if (!c.empty()) oai.categories.push_back(c);
            pos = end + 1;
        }
        if (oai.categories.empty()) oai.categories = asp::categories_of_query(p.search_query);
        if (oai.categories.empty()) {
            std::fprintf(stderr, "fetch: --source oai needs --categories (the search query '%s' "
                                 "is not cat:X [OR cat:Y ...])\n", p.search_query.c_str());
            return 2;
        }
    }

    return app.run([&] {
        auto data = app.data_dir();
        std::filesystem::create_directories(data.root());
        app.hold_stage_lock();
        asp::PapersDb db(data.papers_db(), asp::OpenMode::ReadWrite);
        return source == "oai" ? run_oai(app, oai, db, data) : run_api(app, p, db, data);
    });
}
