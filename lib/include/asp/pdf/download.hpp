// download: the PDF of each paper's current version that lacks one, politely: one request at
// a time over one connection, `wait_seconds` between requests (never under 3 s against
// arxiv.org, as arXiv asks), backoff on 429/5xx/cut transfers (honouring Retry-After).
//
// A PDF streams into a temporary file (AtomicFile) and takes its final name pdf/<id>v<N>.pdf
// only after it is checked: a "%PDF-" header and Poppler opening it with pages (in an
// isolated worker); bytes after "%%EOF" are fine when Poppler accepts the file. So an HTML
// error page served as 200, a cut transfer or a half-written file never sits under a final
// name. A full disk (a storage failure) stops the stage with nothing recorded for the paper.
//
// Outcomes go to papers.db's "download" stage records:
//  - done: the file is there (or was, and small-disk mode removed it after pdf2txt and thumb);
//  - failed with a reason: HTTP 404/410 and other 4xx, a non-PDF answer, a PDF Poppler
//    cannot open, a PDF over the size limit. Not retried unless retry_failed.
// Transient trouble (429, 5xx, timeouts, cut transfers) is retried up to max_attempts, then
// recorded as failed with a reason starting "temporary: ": the next runs retry it, after the
// papers never tried, until it has failed 5 runs in a row (then only --retry-failed does). So
// a few bad papers never block the others. After max_consecutive_transient papers in a row
// fail transiently the server is taken to be down or blocking us: the stage stops by throwing
// TryLater (the tool exits 75, "try again later").
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include <asp/core/clock.hpp>
#include <asp/core/data_dir.hpp>
#include <asp/core/log.hpp>
#include <asp/net/http_client.hpp>
#include <asp/proc/isolated_jobs.hpp>

namespace asp {

struct DownloadParams {
    std::string pdf_url = "https://arxiv.org/pdf";  // base: <base>/<id>v<N>
    double wait_seconds = 3.0;
    bool force = false;
    bool retry_failed = false;
    // Delete PDFs whose text and thumbnail exist (and older versions' PDFs); see small_disk.hpp.
    bool small_disk = false;
    int max_attempts = 4;
    // A transfer making no progress for this long is abandoned (and retried).
    std::chrono::seconds stall_timeout{60};
    size_t max_pdf_bytes = size_t{200} << 20;
    int max_consecutive_transient = 5;
    ProcessLimits verify_limits{std::chrono::seconds(60), std::chrono::seconds(60), 1024};
};

// `clock` measures and makes the waits between requests (tests pass a fake that records them).
StageSummary run_download(const DataDir& data_dir, const DownloadParams& params, HttpClient& http,
                          Clock& clock = system_clock());

// The wait actually used: at least 3 s when the base URL's host is arxiv.org or a subdomain.
double effective_wait_seconds(std::string_view pdf_url, double requested);

// "<base>/<raw id>v<N>" (old-style ids keep their slash, as arXiv's URLs do).
std::string pdf_url_for(std::string_view base, std::string_view raw_id, int version);

}  // namespace asp
