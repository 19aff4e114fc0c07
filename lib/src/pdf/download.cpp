#include <asp/pdf/download.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <exception>
#include <filesystem>
#include <stdexcept>
#include <vector>

#include <spdlog/spdlog.h>

#include <asp/arxiv/fetch.hpp>
#include <asp/store/paper.hpp>
#include <asp/core/atomic_file.hpp>
#include <asp/core/stage_lock.hpp>
#include <asp/pdf/pdf_check.hpp>
#include <asp/pdf/small_disk.hpp>
#include <asp/store/papers_db.hpp>

namespace asp {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr const char* kStage = "download";
// A transient failure is recorded with this reason prefix; the next runs retry it (after the
// papers never tried) until it has failed kTemporaryRuns runs in a row.
constexpr std::string_view kTemporary = "temporary: ";
constexpr int kTemporaryRuns = 5;

enum class AttemptKind { Saved, Permanent, Transient };

struct Attempt {
    AttemptKind kind;
    std::string reason;
    std::chrono::milliseconds retry_after{-1};  // from a Retry-After header
};

std::chrono::milliseconds parse_retry_after(const HttpResponse& r) {
    auto v = r.header("retry-after");
    if (!v || v->empty() || !std::isdigit(static_cast<unsigned char>((*v)[0]))) return -1ms;
    try {
        return std::chrono::milliseconds(static_cast<long long>(std::stod(*v) * 1000));
    } catch (...) {
        return -1ms;
    }
}

// One GET of one PDF into a temporary file; commits it only when it is a checked PDF.
Attempt fetch_once(HttpClient& http, const std::string& url, const fs::path& dest,
                   const DownloadParams& p) {
    AtomicFile file(dest);
    std::string head;
    size_t size = 0;
    bool too_large = false;
    std::exception_ptr write_error;  // never thrown through curl's C frames
    HttpRequest req;
    req.url = url;
    req.headers["Accept"] = "application/pdf";
    req.connect_timeout = std::min<std::chrono::milliseconds>(p.stall_timeout, 15s);
    req.timeout = 0ms;  // big PDFs on slow links: the stall limit below bounds a dead transfer
    req.low_speed_bytes = 1;
    req.low_speed_time = p.stall_timeout;
    req.on_body = [&](std::string_view chunk) {
        if (size + chunk.size() > p.max_pdf_bytes) {
            too_large = true;
            return false;
        }
        try {
            file.write(chunk);
        } catch (...) {
            write_error = std::current_exception();
            return false;
        }
        size += chunk.size();
        if (head.size() < kPdfEnvelopeBytes)
            head.append(chunk.substr(0, kPdfEnvelopeBytes - head.size()));
        return true;
    };
    HttpResponse resp = http.perform(req);
    // A full disk is the machine's failure: it leaves the stage (nothing recorded).
    if (write_error) std::rethrow_exception(write_error);
    if (too_large)
        return {AttemptKind::Permanent,
                "larger than the limit of " + std::to_string(p.max_pdf_bytes >> 20) + " MiB"};
    if (resp.transport_error)
        return {AttemptKind::Transient, "transfer failed: " + resp.error};
    const long st = resp.status;
    if (st == 429 || st >= 500)
        return {AttemptKind::Transient, "HTTP " + std::to_string(st), parse_retry_after(resp)};
    if (st == 404 || st == 410)
        return {AttemptKind::Permanent, "HTTP " + std::to_string(st) + " (no such paper version)"};
    if (st < 200 || st >= 300) return {AttemptKind::Permanent, "HTTP " + std::to_string(st)};

    Status env = check_pdf_envelope(head);
    if (!env) {
        std::string why = env.error().message;
        auto type = resp.header("content-type");
        if (type && type->find("pdf") == std::string::npos) why += " [Content-Type: " + *type + "]";
        return {AttemptKind::Permanent, why};  // an HTML page instead of a PDF: the server's answer
    }
    // Poppler reads the temporary file: flush it first; check in a worker with limits.
    file.flush();
    JobOutcome verdict;
    const fs::path temp = file.temp_path();
    run_isolated_jobs(
        1, 1, p.verify_limits,
        [&](size_t) -> Status {
            auto pages = pdf_page_count(temp);
            if (!pages) return pages.error();
            return Ok{};
        },
        [&](size_t, const JobOutcome& o) { verdict = o; });
    if (!verdict.ok()) return {AttemptKind::Permanent, "not a usable PDF: " + verdict.reason};
    file.commit();
    return {AttemptKind::Saved, ""};
}

bool file_present(const fs::path& p) {
    std::error_code ec;
    return fs::is_regular_file(p, ec) && fs::file_size(p, ec) > 0 && !ec;
}

struct Todo {
    std::string id;
    int version;
};

void remove_older_versions(const DataDir& dir, const Todo& t) {
    std::error_code ec;
    for (int v = 1; v < t.version; ++v) fs::remove(dir.pdf_path(t.id, v), ec);
}

}  // namespace

std::string pdf_url_for(std::string_view base, std::string_view raw_id, int version) {
    std::string url(base);
    while (!url.empty() && url.back() == '/') url.pop_back();
    return url + "/" + std::string(raw_id) + "v" + std::to_string(version);
}

double effective_wait_seconds(std::string_view pdf_url, double requested) {
    return is_arxiv_host(pdf_url) ? std::max(3.0, requested) : std::max(0.0, requested);
}

