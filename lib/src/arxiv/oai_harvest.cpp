#include <asp/arxiv/oai_harvest.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <asp/arxiv/atom.hpp>
#include <asp/arxiv/oai.hpp>
#include <asp/core/paper_text.hpp>
#include <asp/core/strings.hpp>
#include <asp/core/time.hpp>
#include <asp/web/url.hpp>

namespace asp {
namespace {

Clock::duration to_duration(double s) {
    return std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(std::max(0.0, s)));
}

std::string join(const std::vector<std::string>& v, std::string_view sep) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : std::string(sep)) + s;
    return out;
}

// Where a harvest stands, saved in the transaction of each page (papers.db meta).
struct HarvestState {
    std::string from, until;           // of the request that started the harvest
    std::optional<std::string> token;  // set while a harvest is unfinished
    std::string last_datestamp;        // the newest datestamp saved ("" : none yet)

    // A finished harvest keeps only its newest datestamp, so a rerun that changes nothing
    // writes the same value (and papers.db is not touched).
    std::string to_json() const {
        nlohmann::json j{{"from", token ? from : ""},
                         {"until", token ? until : ""},
                         {"last_datestamp", last_datestamp}};
        j["token"] = token ? nlohmann::json(*token) : nlohmann::json(nullptr);
        return j.dump();
    }
    static HarvestState parse(const std::string& text) {
        HarvestState s;
        auto j = nlohmann::json::parse(text, nullptr, false);
        if (!j.is_object()) return s;
        s.from = j.value("from", "");
        s.until = j.value("until", "");
        s.last_datestamp = j.value("last_datestamp", "");
        if (j.contains("token") && j["token"].is_string()) s.token = j["token"].get<std::string>();
        return s;
    }
};

// One request's outcome after the retries.
struct Answer {
    std::optional<OaiPage> page;
    std::optional<OaiError> oai_error;  // noRecordsMatch or badResumptionToken
    std::optional<std::string> failure;
};

class Harvester {
public:
    Harvester(const OaiParams& p, std::string set, PapersDb& db, HttpClient& http, Clock& clock,
              const std::function<void(const std::string&, int)>& on_removed)
        : p_(p), set_(std::move(set)), db_(db), http_(http), clock_(clock),
          on_removed_(on_removed), wait_(to_duration(effective_wait_time(p.oai_url, p.wait_time))),
          key_("oai.harvest:" + (set_.empty() ? std::string("all") : set_) + ":" +
               join(p.categories, ",")) {}

    OaiReport run();

private:
    Answer request(const std::string& url);
    void wait_for_turn();
    bool wanted(const Paper& paper) const;
    void save_page(const OaiPage& page, HarvestState& state);

    const OaiParams& p_;
    std::string set_;
    PapersDb& db_;
    HttpClient& http_;
    Clock& clock_;
    const std::function<void(const std::string&, int)>& on_removed_;
    Clock::duration wait_;
    std::string key_;
    std::optional<Clock::time_point> last_request_;
    OaiReport report_;
};

void Harvester::wait_for_turn() {
    if (!last_request_) return;
    auto elapsed = clock_.now() - *last_request_;
    if (elapsed < wait_) clock_.sleep_for(wait_ - elapsed);
}

Answer Harvester::request(const std::string& url) {
    HttpRequest req;
    req.url = url;
    req.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(to_duration(p_.timeout));
    req.connect_timeout = std::min(req.connect_timeout, req.timeout);
    Answer answer;
    for (int attempt = 0;; ++attempt) {
        wait_for_turn();
        last_request_ = clock_.now();
        ++report_.requests;
        spdlog::debug("GET {}", url);
        HttpResponse resp = http_.perform(req);

        std::string problem;
        std::optional<double> delay;  // set: exactly this long (the server's flow control)
        if (resp.transport_error) {
            problem = "network error: " + resp.error;
        } else if (resp.status == 503 && retry_after_seconds(resp)) {
            delay = retry_after_seconds(resp);
            problem = fmt::format("HTTP 503 with Retry-After {:.0f} s (flow control)", *delay);
        } else if (is_retryable_status(resp.status)) {
            problem = fmt::format("HTTP {}", resp.status);
        } else {
            OaiParse parsed = parse_oai_page(resp.body);
            if (parsed.error && parsed.error->kind != OaiErrorKind::NotOai) {
                if (parsed.error->kind == OaiErrorKind::Other)
                    answer.failure = parsed.error->message + " (request: " + url + ")";
                else
                    answer.oai_error = parsed.error;
                return answer;
            }
            if (resp.status < 200 || resp.status >= 300) {
                answer.failure = fmt::format("HTTP {} from {}", resp.status, url);
                return answer;
            }
            if (!parsed.error) {
                answer.page = std::move(parsed.page);
                return answer;
            }
            problem = "unusable response: " + parsed.error->message;
        }
        if (attempt >= p_.max_retries) {
            answer.failure =
                fmt::format("giving up on {} after {} retries: {}", url, p_.max_retries, problem);
            return answer;
        }
        double wait = delay ? *delay
                            : std::min(p_.retry_max_delay,
                                       p_.retry_base_delay * std::pow(2.0, attempt));
        ++report_.retries;
        spdlog::warn("{}; retry {}/{} in {:.1f} s", problem, attempt + 1, p_.max_retries, wait);
        clock_.sleep_for(to_duration(wait));
    }
}

