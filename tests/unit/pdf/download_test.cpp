#include <asp/pdf/download.hpp>

#include <deque>
#include <filesystem>
#include <set>
#include <stdexcept>
#include <vector>

#include <asp/core/atomic_file.hpp>
#include <asp/core/stage_lock.hpp>
#include <asp/pdf/minimal_pdf.hpp>
#include <asp/store/papers_db.hpp>

#include "unit/catch_compat.hpp"
#include "unit/fake_clock.hpp"
#include "unit/test_support.hpp"

using namespace asp;
using namespace std::chrono_literals;

namespace {

// Answers from a script, in order; records the URLs asked for.
class ScriptedHttp final : public HttpClient {
public:
    std::deque<HttpResponse> script;
    std::vector<std::string> urls;

    HttpResponse perform(const HttpRequest& req) override {
        urls.push_back(req.url);
        if (script.empty()) throw std::logic_error("unexpected request " + req.url);
        HttpResponse r = script.front();
        script.pop_front();
        if (req.on_body && !r.body.empty() && !r.transport_error) {
            // Stream in two chunks, as a network would.
            size_t half = r.body.size() / 2;
            req.on_body(std::string_view(r.body).substr(0, half));
            req.on_body(std::string_view(r.body).substr(half));
            r.body.clear();
        }
        return r;
    }
};

HttpResponse answer(long status, std::string body, std::map<std::string, std::string> headers = {}) {
    HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    r.headers = std::move(headers);
    return r;
}

HttpResponse cut() {
    HttpResponse r;
    r.transport_error = true;
    r.error = "Transferred a partial file";
    return r;
}

void add_paper(const DataDir& dir, const std::string& id, int version) {
    PapersDb db(dir.papers_db(), OpenMode::ReadWrite);
    Paper p;
    p.id = id;
    p.version = version;
    p.title = "T " + id;
    p.abstract = "A";
    p.published = p.updated = "2021-01-01T00:00:00Z";
    p.primary_category = "cs.DC";
    p.categories = {"cs.DC"};
    (void)db.upsert(p);
}

std::vector<std::string> visible_files(const std::filesystem::path& d) {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(d)) out.push_back(e.path().filename());
    return out;
}

}  // namespace

TEST_CASE("download: URL and the 3 s floor against arxiv.org", "[download]") {
    CHECK(pdf_url_for("https://arxiv.org/pdf", "2101.00001", 2) == "https://arxiv.org/pdf/2101.00001v2");
    CHECK(pdf_url_for("http://127.0.0.1:8/pdf/", "cs/0112017", 1) == "http://127.0.0.1:8/pdf/cs/0112017v1");
    CHECK(effective_wait_seconds("https://arxiv.org/pdf", 0) == 3.0);
    CHECK(effective_wait_seconds("https://export.arxiv.org/pdf", 1) == 3.0);
    CHECK(effective_wait_seconds("https://ARXIV.ORG:443/pdf", 5) == 5.0);
    CHECK(effective_wait_seconds("http://127.0.0.1:9/pdf", 0) == 0.0);
    CHECK(effective_wait_seconds("https://notarxiv.org/pdf", 0.5) == 0.5);
}

TEST_CASE("download: retries a 503 after Retry-After, keeps only the checked PDF", "[download]") {
    test::TempDir tmp;
    test::FakeClock clock;  // waits take no time, and are recorded
    DataDir dir(tmp.path());
    add_paper(dir, "2101.00001", 2);
    ScriptedHttp http;
    const std::string pdf = make_minimal_pdf({"paper"});
    http.script = {answer(503, "busy", {{"retry-after", "7"}}), answer(200, pdf)};
    DownloadParams p;
    p.pdf_url = "http://127.0.0.1:1/pdf";
    p.wait_seconds = 0;
    auto s = run_download(dir, p, http, clock);
    CHECK(s.done == 1);
    CHECK(s.failed == 0);
    REQUIRE(clock.sleeps.size() == 1);
    CHECK(clock.sleeps[0] == 7.0);  // Retry-After honoured (the request took no time)
    CHECK(read_file(dir.pdf_path("2101.00001", 2)) == pdf);
    CHECK(visible_files(dir.pdf_dir()) == std::vector<std::string>{"2101.00001v2.pdf"});
    PapersDb db(dir.papers_db(), OpenMode::ReadOnly);
    auto rec = db.stage_record("download", "2101.00001");
    REQUIRE(rec);
    CHECK(rec->state == StageState::Done);
}

TEST_CASE("download: an HTML page served as 200 is recorded, never kept", "[download]") {
    test::TempDir tmp;
    test::FakeClock clock;  // waits take no time, and are recorded
    DataDir dir(tmp.path());
    add_paper(dir, "2101.00002", 1);
    ScriptedHttp http;
    http.script = {answer(200, "<!DOCTYPE html><html>PDF unavailable</html>", {{"content-type", "text/html"}})};
    DownloadParams p;
    p.pdf_url = "http://127.0.0.1:1/pdf";
    p.wait_seconds = 0;
    auto s = run_download(dir, p, http, clock);
    CHECK(s.failed == 1);
    CHECK(visible_files(dir.pdf_dir()).empty());
    PapersDb db(dir.papers_db(), OpenMode::ReadWrite);
    auto rec = db.stage_record("download", "2101.00002");
    REQUIRE(rec);
    CHECK(rec->state == StageState::Failed);
    CHECK_THAT(rec->reason, Catch::Contains("not a PDF"));
    CHECK_THAT(rec->reason, Catch::Contains("text/html"));
    // Not asked for again on the next run.
    ScriptedHttp quiet;
    (void)run_download(dir, p, quiet, clock);
    CHECK(quiet.urls.empty());
}

