#include <asp/arxiv/oai_harvest.hpp>

#include <deque>
#include <functional>
#include <map>

#include <fmt/format.h>

#include "unit/catch_compat.hpp"
#include "unit/fake_clock.hpp"
#include "unit/test_support.hpp"

using namespace asp;

namespace {

using StepClock = test::FakeClock;

struct Rec {
    std::string id;
    std::string datestamp;
    int version = 1;
    bool deleted = false;
    std::string category = "cs.DC";
};

std::string record_xml(const Rec& r) {
    if (r.deleted)
        return fmt::format("<record><header status=\"deleted\"><identifier>oai:arXiv.org:{}</identifier>"
                           "<datestamp>{}</datestamp></header></record>", r.id, r.datestamp);
    std::string versions;
    for (int v = 1; v <= r.version; ++v)
        versions += fmt::format("<version version=\"v{}\"><date>Mon, {} Jan 2024 10:00:00 GMT</date></version>", v, v);
    return fmt::format(
        "<record><header><identifier>oai:arXiv.org:{0}</identifier><datestamp>{1}</datestamp>"
        "<setSpec>cs</setSpec></header><metadata><arXivRaw xmlns=\"http://arxiv.org/OAI/arXivRaw/\">"
        "<id>{0}</id>{2}<title>Paper {0}</title><authors>A. Author and B. Author</authors>"
        "<categories>{3}</categories><abstract>About {0}.</abstract></arXivRaw></metadata></record>",
        r.id, r.datestamp, versions, r.category);
}

std::string page_xml(const std::vector<Rec>& recs, const std::string& token) {
    std::string out = "<?xml version=\"1.0\"?><OAI-PMH xmlns=\"http://www.openarchives.org/OAI/2.0/\"><ListRecords>";
    for (const auto& r : recs) out += record_xml(r);
    if (!token.empty()) out += "<resumptionToken>" + token + "</resumptionToken>";
    return out + "</ListRecords></OAI-PMH>";
}

std::string error_xml(const std::string& code) {
    return "<?xml version=\"1.0\"?><OAI-PMH xmlns=\"http://www.openarchives.org/OAI/2.0/\"><error code=\"" +
           code + "\">injected</error></OAI-PMH>";
}

HttpResponse ok(std::string body) {
    HttpResponse r;
    r.status = 200;
    r.body = std::move(body);
    return r;
}

// Answers requests from a script, in order; records the URLs.
class ScriptedOai final : public HttpClient {
public:
    HttpResponse perform(const HttpRequest& req) override {
        urls.push_back(req.url);
        REQUIRE_FALSE(answers.empty());
        auto a = answers.front();
        answers.pop_front();
        return a;
    }
    std::deque<HttpResponse> answers;
    std::vector<std::string> urls;
};

OaiParams params() {
    OaiParams p;
    p.oai_url = "http://127.0.0.1:9/oai";
    p.categories = {"cs.DC"};
    p.wait_time = 0;
    p.retry_base_delay = 1;
    return p;
}

std::vector<Rec> numbered(int from, int to, const std::string& datestamp) {
    std::vector<Rec> out;
    for (int i = from; i <= to; ++i) out.push_back({fmt::format("2401.{:05d}", i), datestamp});
    return out;
}

}  // namespace

TEST_CASE("harvest follows resumption tokens and keeps the wanted categories", "[arxiv][oai]") {
    test::TempDir tmp;
    PapersDb db(tmp / "papers.db", OpenMode::ReadWrite);
    StepClock clock;
    ScriptedOai http;
    auto first = numbered(1, 3, "2024-01-01");
    first.push_back({"2401.00100", "2024-01-01", 1, false, "math.GT"});
    http.answers = {ok(page_xml(first, "t1")), ok(page_xml(numbered(4, 5, "2024-01-02"), "t2")),
                    ok(page_xml(numbered(6, 6, "2024-01-03"), ""))};
    auto r = harvest_oai(params(), db, http, clock);
    REQUIRE(r.ok());
    CHECK(r.pages == 3);
    CHECK(r.requests == 3);
    CHECK(db.count() == 6);
    CHECK_FALSE(db.get("2401.00100"));
    CHECK(http.urls[0] == "http://127.0.0.1:9/oai?verb=ListRecords&metadataPrefix=arXivRaw&set=cs");
    CHECK(http.urls[1] == "http://127.0.0.1:9/oai?verb=ListRecords&resumptionToken=t1");
    CHECK(db.get("2401.00001")->authors == std::vector<std::string>{"A. Author", "B. Author"});

    SECTION("a later run asks from the last datestamp minus a day, and one request suffices") {
        ScriptedOai again;
        again.answers = {ok(page_xml(numbered(6, 6, "2024-01-03"), ""))};
        auto seq = db.change_seq();
        auto r2 = harvest_oai(params(), db, again, clock);
        REQUIRE(r2.ok());
        CHECK(again.urls.size() == 1);
        CHECK(again.urls[0] == "http://127.0.0.1:9/oai?verb=ListRecords&metadataPrefix=arXivRaw&set=cs&from=2024-01-02");
        CHECK(db.change_seq() == seq);
    }
    SECTION("noRecordsMatch is a successful empty harvest") {
        ScriptedOai again;
        again.answers = {ok(error_xml("noRecordsMatch"))};
        auto r2 = harvest_oai(params(), db, again, clock);
        REQUIRE(r2.ok());
        CHECK(r2.stopped_because.find("no records match") != std::string::npos);
    }
}