StageSummary run_download(const DataDir& dir, const DownloadParams& p, HttpClient& http,
                          Clock& clock) {
    const auto t0 = clock.now();
    fs::create_directories(dir.pdf_dir());  // only ours: other stages' folders are theirs
    remove_stale_temp_files(dir.pdf_dir());  // a run killed mid-transfer
    PapersDb db(dir.papers_db(), OpenMode::ReadWrite);
    StageSummary summary;

    if (p.small_disk) {
        size_t pruned = prune_processed_pdfs(db, dir);
        if (pruned) spdlog::info("small disk: removed {} PDFs whose text and thumbnail exist", pruned);
    }

    auto records = db.stage_records(kStage);
    std::vector<Todo> todo, retry_later;
    size_t known_failed = 0;
    std::vector<Paper> papers = db.all();  // newest first: the most wanted PDFs come first
    for (const Paper& paper : papers) {
        auto it = records.find(paper.id);
        const StageRecord* rec =
            it != records.end() && it->second.version == paper.version ? &it->second : nullptr;
        if (!p.force) {
            if (file_present(dir.pdf_path(paper.id, paper.version))) {
                if (!rec || rec->state != StageState::Done) db.record_done(kStage, paper.id, paper.version);
                ++summary.skipped;
                continue;
            }
            if (rec && rec->state == StageState::Done && pdf_no_longer_needed(db, dir, paper)) {
                ++summary.skipped;  // small-disk mode removed it after use
                continue;
            }
            const bool temporary = rec && rec->state == StageState::Failed &&
                                   rec->reason.rfind(kTemporary, 0) == 0 &&
                                   rec->attempts < kTemporaryRuns;
            if (temporary) {
                retry_later.push_back({paper.id, paper.version});
                continue;
            }
            if (rec && rec->state == StageState::Failed && !p.retry_failed) {
                ++summary.skipped;
                ++known_failed;
                continue;
            }
        }
        todo.push_back({paper.id, paper.version});
    }
    // Papers that failed transiently before go last: a few bad ones never block the rest.
    todo.insert(todo.end(), retry_later.begin(), retry_later.end());
    papers.clear();
    papers.shrink_to_fit();

    const double wait_s = effective_wait_seconds(p.pdf_url, p.wait_seconds);
    if (wait_s > p.wait_seconds)
        spdlog::info("waiting {} s between requests to {} (arXiv's rule)", wait_s, p.pdf_url);
    spdlog::info("download: {} PDFs to fetch, {} skipped ({} failed before{})", todo.size(),
                 summary.skipped, known_failed,
                 known_failed && !p.retry_failed ? "; --retry-failed retries them" : "");

    const auto wait = std::chrono::milliseconds(static_cast<long long>(wait_s * 1000));
    const auto backoff_base = std::max<std::chrono::milliseconds>(wait, 1s);
    std::optional<Clock::time_point> last_request;
    auto polite_pause = [&](std::chrono::milliseconds at_least) {
        if (!last_request) return;
        auto since = std::chrono::duration_cast<std::chrono::milliseconds>(clock.now() - *last_request);
        if (since < at_least) clock.sleep_for(at_least - since);
    };

    Progress progress("download", todo.size());
    int consecutive_transient = 0;
    for (const Todo& t : todo) {
        const std::string url = pdf_url_for(p.pdf_url, t.id, t.version);
        const fs::path dest = dir.pdf_path(t.id, t.version);
        Attempt last{AttemptKind::Transient, ""};
        std::chrono::milliseconds pause = wait;
        for (int attempt = 1; attempt <= p.max_attempts; ++attempt) {
            polite_pause(pause);
            last = fetch_once(http, url, dest, p);
            last_request = clock.now();
            if (last.kind != AttemptKind::Transient) break;
            if (attempt < p.max_attempts) {
                auto backoff = backoff_base * (1 << (attempt - 1));
                pause = std::min<std::chrono::milliseconds>(std::max(backoff, last.retry_after), 300s);
                spdlog::debug("{}v{}: {}; retrying in {} ms", t.id, t.version, last.reason, pause.count());
            }
        }
        switch (last.kind) {
            case AttemptKind::Saved:
                db.record_done(kStage, t.id, t.version);
                if (p.small_disk) remove_older_versions(dir, t);
                ++summary.done;
                consecutive_transient = 0;
                break;
            case AttemptKind::Permanent:
                spdlog::warn("{}v{}: {}", t.id, t.version, last.reason);
                db.record_failure(kStage, t.id, t.version, last.reason);
                ++summary.failed;
                consecutive_transient = 0;
                break;
            case AttemptKind::Transient:
                spdlog::warn("{}v{}: {} (after {} attempts; the next run tries again)", t.id,
                             t.version, last.reason, p.max_attempts);
                db.record_failure(kStage, t.id, t.version,
                                  std::string(kTemporary) + last.reason + " (after " +
                                      std::to_string(p.max_attempts) + " attempts)");
                ++summary.failed;
                if (++consecutive_transient >= p.max_consecutive_transient)
                    throw TryLater("stopping: " + std::to_string(consecutive_transient) +
                                   " papers in a row failed at " + p.pdf_url + " (last: " +
                                   last.reason + "); each is recorded and retried by a later "
                                   "run: try again later");
                break;
        }
        progress.advance();
    }
    progress.finish();
    summary.seconds = std::chrono::duration<double>(clock.now() - t0).count();
    return summary;
}

}  // namespace asp