bool Harvester::wanted(const Paper& paper) const {
    for (const auto& f : p_.categories)
        for (const auto& c : paper.categories)
            if (category_matches(f, c)) return true;
    return false;
}

void Harvester::save_page(const OaiPage& page, HarvestState& state) {
    std::vector<Paper> papers;
    std::vector<std::string> deleted;
    for (const auto& r : page.records) {
        ++report_.records;
        if (!r.datestamp.empty() && r.datestamp > state.last_datestamp)
            state.last_datestamp = r.datestamp;
        if (r.deleted) {
            ++report_.deleted_seen;
            deleted.push_back(r.id);
        } else if (wanted(*r.paper)) {
            papers.push_back(*r.paper);
        }
    }
    for (const auto& why : page.skipped) spdlog::warn("skipped a record: {}", why);
    report_.kept += papers.size();
    state.token = page.resumption_token;
    std::vector<std::pair<std::string, int>> removed;
    UpsertCounts c = db_.upsert_all(papers, [&](const UpsertCounts&) {
        for (const auto& id : deleted) {
            auto stored = db_.get(id);
            if (stored && db_.remove(id)) removed.emplace_back(id, stored->version);
        }
        db_.set_meta(key_, state.to_json());
    });
    ++report_.pages;
    report_.removed += removed.size();
    report_.counts.added += c.added;
    report_.counts.new_versions += c.new_versions;
    report_.counts.changed += c.changed;
    report_.counts.unchanged += c.unchanged;
    report_.counts.rejected += c.rejected;  // refused at the papers.db door (clean_paper)
    spdlog::info("page {}: {} records ({} deleted), {} in the categories: {} added, {} new "
                 "versions, {} updated, {} known, {} removed{}",
                 report_.pages, page.records.size(), deleted.size(), papers.size(), c.added,
                 c.new_versions, c.changed, c.unchanged, removed.size(),
                 page.complete_list_size
                     ? fmt::format(" (cursor {}, list size {})", page.cursor.value_or(0),
                                   *page.complete_list_size)
                     : "");
    if (on_removed_)
        for (const auto& [id, version] : removed) on_removed_(id, version);
}

OaiReport Harvester::run() {
    HarvestState state;
    if (auto saved = db_.meta(key_)) state = HarvestState::parse(*saved);
    std::string url;
    const bool same_range = (p_.from.empty() || p_.from == state.from) &&
                            (p_.until.empty() || p_.until == state.until);
    if (state.token && same_range) {
        report_.resumed = true;
        report_.from_used = state.from;
        spdlog::info("continuing the interrupted harvest of set {} (from '{}')", set_, state.from);
        url = oai_resume_url(p_.oai_url, *state.token);
    } else {
        std::string from = p_.from;
        if (from.empty() && !state.last_datestamp.empty())
            from = date_minus_days(state.last_datestamp, p_.overlap_days).value_or("");
        state.from = from;
        state.until = p_.until;
        state.token.reset();
        report_.from_used = from;
        url = oai_list_url(p_.oai_url, set_, from, p_.until);
    }
    std::set<std::string> tokens_seen;
    int restarts_in_a_row = 0;
    while (true) {
        if (static_cast<long>(report_.pages) >= p_.max_pages) {
            report_.failure = fmt::format(
                "more than {} pages in one harvest (--oai-max-pages): the server's resumption "
                "tokens seem to go on for ever; stopped at {}", p_.max_pages, url);
            return report_;
        }
        Answer a = request(url);
        if (a.failure) {
            report_.failure = std::move(a.failure);
            return report_;
        }
        if (a.oai_error && a.oai_error->kind == OaiErrorKind::NoRecordsMatch) {
            state.token.reset();
            db_.set_meta(key_, state.to_json());
            report_.stopped_because = "no records match (nothing new)";
            return report_;
        }
        if (a.oai_error) {  // badResumptionToken
            if (++restarts_in_a_row > p_.max_restarts) {
                report_.failure = fmt::format("badResumptionToken {} times in a row ({})",
                                              restarts_in_a_row, a.oai_error->message);
                return report_;
            }
            ++report_.restarts;
            std::string from = state.last_datestamp.empty() ? state.from : state.last_datestamp;
            spdlog::warn("{}; restarting the harvest from {}", a.oai_error->message,
                         from.empty() ? std::string("the beginning") : from);
            url = oai_list_url(p_.oai_url, set_, from, state.until);
            tokens_seen.clear();
            continue;
        }
        const OaiPage& page = *a.page;
        if (page.resumption_token && tokens_seen.count(*page.resumption_token)) {
            report_.failure = fmt::format(
                "the server repeated the resumption token '{}' (a loop); the page of {} was "
                "not saved", *page.resumption_token, url);
            return report_;
        }
        save_page(page, state);
        restarts_in_a_row = 0;
        if (!page.resumption_token) {
            report_.stopped_because = "harvest complete";
            return report_;
        }
        tokens_seen.insert(*page.resumption_token);
        url = oai_resume_url(p_.oai_url, *page.resumption_token);
    }
}

}  // namespace

