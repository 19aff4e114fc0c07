#include <asp/arxiv/fetch.hpp>
#include <asp/core/clean_text.hpp>

#include <deque>
#include <functional>
#include <map>
#include <set>

#include <SQLiteCpp/Database.h>
#include <sqlite3.h>

#include <fmt/format.h>

#include "unit/catch_compat.hpp"
#include "unit/fake_clock.hpp"
#include "unit/store/papers_db_test_access.hpp"
#include "unit/test_support.hpp"

using namespace asp;
using namespace std::chrono_literals;

namespace {

using test::FakeClock;

struct Served {
    std::string id;
    int version;
};

std::string entry_xml(const Served& s) {
    return fmt::format(
        "<entry><id>http://arxiv.org/abs/{0}v{1}</id><title>Paper {0}</title>"
        "<summary>About {0}.</summary><published>2020-01-01T00:00:00Z</published>"
        "<updated>2020-01-0{1}T00:00:00Z</updated><author><name>A. Author</name></author>"
        "<category term=\"cs.DC\"/><arxiv:primary_category term=\"cs.DC\"/></entry>",
        s.id, s.version);
}

std::string feed_xml(const std::vector<Served>& all, long start, long count, long keep = -1) {
    std::string out =
        "<?xml version=\"1.0\"?><feed xmlns=\"http://www.w3.org/2005/Atom\" "
        "xmlns:opensearch=\"http://a9.com/-/spec/opensearch/1.1/\" "
        "xmlns:arxiv=\"http://arxiv.org/schemas/atom\">";
    out += fmt::format("<opensearch:totalResults>{}</opensearch:totalResults>"
                       "<opensearch:startIndex>{}</opensearch:startIndex>"
                       "<opensearch:itemsPerPage>{}</opensearch:itemsPerPage>",
                       all.size(), start, count);
    long end = std::min<long>(static_cast<long>(all.size()), start + count);
    if (keep >= 0) end = std::min(end, start + keep);
    for (long i = start; i < end; ++i) out += entry_xml(all[static_cast<size_t>(i)]);
    return out + "</feed>";
}

long query_param(const std::string& url, const std::string& name) {
    auto pos = url.find("&" + name + "=");
    return std::stol(url.substr(pos + name.size() + 2));
}

// Serves `papers` as the API would; `faults` answers the next requests instead, in order.
class FakeArxivApi final : public HttpClient {
public:
    FakeArxivApi(std::vector<Served> served, Clock& clock) : papers(std::move(served)), clock_(clock) {}

    HttpResponse perform(const HttpRequest& req) override {
        urls.push_back(req.url);
        body_limits.push_back(req.max_body_bytes);
        times.push_back(clock_.now());
        long start = query_param(req.url, "start"), count = query_param(req.url, "max_results");
        if (!faults.empty()) {
            auto fault = std::move(faults.front());
            faults.pop_front();
            return fault(start, count);
        }
        HttpResponse r;
        r.status = 200;
        r.body = feed_xml(papers, start, count);
        return r;
    }

    std::vector<Served> papers;
    std::deque<std::function<HttpResponse(long, long)>> faults;
    std::vector<std::string> urls;
    std::vector<size_t> body_limits;
    std::vector<Clock::time_point> times;

private:
    Clock& clock_;
};

std::vector<Served> numbered(int n) {
    std::vector<Served> out;
    for (int i = 1; i <= n; ++i) out.push_back({fmt::format("2101.{:05d}", i), 1});
    return out;
}

HttpResponse status(long code, std::string retry_after = "") {
    HttpResponse r;
    r.status = code;
    r.body = "busy";
    if (!retry_after.empty()) r.headers["retry-after"] = retry_after;
    return r;
}

FetchParams local_params() {
    FetchParams p;
    p.api_url = "http://127.0.0.1:9/api/query";
    p.wait_time = 0;
    p.results_per_iteration = 10;
    p.max_index = 50;
    p.retry_base_delay = 1;
    return p;
}

}  // namespace