TEST_CASE("a deleted record removes the paper with its stage records", "[arxiv][oai]") {
    test::TempDir tmp;
    PapersDb db(tmp / "papers.db", OpenMode::ReadWrite);
    StepClock clock;
    ScriptedOai http;
    http.answers = {ok(page_xml(numbered(1, 2, "2024-01-01"), ""))};
    REQUIRE(harvest_oai(params(), db, http, clock).ok());
    db.record_done("download", "2401.00001", 1);
    ScriptedOai later;
    later.answers = {ok(page_xml({{"2401.00001", "2024-02-01", 1, true}, {"2401.00999", "2024-02-01", 1, true}}, ""))};
    std::vector<std::string> removed;
    auto r = harvest_oai(params(), db, later, clock, [&](const std::string& id, int v) {
        removed.push_back(id + "v" + std::to_string(v));
    });
    REQUIRE(r.ok());
    CHECK(r.deleted_seen == 2);
    CHECK(r.removed == 1);
    CHECK(removed == std::vector<std::string>{"2401.00001v1"});
    CHECK_FALSE(db.get("2401.00001"));
    CHECK_FALSE(db.stage_record("download", "2401.00001"));
    CHECK(db.count() == 1);
}

TEST_CASE("503 with Retry-After waits exactly that long and repeats the same request", "[arxiv][oai]") {
    test::TempDir tmp;
    PapersDb db(tmp / "papers.db", OpenMode::ReadWrite);
    StepClock clock;
    ScriptedOai http;
    HttpResponse busy;
    busy.status = 503;
    busy.headers["retry-after"] = "7";
    HttpResponse reset;
    reset.transport_error = true;
    reset.error = "connection reset";
    http.answers = {ok(page_xml(numbered(1, 1, "2024-01-01"), "t1")), busy, reset,
                    ok(page_xml(numbered(2, 2, "2024-01-01"), ""))};
    auto p = params();
    p.wait_time = 3;
    auto r = harvest_oai(p, db, http, clock);
    REQUIRE(r.ok());
    CHECK(db.count() == 2);
    CHECK(r.retries == 2);
    REQUIRE(http.urls.size() == 4);
    CHECK(http.urls[1] == http.urls[2]);
    CHECK(http.urls[2] == http.urls[3]);
    // between requests: 3 s wait, then Retry-After 7 s, then backoff 2 s (second retry) + 0
    CHECK(clock.sleeps == std::vector<double>{3.0, 7.0, 2.0, 1.0});
}

TEST_CASE("the 3-second rule holds against arxiv.org whatever --wait-time says", "[arxiv][oai]") {
    test::TempDir tmp;
    PapersDb db(tmp / "papers.db", OpenMode::ReadWrite);
    StepClock clock;
    ScriptedOai http;
    http.answers = {ok(page_xml(numbered(1, 1, "2024-01-01"), "t1")), ok(page_xml(numbered(2, 2, "2024-01-01"), ""))};
    auto p = params();
    p.oai_url = "https://oaipmh.arxiv.org/oai";
    auto r = harvest_oai(p, db, http, clock);
    REQUIRE(r.ok());
    CHECK(clock.sleeps == std::vector<double>{3.0});
}

TEST_CASE("badResumptionToken restarts from the last saved datestamp, not from zero", "[arxiv][oai]") {
    test::TempDir tmp;
    PapersDb db(tmp / "papers.db", OpenMode::ReadWrite);
    StepClock clock;
    ScriptedOai http;
    http.answers = {ok(page_xml(numbered(1, 2, "2024-01-01"), "t1")),
                    ok(page_xml(numbered(3, 4, "2024-01-05"), "t2")), ok(error_xml("badResumptionToken")),
                    ok(page_xml(numbered(4, 6, "2024-01-05"), ""))};
    auto p = params();
    p.from = "2023-12-01";
    auto r = harvest_oai(p, db, http, clock);
    REQUIRE(r.ok());
    CHECK(r.restarts == 1);
    REQUIRE(http.urls.size() == 4);
    CHECK(http.urls[3] == "http://127.0.0.1:9/oai?verb=ListRecords&metadataPrefix=arXivRaw&set=cs&from=2024-01-05");
    CHECK(db.count() == 6);

    SECTION("badResumptionToken again and again is a clear failure") {
        ScriptedOai bad;
        for (int i = 0; i < 5; ++i) bad.answers.push_back(ok(error_xml("badResumptionToken")));
        auto r2 = harvest_oai(p, db, bad, clock);
        REQUIRE_FALSE(r2.ok());
        CHECK(r2.failure->find("badResumptionToken 4 times in a row") != std::string::npos);
    }
}

