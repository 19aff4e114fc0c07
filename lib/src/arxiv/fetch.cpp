#include <asp/arxiv/fetch.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <asp/arxiv/atom.hpp>
#include <asp/core/strings.hpp>
#include <asp/web/url.hpp>

namespace asp {
namespace {

// One resume point per query: a run of another query leaves it alone.
std::string resume_key(const std::string& query) { return "fetch.resume:" + query; }

std::chrono::nanoseconds seconds(double s) {
    return std::chrono::nanoseconds(static_cast<int64_t>(std::max(0.0, s) * 1e9));
}

std::string host_of(std::string_view url) {
    auto scheme = url.find("://");
    if (scheme != std::string_view::npos) url.remove_prefix(scheme + 3);
    url = url.substr(0, url.find_first_of("/?#"));
    if (auto at = url.rfind('@'); at != std::string_view::npos) url.remove_prefix(at + 1);
    if (!url.empty() && url.front() == '[') return std::string(url.substr(0, url.find(']') + 1));
    url = url.substr(0, url.find(':'));
    std::string host = to_lower_ascii(url);
    while (!host.empty() && host.back() == '.') host.pop_back();
    return host;
}

void add_counts(UpsertCounts& total, const UpsertCounts& c) {
    total.added += c.added;
    total.new_versions += c.new_versions;
    total.changed += c.changed;
    total.unchanged += c.unchanged;
    total.rejected += c.rejected;
}

// One page's outcome after the retries.
struct PageResult {
    std::optional<AtomPage> page;
    std::optional<std::string> failure;
    std::vector<Paper> partial;  // entries of a short page that never completed
};

class Fetcher {
public:
    Fetcher(const FetchParams& p, PapersDb& db, HttpClient& http, Clock& clock)
        : p_(p), db_(db), http_(http), clock_(clock),
          wait_(seconds(effective_wait_time(p.api_url, p.wait_time))) {}

    FetchReport run();

private:
    PageResult fetch_page(long start, long count);
    void wait_for_turn();
    std::optional<long> load_resume();
    void save_resume(long next_start);
    void clear_resume();