TEST_CASE("download: a cut transfer is retried, then recorded as temporary and retried next run",
          "[download]") {
    test::TempDir tmp;
    test::FakeClock clock;  // waits take no time, and are recorded
    DataDir dir(tmp.path());
    add_paper(dir, "2101.00003", 1);
    ScriptedHttp http;
    http.script = {cut(), cut()};
    DownloadParams p;
    p.pdf_url = "http://127.0.0.1:1/pdf";
    p.wait_seconds = 0;
    p.max_attempts = 2;
    auto s = run_download(dir, p, http, clock);
    CHECK(s.failed == 1);
    CHECK(http.urls.size() == 2);
    CHECK(visible_files(dir.pdf_dir()).empty());
    {
        PapersDb db(dir.papers_db(), OpenMode::ReadWrite);
        auto rec = db.stage_record("download", "2101.00003");
        REQUIRE(rec);  // recorded: the run moved on knowing why
        CHECK(rec->state == StageState::Failed);
        CHECK(rec->reason.rfind("temporary: ", 0) == 0);
    }
    // The next run tries it again without --retry-failed, and keeps it when it comes.
    ScriptedHttp again;
    again.script = {answer(200, make_minimal_pdf({"x"}))};
    auto s2 = run_download(dir, p, again, clock);
    CHECK(s2.done == 1);
    CHECK(again.urls.size() == 1);
}

TEST_CASE("download: a PDF with bytes after %%EOF or without %%EOF is kept when Poppler opens it",
          "[download]") {
    test::TempDir tmp;
    test::FakeClock clock;  // waits take no time, and are recorded
    DataDir dir(tmp.path());
    add_paper(dir, "2101.00004", 1);
    add_paper(dir, "2101.00005", 1);
    std::string pdf = make_minimal_pdf({"x"});
    REQUIRE(pdf.find("%%EOF") != std::string::npos);
    // Real files: a linearisation hint, a signature or a web server's trailing junk.
    std::string trailing = pdf + std::string(3000, '\0') + "<html>junk</html>\n";
    std::string no_eof = pdf.substr(0, pdf.rfind("%%EOF"));
    ScriptedHttp http;
    http.script = {answer(200, trailing), answer(200, no_eof)};
    DownloadParams p;
    p.pdf_url = "http://127.0.0.1:1/pdf";
    p.wait_seconds = 0;
    auto s = run_download(dir, p, http, clock);
    CHECK(s.done == 2);
    CHECK(s.failed == 0);
    std::set<std::string> kept{read_file(dir.pdf_path("2101.00004", 1)),
                               read_file(dir.pdf_path("2101.00005", 1))};
    CHECK(kept == std::set<std::string>{trailing, no_eof});  // byte for byte, junk included
}

TEST_CASE("download: a server that keeps failing is a try-later stop, and never wedges the stage",
          "[download]") {
    test::TempDir tmp;
    test::FakeClock clock;  // waits take no time, and are recorded
    DataDir dir(tmp.path());
    for (int i = 1; i <= 4; ++i) add_paper(dir, "2101.0001" + std::to_string(i), 1);
    ScriptedHttp http;
    for (int i = 0; i < 8; ++i) http.script.push_back(answer(503, "down"));
    DownloadParams p;
    p.pdf_url = "http://127.0.0.1:1/pdf";
    p.wait_seconds = 0;
    p.max_attempts = 2;
    p.max_consecutive_transient = 3;
    CHECK_THROWS_AS(run_download(dir, p, http, clock), TryLater);
    CHECK(http.urls.size() == 6);
    // The next day the server is back: the paper never tried comes first, then the three
    // that failed; all four are fetched (the old code asked for the same three first, forever).
    ScriptedHttp back;
    const std::string pdf = make_minimal_pdf({"x"});
    for (int i = 0; i < 4; ++i) back.script.push_back(answer(200, pdf));
    auto s = run_download(dir, p, back, clock);
    CHECK(s.done == 4);
    REQUIRE(back.urls.size() == 4);
    const std::string first_failed = http.urls.front();
    CHECK(back.urls.front() != first_failed);
}

TEST_CASE("download: waits between requests, backs off exponentially", "[download]") {
    test::TempDir tmp;
    test::FakeClock clock;  // waits take no time, and are recorded
    DataDir dir(tmp.path());
    add_paper(dir, "2101.00021", 1);
    add_paper(dir, "2101.00022", 1);
    const std::string pdf = make_minimal_pdf({"x"});
    ScriptedHttp http;
    http.script = {answer(500, ""), answer(502, ""), answer(200, pdf), answer(200, pdf)};
    DownloadParams p;
    p.pdf_url = "http://127.0.0.1:1/pdf";
    p.wait_seconds = 2;
    auto s = run_download(dir, p, http, clock);
    CHECK(s.done == 2);
    REQUIRE(clock.sleeps.size() == 3);
    CHECK(clock.sleeps[0] == 2.0);  // backoff 2 s
    CHECK(clock.sleeps[1] == 4.0);  // backoff 4 s
    CHECK(clock.sleeps[2] == 2.0);  // the polite wait before the next paper
}