TEST_CASE("fetch asks for pages exactly like fetch_papers.py and saves them all", "[arxiv][fetch]") {
    test::TempDir tmp;
    PapersDb db(tmp / "papers.db", OpenMode::ReadWrite);
    FakeClock clock;
    FakeArxivApi api(numbered(45), clock);
    auto p = local_params();
    p.search_query = "cat:cs.DC AND ti:x";
    auto r = fetch_papers(p, db, api, clock);
    REQUIRE(r.ok());
    CHECK(db.count() == 45);
    CHECK(r.counts.added == 45);
    REQUIRE(api.urls.size() == 5);
    CHECK(api.urls[0] ==
          "http://127.0.0.1:9/api/query?search_query=cat%3Acs.DC%20AND%20ti%3Ax"
          "&sortBy=lastUpdatedDate&sortOrder=descending&start=0&max_results=10");
    CHECK(query_param(api.urls[4], "start") == 40);
    CHECK(r.stopped_because == "no more results");
    CHECK(clock.sleeps.empty());  // --wait-time 0 is allowed against a local server

    SECTION("a rerun stops after --break-on-no-added pages that add nothing") {
        api.urls.clear();
        auto again = fetch_papers(p, db, api, clock);
        CHECK(again.ok());
        CHECK(api.urls.size() == 1);
        CHECK(again.counts.new_or_newer() == 0);
        p.break_on_no_added = 2;
        api.urls.clear();
        CHECK(fetch_papers(p, db, api, clock).ok());
        CHECK(api.urls.size() == 2);
        p.break_on_no_added = 0;  // never
        api.urls.clear();
        CHECK(fetch_papers(p, db, api, clock).ok());
        CHECK(api.urls.size() == 5);
    }
}

TEST_CASE("fetch stops at --max-index and keeps the newest version of a paper", "[arxiv][fetch]") {
    test::TempDir tmp;
    PapersDb db(tmp / "papers.db", OpenMode::ReadWrite);
    FakeClock clock;
    auto papers = numbered(30);
    papers[2].version = 3;
    papers.push_back({papers[2].id, 2});  // an older version, served later
    FakeArxivApi api(papers, clock);
    auto p = local_params();
    p.max_index = 31;
    auto r = fetch_papers(p, db, api, clock);
    REQUIRE(r.ok());
    CHECK(db.get(papers[2].id)->version == 3);
    CHECK(db.count() == 30);
    CHECK(query_param(api.urls.back(), "max_results") == 1);  // 30..31
    p.max_index = 15;
    p.break_on_no_added = 0;
    api.urls.clear();
    CHECK(fetch_papers(p, db, api, clock).stopped_because == "reached --max-index 15");
    CHECK(api.urls.size() == 2);
}

TEST_CASE("fetch waits at least 3 s between requests to arxiv.org", "[arxiv][fetch]") {
    test::TempDir tmp;
    PapersDb db(tmp / "papers.db", OpenMode::ReadWrite);
    FakeClock clock;
    FakeArxivApi api(numbered(30), clock);
    auto p = local_params();
    p.api_url = "https://export.arxiv.org/api/query";
    p.wait_time = 0.5;
    REQUIRE(fetch_papers(p, db, api, clock).ok());
    REQUIRE(api.times.size() == 3);
    for (size_t i = 1; i < api.times.size(); ++i)
        CHECK(api.times[i] - api.times[i - 1] >= 3s);
    CHECK(effective_wait_time("http://arxiv.org:80/api/query", 1) == 3);
    CHECK(effective_wait_time("http://EXPORT.ARXIV.ORG./api", 0) == 3);
    CHECK(effective_wait_time("http://export.arxiv.org/api/query", 7) == 7);
    CHECK(effective_wait_time("http://notarxiv.org/api", 0) == 0);
    CHECK(effective_wait_time("http://arxiv.org.example.com/api", 0) == 0);
    CHECK(effective_wait_time("http://127.0.0.1:8080/api/query", 0.2) == 0.2);
}

TEST_CASE("fetch backs off and retries transient failures, losing nothing", "[arxiv][fetch]") {
    test::TempDir tmp;
    PapersDb db(tmp / "papers.db", OpenMode::ReadWrite);
    FakeClock clock;
    FakeArxivApi api(numbered(25), clock);
    auto& papers = api.papers;
    api.faults.push_back([](long, long) { return status(503); });
    api.faults.push_back([](long, long) { return status(429, "42"); });
    api.faults.push_back([](long, long) {
        HttpResponse r;
        r.transport_error = true;
        r.error = "Timeout was reached";
        return r;
    });
    api.faults.push_back([&](long s, long c) {  // short page although more exist
        HttpResponse r;
        r.status = 200;
        r.body = feed_xml(papers, s, c, 3);
        return r;
    });
    api.faults.push_back([&](long s, long c) {  // empty page although more exist
        HttpResponse r;
        r.status = 200;
        r.body = feed_xml(papers, s, c, 0);
        return r;
    });
    api.faults.push_back([&](long s, long c) {  // cut in half
        HttpResponse r;
        r.status = 200;
        r.body = feed_xml(papers, s, c);
        r.body.resize(r.body.size() / 2);
        return r;
    });
    api.faults.push_back([](long, long) {  // an HTML error page with status 200
        HttpResponse r;
        r.status = 200;
        r.body = "<html><body>Service unavailable</body></html>";
        return r;
    });
    auto p = local_params();
    p.max_retries = 7;
    auto r = fetch_papers(p, db, api, clock);
    REQUIRE(r.ok());
    CHECK(db.count() == 25);
    CHECK(r.retries == 7);
    // exponential backoff from 1 s; the Retry-After of 42 s wins over 2 s
    CHECK(clock.sleeps == std::vector<double>{1, 42, 4, 8, 16, 32, 64});
}