std::optional<std::string> oai_set_for_categories(const std::vector<std::string>& categories) {
    std::optional<std::string> set;
    for (const auto& c : categories) {
        std::string s = oai_set_for_category(c);
        if (!set) {
            set = s;
        } else if (*set != s) {
            // physics:hep-th + physics:quant-ph -> physics
            auto top = [](const std::string& x) { return x.substr(0, x.find(':')); };
            if (top(*set) != top(s)) return std::nullopt;
            set = top(s);
        }
    }
    return set;
}

std::vector<std::string> categories_of_query(std::string_view q) {
    std::vector<std::string> out;
    std::string text = fold_whitespace(q);
    std::string_view v = text;
    bool want_term = true;
    while (!v.empty()) {
        auto sp = v.find(' ');
        std::string_view word = v.substr(0, sp);
        v = sp == std::string_view::npos ? std::string_view{} : v.substr(sp + 1);
        if (want_term) {
            if (word.substr(0, 4) != "cat:" || word.size() == 4) return {};
            out.emplace_back(word.substr(4));
        } else if (word != "OR") {
            return {};
        }
        want_term = !want_term;
    }
    if (want_term) return {};  // empty, or ends with OR
    return out;
}

std::optional<std::string> date_minus_days(std::string_view date, int days) {
    if (date.size() != 10) return std::nullopt;
    auto t = parse_iso8601(std::string(date) + "T00:00:00Z");
    if (!t) return std::nullopt;
    return format_iso8601(*t - int64_t{days} * 86400).substr(0, 10);
}

std::string oai_list_url(const std::string& base, const std::string& set, const std::string& from,
                         const std::string& until) {
    std::string url = base + (base.find('?') == std::string::npos ? "?" : "&") +
                      "verb=ListRecords&metadataPrefix=arXivRaw";
    if (!set.empty()) url += "&set=" + url_encode(set);
    if (!from.empty()) url += "&from=" + url_encode(from);
    if (!until.empty()) url += "&until=" + url_encode(until);
    return url;
}

std::string oai_resume_url(const std::string& base, const std::string& token) {
    return base + (base.find('?') == std::string::npos ? "?" : "&") +
           "verb=ListRecords&resumptionToken=" + url_encode(token);
}

size_t remove_paper_files(const DataDir& dir, const std::string& id, int version) {
    size_t n = 0;
    std::error_code ec;
    for (int v = 1; v <= version; ++v) {
        for (const auto& path : {dir.pdf_path(id, v), dir.thumb_path(id, v)})
            n += std::filesystem::remove(path, ec) ? 1 : 0;
        n += remove_text(dir, id, v);
    }
    return n;
}

OaiReport harvest_oai(const OaiParams& params, PapersDb& db, HttpClient& http, Clock& clock,
                      const std::function<void(const std::string&, int)>& on_removed) {
    OaiReport report;
    if (params.categories.empty()) {
        report.failure = "no categories to harvest (give --categories or a cat:X --search-query)";
        return report;
    }
    std::string set = params.set;
    if (set.empty()) {
        auto derived = oai_set_for_categories(params.categories);
        if (!derived) {
            report.failure = "the categories " + join(params.categories, ", ") +
                             " lie in different OAI sets; give --oai-set or harvest each alone";
            return report;
        }
        set = *derived;
    }
    if (params.wait_time < kArxivMinWaitSeconds && is_arxiv_host(params.oai_url))
        spdlog::warn("--wait-time {} is below arXiv's 3 s rule; waiting 3 s between requests",
                     params.wait_time);
    if (set == "all") set.clear();  // every record of the repository: no set parameter
    return Harvester(params, set, db, http, clock, on_removed).run();
}

}  // namespace asp