TEST_CASE("a killed harvest continues with the saved token", "[arxiv][oai]") {
    test::TempDir tmp;
    StepClock clock;
    {
        PapersDb db(tmp / "papers.db", OpenMode::ReadWrite);
        ScriptedOai http;
        HttpResponse down;
        down.transport_error = true;
        down.error = "refused";
        http.answers = {ok(page_xml(numbered(1, 2, "2024-01-01"), "t1"))};
        for (int i = 0; i < 6; ++i) http.answers.push_back(down);
        auto p = params();
        auto r = harvest_oai(p, db, http, clock);
        REQUIRE_FALSE(r.ok());
        CHECK(r.failure->find("giving up") != std::string::npos);
        CHECK(db.count() == 2);
    }
    PapersDb db(tmp / "papers.db", OpenMode::ReadWrite);
    ScriptedOai http;
    http.answers = {ok(page_xml(numbered(3, 4, "2024-01-02"), ""))};
    auto r = harvest_oai(params(), db, http, clock);
    REQUIRE(r.ok());
    CHECK(r.resumed);
    CHECK(http.urls[0] == "http://127.0.0.1:9/oai?verb=ListRecords&resumptionToken=t1");
    CHECK(db.count() == 4);
}

TEST_CASE("bad answers fail clearly and save nothing of the failing page", "[arxiv][oai]") {
    test::TempDir tmp;
    PapersDb db(tmp / "papers.db", OpenMode::ReadWrite);
    StepClock clock;
    auto p = params();
    p.max_retries = 1;

    SECTION("an OAI error") {
        ScriptedOai http;
        http.answers = {ok(error_xml("badArgument"))};
        auto r = harvest_oai(p, db, http, clock);
        REQUIRE_FALSE(r.ok());
        CHECK(r.failure->find("OAI-PMH error badArgument") != std::string::npos);
        CHECK(db.count() == 0);
    }
    SECTION("malformed XML, twice") {
        ScriptedOai http;
        std::string page = page_xml(numbered(1, 3, "2024-01-01"), "t1");
        http.answers = {ok(page.substr(0, page.size() / 2)), ok(page.substr(0, page.size() / 3))};
        auto r = harvest_oai(p, db, http, clock);
        REQUIRE_FALSE(r.ok());
        CHECK(r.failure->find("not well-formed XML") != std::string::npos);
        CHECK(db.count() == 0);
    }
    SECTION("a page that repeats a token") {
        ScriptedOai http;
        http.answers = {ok(page_xml(numbered(1, 1, "2024-01-01"), "t1")),
                        ok(page_xml(numbered(2, 2, "2024-01-01"), "t1"))};
        auto r = harvest_oai(p, db, http, clock);
        REQUIRE_FALSE(r.ok());
        CHECK(r.failure->find("repeated the resumption token 't1'") != std::string::npos);
        CHECK(db.count() == 1);
        CHECK_FALSE(db.get("2401.00002"));
    }
    SECTION("an endless token chain hits the page cap") {
        ScriptedOai http;
        for (int i = 0; i < 10; ++i) http.answers.push_back(ok(page_xml({}, fmt::format("t{}", i))));
        p.max_pages = 5;
        auto r = harvest_oai(p, db, http, clock);
        REQUIRE_FALSE(r.ok());
        CHECK(r.failure->find("more than 5 pages") != std::string::npos);
        CHECK(http.urls.size() == 5);
    }
}

TEST_CASE("categories, sets and dates of the command line", "[arxiv][oai]") {
    using V = std::vector<std::string>;
    CHECK(categories_of_query("cat:cs.DC") == V{"cs.DC"});
    CHECK(categories_of_query("cat:cs.DC OR cat:cs.OS") == V{"cs.DC", "cs.OS"});
    CHECK(categories_of_query("cat:cs.DC AND ti:x").empty());
    CHECK(categories_of_query("all:electron").empty());
    CHECK(oai_set_for_categories({"cs.DC", "cs.OS"}) == std::optional<std::string>("cs"));
    CHECK(oai_set_for_categories({"hep-th"}) == std::optional<std::string>("physics:hep-th"));
    CHECK(oai_set_for_categories({"hep-th", "quant-ph"}) == std::optional<std::string>("physics"));
    CHECK_FALSE(oai_set_for_categories({"cs.DC", "math.GT"}));
    CHECK(date_minus_days("2024-03-01", 1) == std::optional<std::string>("2024-02-29"));
    CHECK_FALSE(date_minus_days("2024-3-1", 1));
}