    const FetchParams& p_;
    PapersDb& db_;
    HttpClient& http_;
    Clock& clock_;
    Clock::duration wait_;
    std::optional<Clock::time_point> last_request_;
    FetchReport report_;
};

void Fetcher::wait_for_turn() {
    if (!last_request_) return;
    auto elapsed = clock_.now() - *last_request_;
    if (elapsed < wait_) clock_.sleep_for(wait_ - elapsed);
}

PageResult Fetcher::fetch_page(long start, long count) {
    HttpRequest req;
    req.url = page_url(p_, start, count);
    req.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(seconds(p_.timeout));
    req.connect_timeout = std::min(req.connect_timeout, req.timeout);
    req.headers["Accept"] = "application/atom+xml";
    req.max_body_bytes = p_.max_response_bytes;
    PageResult result;
    for (int attempt = 0;; ++attempt) {
        wait_for_turn();
        last_request_ = clock_.now();
        ++report_.requests;
        spdlog::debug("GET {}", req.url);
        HttpResponse resp = http_.perform(req);

        std::string problem;
        std::optional<double> server_wait;
        if (resp.too_large) {
            result.failure = fmt::format("{} (from {}): refused, not retried", resp.error, req.url);
            return result;
        }
        if (resp.transport_error) {
            problem = "network error: " + resp.error;
        } else if (is_retryable_status(resp.status)) {
            problem = fmt::format("HTTP {}", resp.status);
            server_wait = retry_after_seconds(resp);
        } else {
            auto parsed = parse_atom_page(resp.body);
            if (parsed.error && parsed.error->kind == AtomErrorKind::ArxivError) {
                result.failure = parsed.error->message + " (query: " + req.url + ")";
                return result;
            }
            if (resp.status < 200 || resp.status >= 300) {
                result.failure = fmt::format("HTTP {} from {}", resp.status, req.url);
                return result;
            }
            if (parsed.error) {
                problem = "unusable response: " + parsed.error->message;
            } else {
                const AtomPage& page = *parsed.page;
                for (const auto& why : page.skipped) spdlog::warn("skipped an entry: {}", why);
                long expected = count;
                if (page.total_results) expected = std::min(expected, *page.total_results - start);
                long got = static_cast<long>(page.entries.size() + page.skipped.size());
                // Without totals a short page cannot be told from the end of the results.
                if (!page.total_results || got >= expected) {
                    result.page = std::move(parsed.page);
                    return result;
                }
                problem = fmt::format("short page: {} of {} entries (totalResults {})", got,
                                      expected, *page.total_results);
                result.partial = page.entries;
            }
        }
        if (attempt >= p_.max_retries) {
            result.failure = fmt::format("giving up on {} after {} retries: {}", req.url,
                                         p_.max_retries, problem);
            return result;
        }
        double delay = std::min(p_.retry_max_delay, p_.retry_base_delay * std::pow(2.0, attempt));
        if (server_wait) delay = std::max(delay, *server_wait);
        ++report_.retries;
        spdlog::warn("{} at start={}; retry {}/{} in {:.1f} s{}", problem, start, attempt + 1,
                     p_.max_retries, delay,
                     server_wait ? fmt::format(" (Retry-After {:.0f} s)", *server_wait) : "");
        clock_.sleep_for(seconds(delay));
    }
}

std::optional<long> Fetcher::load_resume() {
    auto value = db_.meta(resume_key(p_.search_query));
    if (!value) return std::nullopt;
    auto j = nlohmann::json::parse(*value, nullptr, false);
    if (!j.is_object() || j.value("query", "") != p_.search_query) return std::nullopt;
    long next = j.value("next_start", 0L);
    if (next <= p_.start_index || next >= p_.max_index) return std::nullopt;
    return next;
}

void Fetcher::save_resume(long next_start) {
    db_.set_meta(resume_key(p_.search_query),
                 nlohmann::json{{"query", p_.search_query}, {"next_start", next_start}}.dump());
}

void Fetcher::clear_resume() { db_.set_meta(resume_key(p_.search_query), "{}"); }

FetchReport Fetcher::run() {
    std::optional<long> pending = load_resume();
    if (pending)
        spdlog::info("an earlier run of '{}' stopped before start={}; it will be completed",
                     p_.search_query, *pending);
    long start = p_.start_index;
    int pages_without_new = 0;
    const long step = std::max(1L, p_.results_per_iteration);
    while (true) {
        if (start >= p_.max_index) {
            report_.stopped_because = fmt::format("reached --max-index {}", p_.max_index);
            break;
        }
        long count = std::min(step, p_.max_index - start);
        PageResult got = fetch_page(start, count);
        // The resume point is written in the same transaction as the page it follows, so a
        // kill -9 can never leave a stored page with a resume point that still points at it
        // (a rerun would find that page known, stop early and leave the rest uncrawled).
        if (got.failure) {
            add_counts(report_.counts, db_.upsert_all(got.partial, [&](const UpsertCounts&) {
                save_resume(std::max(start, pending.value_or(0)));
            }));
            report_.failure = std::move(got.failure);
            return report_;
        }
        AtomPage& page = *got.page;
        if (static_cast<long>(page.entries.size()) > count) {
            spdlog::warn("start={}: the server sent {} entries for {} asked; keeping the first {} "
                         "(--max-index {})", start, page.entries.size(), count, count, p_.max_index);
            page.entries.resize(static_cast<size_t>(count));
        }
        const long next = start + count;
        if (pending && next > *pending) pending.reset();  // walked past it: nothing to resume
        const bool no_more = page.entries.empty() || (page.total_results && next >= *page.total_results);
        UpsertCounts c = db_.upsert_all(page.entries, [&](const UpsertCounts& counts) {
            int without_new = counts.new_or_newer() == 0 ? pages_without_new + 1 : 0;
            bool stops = no_more || next >= p_.max_index ||
                         (p_.break_on_no_added > 0 && without_new >= p_.break_on_no_added &&
                          !pending);
            // A run that ends here clears the record (written only if it changed, so a daily
            // rerun that stops at once leaves papers.db untouched).
            if (stops) clear_resume();
            else save_resume(std::max(next, pending.value_or(0)));
        });
        ++report_.pages;
        report_.entries += page.entries.size();
        add_counts(report_.counts, c);
        spdlog::info("start={}: {} entries, {} added, {} new versions, {} updated, {} known{}",
                     start, page.entries.size(), c.added, c.new_versions, c.changed, c.unchanged,
                     page.total_results ? fmt::format(" (totalResults {})", *page.total_results)
                                        : "");
        start = next;
        pages_without_new = c.new_or_newer() == 0 ? pages_without_new + 1 : 0;
        if (no_more) {
            report_.stopped_because = "no more results";
            break;
        }
        if (p_.break_on_no_added > 0 && pages_without_new >= p_.break_on_no_added) {
            std::string why = fmt::format("{} page(s) in a row added nothing new", pages_without_new);
            if (pending) {  // known ground up to where an interrupted run stopped: go on there
                spdlog::info("{}; resuming the interrupted run at start={}", why, *pending);
                start = *pending;
                pending.reset();
                pages_without_new = 0;
                continue;
            }
            report_.stopped_because = why;
            break;
        }
    }
    clear_resume();
    return report_;
}

}  // namespace

std::optional<double> retry_after_seconds(const HttpResponse& resp) {
    auto v = resp.header("retry-after");
    if (!v) return std::nullopt;
    long s = 0;
    auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), s);
    if (ec != std::errc() || s < 0) return std::nullopt;
    return static_cast<double>(std::min(s, 3600L));
}

bool is_retryable_status(long status) {
    return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

bool is_arxiv_host(std::string_view url) {
    std::string host = host_of(url);
    return host == "arxiv.org" ||
           (host.size() > 10 && host.compare(host.size() - 10, 10, ".arxiv.org") == 0);
}

double effective_wait_time(std::string_view api_url, double requested) {
    if (is_arxiv_host(api_url)) return std::max(requested, kArxivMinWaitSeconds);
    return std::max(requested, 0.0);
}

std::string page_url(const FetchParams& p, long start, long count) {
    std::string sep = p.api_url.find('?') == std::string::npos ? "?" : "&";
    return fmt::format("{}{}search_query={}&sortBy=lastUpdatedDate&sortOrder=descending"
                       "&start={}&max_results={}",
                       p.api_url, sep, url_encode(p.search_query), start, count);
}

FetchReport fetch_papers(const FetchParams& params, PapersDb& db, HttpClient& http,
                         Clock& clock) {
    if (params.wait_time < kArxivMinWaitSeconds && is_arxiv_host(params.api_url))
        spdlog::warn("--wait-time {} is below arXiv's 3 s rule; waiting 3 s between requests",
                     params.wait_time);
    return Fetcher(params, db, http, clock).run();
}

}  // namespace asp