TEST_CASE("fetch gives up after --max-retries with the pages before saved", "[arxiv][fetch]") {
    test::TempDir tmp;
    PapersDb db(tmp / "papers.db", OpenMode::ReadWrite);
    FakeClock clock;
    FakeArxivApi api(numbered(40), clock);
    api.faults.push_back([&](long s, long c) {
        HttpResponse r;
        r.status = 200;
        r.body = feed_xml(api.papers, s, c);
        return r;
    });
    for (int i = 0; i < 3; ++i) api.faults.push_back([](long, long) { return status(502); });
    auto p = local_params();
    p.max_retries = 2;
    auto r = fetch_papers(p, db, api, clock);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(*r.failure, Catch::Contains("after 2 retries: HTTP 502"));
    CHECK_THAT(*r.failure, Catch::Contains("start=10"));
    CHECK(db.count() == 10);

    SECTION("the next run completes what the failed one left (resume)") {
        api.urls.clear();
        auto again = fetch_papers(p, db, api, clock);
        REQUIRE(again.ok());
        CHECK(db.count() == 40);
        // page 0 adds nothing -> jump to the interrupted point instead of stopping
        REQUIRE(api.urls.size() == 4);
        CHECK(query_param(api.urls[1], "start") == 10);
        api.urls.clear();
        CHECK(fetch_papers(p, db, api, clock).ok());
        CHECK(api.urls.size() == 1);  // finished: nothing left to resume
    }
}

TEST_CASE("an arXiv Error entry stops fetch at once with arXiv's message", "[arxiv][fetch]") {
    test::TempDir tmp;
    PapersDb db(tmp / "papers.db", OpenMode::ReadWrite);
    FakeClock clock;
    FakeArxivApi api(numbered(5), clock);
    for (long code : {400L, 200L}) {
        api.faults.push_back([code](long, long) {
            HttpResponse r;
            r.status = code;
            r.body =
                "<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry>"
                "<id>http://arxiv.org/api/errors#incorrect_id_format_for_abc</id>"
                "<title>Error</title><summary>incorrect id format for abc</summary></entry></feed>";
            return r;
        });
        api.urls.clear();
        auto r = fetch_papers(local_params(), db, api, clock);
        REQUIRE_FALSE(r.ok());
        CHECK_THAT(*r.failure, Catch::Contains("arXiv API error: incorrect id format for abc"));
        CHECK(api.urls.size() == 1);
        CHECK(r.retries == 0);
    }
    api.faults.push_back([](long, long) { return status(404); });
    auto r = fetch_papers(local_params(), db, api, clock);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(*r.failure, Catch::Contains("HTTP 404"));
    CHECK(db.count() == 0);
}

TEST_CASE("a run of another query leaves an unfinished crawl's resume point alone", "[arxiv][fetch]") {
    test::TempDir tmp;
    PapersDb db(tmp / "papers.db", OpenMode::ReadWrite);
    FakeClock clock;
    FakeArxivApi api(numbered(40), clock);
    auto p = local_params();
    p.max_retries = 0;
    api.faults.push_back([&](long s, long c) {
        HttpResponse r;
        r.status = 200;
        r.body = feed_xml(api.papers, s, c);
        return r;
    });
    api.faults.push_back([](long, long) { return status(503); });
    REQUIRE_FALSE(fetch_papers(p, db, api, clock).ok());  // cat:cs.DC stopped at start=10

    auto other = p;
    other.search_query = "cat:cs.OS";
    REQUIRE(fetch_papers(other, db, api, clock).ok());  // page 0 of the same papers: known

    api.urls.clear();
    REQUIRE(fetch_papers(p, db, api, clock).ok());
    REQUIRE(api.urls.size() >= 2);
    CHECK(query_param(api.urls[1], "start") == 10);
}

namespace {

// The tables each committed transaction of a connection changed, in commit order.
struct CommitLog {
    std::vector<std::set<std::string>> commits;
    std::set<std::string> open;

    explicit CommitLog(sqlite3* db) {
        sqlite3_update_hook(
            db,
            [](void* self, int, const char*, const char* table, sqlite3_int64) {
                static_cast<CommitLog*>(self)->open.insert(table);
            },
            this);
        sqlite3_commit_hook(
            db,
            [](void* self) {
                auto* log = static_cast<CommitLog*>(self);
                log->commits.push_back(std::move(log->open));
                log->open.clear();
                return 0;
            },
            this);
    }
};

}  // namespace

