// OAI harvest: fetch --source oai. Follows ListRecords (metadataPrefix=arXivRaw) of one OAI
// set through its resumption tokens into papers.db, keeping the records whose categories
// include one of `categories` (newest version of each, the same fields as the export API).
//
// Crash safety: each page is saved in one transaction together with the harvest state
// (papers.db meta key "oai.harvest:<set>:<categories>": the next resumption token, the
// request that started the harvest, the newest datestamp saved). A kill -9 at any moment
// loses at most the page in flight; the next run continues with the saved token, so the
// result equals an uninterrupted harvest. When the server no longer knows the token
// (badResumptionToken: tokens expire), the harvest restarts with from = the newest datestamp
// saved (records are listed in datestamp order), not from the beginning.
//
// Incremental: a run without `from` after a completed harvest asks from the newest datestamp
// harvested minus `overlap_days`; when nothing changed that is one or two requests and
// papers.db is not written.
//
// Politeness and faults as fetch's API source: at least `wait_time` seconds between the
// starts of two requests (never below 3 s for arxiv.org hosts); a 503 with Retry-After waits
// exactly that long and repeats the request (arXiv's flow control); transport errors, other
// 429/5xx and a body that is not OAI-PMH XML are retried with exponential backoff.
//
// Deleted records (header status="deleted") remove the paper from papers.db (its row and its
// stage records, in the page's transaction; `on_removed` then gets its id and version, e.g.
// to delete its files), as if it had never been fetched.
//
// Failures that stop the run are reported in OaiReport::failure, with nothing of the failing
// page saved: an OAI error other than noRecordsMatch / badResumptionToken, a page that
// repeats an earlier resumption token, more than `max_pages` pages, badResumptionToken
// `max_restarts` times in a row, retries exhausted. Database errors throw.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <asp/arxiv/fetch.hpp>
#include <asp/core/clock.hpp>
#include <asp/core/data_dir.hpp>
#include <asp/net/http_client.hpp>
#include <asp/store/papers_db.hpp>

namespace asp {

struct OaiParams {
    std::string oai_url = "https://oaipmh.arxiv.org/oai";
    std::string set;                      // "" : derived from `categories`; "all": no set
    std::vector<std::string> categories;  // keep records in one of these (required)
    std::string from;                     // "YYYY-MM-DD"; "" : continue / everything
    std::string until;                    // "YYYY-MM-DD"; "" : up to now
    double wait_time = 5.0;
    int max_retries = 5;
    double retry_base_delay = 5.0;
    double retry_max_delay = 300.0;
    double timeout = 300.0;  // seconds per request (a page is a few MB)
    long max_pages = 100000;  // a longer token chain is an error (a server loop)
    int max_restarts = 3;     // badResumptionToken in a row before giving up
    int overlap_days = 1;
};

struct OaiReport {
    size_t requests = 0;
    size_t pages = 0;
    size_t retries = 0;
    size_t restarts = 0;       // badResumptionToken restarts
    size_t records = 0;        // records received (deleted included)
    size_t kept = 0;           // records in the wanted categories
    size_t deleted_seen = 0;   // deleted records received
    size_t removed = 0;        // papers removed from papers.db
    UpsertCounts counts;
    std::string from_used;     // the from of the first request ("" : none)
    bool resumed = false;      // continued an interrupted harvest
    std::string stopped_because;
    std::optional<std::string> failure;
    bool ok() const { return !failure; }
};

// The set to harvest for these categories: their common OAI set ("cs.DC", "cs.OS" -> "cs";
// "hep-th", "quant-ph" -> "physics"); nullopt when they span several top-level sets.
std::optional<std::string> oai_set_for_categories(const std::vector<std::string>& categories);

// The categories a search query names when it is only `cat:` terms joined by OR
// ("cat:cs.DC", "cat:cs.DC OR cat:cs.OS"); empty for any other query.
std::vector<std::string> categories_of_query(std::string_view search_query);

// "2026-01-02" minus `days` days; nullopt when `date` is not YYYY-MM-DD.
std::optional<std::string> date_minus_days(std::string_view date, int days);

// The first request's URL (verb=ListRecords&metadataPrefix=arXivRaw&set=..&from=..&until=..)
// and a resumption request's.
std::string oai_list_url(const std::string& base, const std::string& set, const std::string& from,
                         const std::string& until);
std::string oai_resume_url(const std::string& base, const std::string& token);

// Deletes what later stages made of versions 1..version of a removed paper (PDF, text,
// thumbnail); a missing file is fine. Returns how many files went.
size_t remove_paper_files(const DataDir& dir, const std::string& id, int version);

OaiReport harvest_oai(const OaiParams& params, PapersDb& db, HttpClient& http, Clock& clock,
                      const std::function<void(const std::string& id, int version)>& on_removed = {});

}  // namespace asp