TEST_CASE("every saved page carries its resume point in the same transaction", "[arxiv][fetch]") {
    // A kill -9 between a page's commit and a separate resume write left a resume point at a
    // page already stored: the rerun found it known, stopped, and never crawled the rest.
    test::TempDir tmp;
    PapersDb db(tmp / "papers.db", OpenMode::ReadWrite);
    CommitLog log(PapersDbTestAccess::database(db).getHandle());
    FakeClock clock;
    FakeArxivApi api(numbered(40), clock);
    REQUIRE(fetch_papers(local_params(), db, api, clock).ok());
    size_t pages = 0;
    for (const auto& tables : log.commits) {
        if (!tables.count("papers")) continue;
        ++pages;
        CHECK(tables.count("meta") == 1);
    }
    CHECK(pages == 4);
}

namespace {

HttpResponse feed_of(const std::string& entries, long total) {
    HttpResponse r;
    r.status = 200;
    r.body = fmt::format(
        "<?xml version=\"1.0\"?><feed xmlns=\"http://www.w3.org/2005/Atom\" "
        "xmlns:opensearch=\"http://a9.com/-/spec/opensearch/1.1/\" "
        "xmlns:arxiv=\"http://arxiv.org/schemas/atom\"><opensearch:totalResults>{}"
        "</opensearch:totalResults>{}</feed>",
        total, entries);
    return r;
}

std::string raw_entry(const std::string& id, const std::string& title, const std::string& published,
                      const std::string& summary = "S") {
    return "<entry><id>http://arxiv.org/abs/" + id + "v1</id><title>" + title + "</title><summary>" +
           summary + "</summary><published>" + published + "</published><updated>" +
           published + "</updated><author><name>A</name></author><category term=\"cs.DC\"/></entry>";
}

}  // namespace

TEST_CASE("fetch cleans hostile feed text at the door of papers.db", "[arxiv][fetch]") {
    test::TempDir tmp;
    PapersDb db(tmp / "papers.db", OpenMode::ReadWrite);
    FakeClock clock;
    FakeArxivApi api({}, clock);
    const std::string big_title(20 << 20, 'T');
    api.faults.push_back([&](long, long) {
        return feed_of(raw_entry("2101.00001", "Nul&#0;here", "2021-01-01T00:00:00Z",
                                     "Forged&#10;[info] line &#27;[31m red &#127; \xff bad") +
                           raw_entry("2101.00002", big_title, "2021-01-01T00:00:00Z") +
                           raw_entry("2101.00003", "No date", "last Tuesday"),
                       3);
    });
    auto p = local_params();
    auto r = fetch_papers(p, db, api, clock);
    REQUIRE(r.ok());
    auto a = db.get("2101.00001");
    REQUIRE(a);
    CHECK(a->title.find('\0') == std::string::npos);
    CHECK(is_clean_text(a->title));
    CAPTURE(a->abstract);
    CHECK(a->abstract.find('\x1b') == std::string::npos);
    CHECK(a->abstract.find('\x7f') == std::string::npos);
    CHECK(is_clean_text(a->abstract));
    CHECK(a->abstract.find("\xef\xbf\xbd") != std::string::npos);  // the bad byte became U+FFFD
    auto b = db.get("2101.00002");
    REQUIRE(b);
    CHECK(b->title.size() <= PaperLimits::kTitle);
    CHECK_FALSE(db.get("2101.00003"));  // unparseable date: skipped with a warning
    CHECK(r.counts.rejected == 1);
    CHECK(r.counts.added == 2);
}

TEST_CASE("fetch keeps no more than --max-index even when a page brings more", "[arxiv][fetch]") {
    test::TempDir tmp;
    PapersDb db(tmp / "papers.db", OpenMode::ReadWrite);
    FakeClock clock;
    auto all = numbered(40);
    FakeArxivApi api(all, clock);
    api.faults.push_back([&](long, long) { return feed_of([&] {
        std::string s;
        for (const auto& x : all) s += entry_xml(x);
        return s; }(), 40); });
    auto p = local_params();
    p.max_index = 7;
    p.results_per_iteration = 100;
    auto r = fetch_papers(p, db, api, clock);
    REQUIRE(r.ok());
    CHECK(db.count() == 7);
}

TEST_CASE("fetch refuses an oversized response without retrying", "[arxiv][fetch]") {
    test::TempDir tmp;
    PapersDb db(tmp / "papers.db", OpenMode::ReadWrite);
    FakeClock clock;
    FakeArxivApi api(numbered(5), clock);
    api.faults.push_back([&](long, long) {
        HttpResponse r;
        r.transport_error = true;
        r.too_large = true;
        r.error = "response body over the size limit";
        return r;
    });
    auto p = local_params();
    p.max_response_bytes = 1 << 20;
    auto r = fetch_papers(p, db, api, clock);
    CHECK_FALSE(r.ok());
    CHECK(api.urls.size() == 1);  // not retried
    CHECK(api.body_limits.at(0) == size_t{1} << 20);  // the client streams with this cap
}
